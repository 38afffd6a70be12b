"""Pages: log in, log out, the account page (change the password)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from ipplatform.auth import service as auth_service
from ipplatform.auth import sessions as auth_sessions
from ipplatform.auth.cookies import clear_login_cookie, set_login_cookie
from ipplatform.auth.schemas import PasswordChange
from ipplatform.auth.throttle import LoginLocked, get_throttle
from ipplatform.dependencies import DbSession, OptionalUser
from web.dependencies import PageUser
from web.templating import render

router = APIRouter(include_in_schema=False)


def _locked(request: Request, template: str, user, exc: LoginLocked, **context) -> HTMLResponse:
    """The form again with the throttle's refusal (429) and its ``Retry-After``."""
    return render(request, template, user, exc.status_code, headers=exc.headers(), **context)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, user: OptionalUser, next: str = "/"):
    return render(request, "login.html", user, next=next, error=None)


@router.post("/login")
def login(request: Request, db: DbSession, user: OptionalUser, username: Annotated[str, Form()],
          password: Annotated[str, Form()], next: Annotated[str, Form()] = "/"):
    try:  # the API's throttle: too many failures for the username or from the IP answer 429
        found = get_throttle(request).authenticate(db, username, password, auth_sessions.client_ip(request))
    except LoginLocked as exc:
        return _locked(request, "login.html", None, exc, next=next, error=exc.message_zh)
    if found is None:
        return render(request, "login.html", None, 401, next=next, error="用户名或密码错误")
    if user is not None:  # signing in over another login: that one ends
        auth_sessions.revoke(db, request.state.auth_session)
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    response = RedirectResponse(target, status_code=303)
    set_login_cookie(response, request, auth_sessions.login(db, found, request))
    return response


@router.post("/logout")
def logout(request: Request, db: DbSession, user: OptionalUser):
    if user is not None:
        auth_sessions.revoke(db, request.state.auth_session)
    response = RedirectResponse("/", status_code=303)
    clear_login_cookie(response, request)
    return response


@router.get("/account", response_class=HTMLResponse)
def account(request: Request, user: PageUser):
    return render(request, "account.html", user, errors={}, message=None)


def _password_errors(current_password: str, new_password: str, new_password_confirm: str) -> dict[str, str]:
    errors = {}
    if not current_password:
        errors["current_password"] = "请输入当前密码"
    if len(new_password) < 10:
        errors["new_password"] = "新密码至少需要 10 个字符"
    elif len(new_password) > 128:
        errors["new_password"] = "新密码最多 128 个字符"
    elif new_password != new_password_confirm:
        errors["new_password_confirm"] = "两次输入的新密码不一致"
    return errors


@router.post("/account/password", response_class=HTMLResponse)
def account_password(request: Request, db: DbSession, user: PageUser,
                     current_password: Annotated[str, Form()] = "", new_password: Annotated[str, Form()] = "",
                     new_password_confirm: Annotated[str, Form()] = ""):
    """修改密码: signs out the user's other sessions, this one stays signed in."""
    errors = _password_errors(current_password, new_password, new_password_confirm)
    if errors:
        return render(request, "account.html", user, 422, errors=errors, message=None)
    data = PasswordChange(current_password=current_password, new_password=new_password)
    try:
        get_throttle(request).change_password(db, user, data.current_password, data.new_password,
                                              keep_session_id=request.state.auth_session.id,
                                              ip=auth_sessions.client_ip(request))
    except LoginLocked as exc:
        return _locked(request, "account.html", user, exc, errors={"_form": exc.message_zh}, message=None)
    except auth_service.WrongPassword as exc:
        return render(request, "account.html", user, 422, errors={"current_password": exc.message_zh}, message=None)
    return render(request, "account.html", user, errors={}, message="密码已修改，其他设备上的登录已退出。")
