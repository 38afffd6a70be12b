"""Pages: user administration (系统管理员 only, ``user.manage``): the user list, creating a user for an
organisation with a role, deactivating / reactivating (which signs the user out at once) and resetting a
password (which signs the user out everywhere). Included by ``web.office``."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlalchemy import select

from ipplatform.auth import policy
from ipplatform.auth import service as users
from ipplatform.auth.enums import Role
from ipplatform.auth.schemas import UserCreate, UserUpdate
from ipplatform.common.errors import AppError, Conflict
from ipplatform.common.schemas import PageParams
from ipplatform.common.validators import CleanText, Id, PageNumber
from ipplatform.dependencies import DbSession
from ipplatform.organisations.models import Organisation
from web.dependencies import PageUser
from web.navigation import NavItem, may
from web.forms import errors_by_field, filter_param
from web.office_forms import kept, optional
from web.templating import render

router = APIRouter(include_in_schema=False)
NAV = [NavItem("用户管理", "/admin/users", 90, may(policy.Action.USER_MANAGE), testid="nav-users")]
PER_PAGE = 20
LABELS = {"username": "用户名", "display_name": "姓名", "email": "电子邮箱", "role": "角色", "org_id": "所属机构",
          "password": "初始密码", "password_confirm": "确认密码"}
DONE = {"created": "用户已创建，可以用初始密码登录。", "deactivated": "用户已停用，其登录已全部退出。",
        "activated": "用户已重新启用。", "password": "密码已重置，该用户的登录已全部退出。"}


def _admin(user):
    policy.require(user, policy.Action.USER_MANAGE)
    return user


def _orgs(db) -> list[Organisation]:
    return list(db.scalars(select(Organisation).order_by(Organisation.kind, Organisation.name).limit(5000)))


@router.get("/admin/users", response_class=HTMLResponse)
def user_list(request: Request, db: DbSession, user: PageUser, page: PageNumber = 1,
              q: Annotated[CleanText | None, Query(max_length=100)] = None, role: filter_param(Role) = None,
              active: filter_param(Literal["yes", "no"]) = None, done: Literal["created", "deactivated", "activated", "password"] | None = None,
              who: Annotated[CleanText | None, Query(max_length=64)] = None):
    _admin(user)
    params = PageParams(page=page, page_size=PER_PAGE)
    items, total = users.find_users(db, params, q, role, {"yes": True, "no": False}.get(active or ""))
    query = urlencode({k: v for k, v in (("q", q), ("role", role.value if role else None), ("active", active)) if v})
    message = f"{who}：{DONE[done]}" if done and who else DONE.get(done or "")
    return render(request, "office_users.html", user, items=items, total=total, page=params, q=q or "",
                  role=role.value if role else "", active=active or "", roles=Role, done=message,
                  base=f"/admin/users?{query}&" if query else "/admin/users?", errors={})


def _user_form(request, db, user, values, errors, code=200):
    return render(request, "office_user_form.html", user, code, values=values, errors=errors, roles=Role,
                  orgs=_orgs(db))


@router.get("/admin/users/new", response_class=HTMLResponse)
def user_new(request: Request, db: DbSession, user: PageUser):
    _admin(user)
    return _user_form(request, db, user, {}, {})


@router.post("/admin/users/new", response_class=HTMLResponse)
async def user_create(request: Request, db: DbSession, user: PageUser):
    _admin(user)
    form = await request.form()
    values = kept(form, LABELS)
    try:
        if values["password"] != values["password_confirm"]:
            raise Conflict("passwords differ", "两次输入的密码不一致", field="password_confirm")
        data = {k: optional(v) for k, v in values.items() if k != "password_confirm"}
        data["password"] = values["password"]  # as typed
        created = users.create(db, UserCreate.model_validate({k: v for k, v in data.items() if v is not None}))
    except (ValidationError, AppError) as exc:
        errors = errors_by_field(exc, LABELS)
        if isinstance(exc, AppError) and "已被使用" in exc.message_zh:
            errors = {"username": f"用户名：{exc.message_zh}"}
        values.update(password="", password_confirm="")
        return _user_form(request, db, user, values, errors, 422)
    return RedirectResponse(f"/admin/users?q={created.username}&done=created&who={created.username}", status_code=303)


@router.post("/admin/users/{user_id}/active")
async def user_active(request: Request, db: DbSession, user: PageUser, user_id: Id):
    _admin(user)
    target = users.get(db, user_id)
    active = (await request.form()).get("active") == "1"
    if not active and target.id == user.id:
        raise Conflict("you cannot deactivate yourself", "不能停用自己的账号")
    users.update(db, target, UserUpdate(is_active=active))
    return RedirectResponse(f"/admin/users?q={target.username}&done={'activated' if active else 'deactivated'}"
                            f"&who={target.username}", status_code=303)


@router.post("/admin/users/{user_id}/password", response_class=HTMLResponse)
async def user_password(request: Request, db: DbSession, user: PageUser, user_id: Id):
    _admin(user)
    target = users.get(db, user_id)
    form = await request.form()
    password, confirm = str(form.get("password") or ""), str(form.get("password_confirm") or "")
    error = None
    if len(password) < 8:
        error = "新密码：至少需要 8 个字符"
    elif len(password) > 128:
        error = "新密码：最多 128 个字符"
    elif password != confirm:
        error = "确认密码：两次输入的密码不一致"
    if error:
        params = PageParams(page=1, page_size=PER_PAGE)
        items, total = users.find_users(db, params, target.username)
        return render(request, "office_users.html", user, 422, items=items, total=total, page=params,
                      q=target.username, role="", active="", roles=Role, done=None, base="/admin/users?",
                      errors={target.id: error})
    users.update(db, target, UserUpdate(password=password),
                 keep_session_id=request.state.auth_session.id if target.id == user.id else None)
    return RedirectResponse(f"/admin/users?q={target.username}&done=password&who={target.username}", status_code=303)
