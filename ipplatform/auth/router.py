from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import OAuth2PasswordRequestForm

from ipplatform.auth import service, sessions
from ipplatform.auth.cookies import clear_login_cookie
from ipplatform.auth.schemas import PasswordChange, Token, UserCreate, UserRead, UserUpdate
from ipplatform.auth.throttle import get_throttle
from ipplatform.common.errors import Unauthenticated
from ipplatform.dependencies import AdminUser, CurrentAuthSession, CurrentUser, DbSession
from ipplatform.common.validators import Id

router = APIRouter(tags=["auth"])


@router.post("/auth/token", response_model=Token, summary="登录 / log in (OAuth2 password form)")
def login(request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()], db: DbSession):
    """Too many failed logins for the username or from the IP answer 429 with ``Retry-After``."""
    user = get_throttle(request).authenticate(db, form.username, form.password, sessions.client_ip(request))
    if user is None:
        raise Unauthenticated("Wrong username or password", "用户名或密码错误")
    return Token(access_token=sessions.login(db, user, request), user=UserRead.model_validate(user))


@router.post("/auth/logout", status_code=204, summary="退出登录 / log out (revokes this token's session)")
def logout(request: Request, session: CurrentAuthSession, db: DbSession):
    sessions.revoke(db, session)
    response = Response(status_code=204)
    clear_login_cookie(response, request)
    return response


@router.post("/auth/password", status_code=204, summary="修改密码 / change your password (signs out your other sessions)")
def change_password(request: Request, data: PasswordChange, user: CurrentUser, session: CurrentAuthSession,
                    db: DbSession):
    get_throttle(request).change_password(db, user, data.current_password, data.new_password,
                                          keep_session_id=session.id, ip=sessions.client_ip(request))
    return Response(status_code=204)


@router.get("/auth/me", response_model=UserRead)
def me(user: CurrentUser):
    return user


@router.get("/users", response_model=list[UserRead])
def list_users(_admin: AdminUser, db: DbSession):
    return service.list_users(db)


@router.post("/users", response_model=UserRead, status_code=201)
def create_user(data: UserCreate, _admin: AdminUser, db: DbSession):
    return service.create(db, data)


@router.patch("/users/{user_id}", response_model=UserRead)
def update_user(user_id: Id, data: UserUpdate, _admin: AdminUser, session: CurrentAuthSession, db: DbSession):
    """A new password signs the user out everywhere (but an admin changing their own stays signed in
    here); ``is_active: false`` signs them out everywhere."""
    return service.update(db, service.get(db, user_id), data, keep_session_id=session.id)
