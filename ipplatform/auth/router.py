from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm

from ipplatform.auth import service
from ipplatform.auth.schemas import Token, UserCreate, UserRead, UserUpdate
from ipplatform.auth.security import issue_token
from ipplatform.common.errors import Unauthenticated
from ipplatform.dependencies import AdminUser, CurrentUser, DbSession
from ipplatform.common.validators import Id

router = APIRouter(tags=["auth"])


@router.post("/auth/token", response_model=Token, summary="登录 / log in (OAuth2 password form)")
def login(form: Annotated[OAuth2PasswordRequestForm, Depends()], db: DbSession):
    user = service.authenticate(db, form.username, form.password)
    if user is None:
        raise Unauthenticated("Wrong username or password", "用户名或密码错误")
    return Token(access_token=issue_token(user.id), user=UserRead.model_validate(user))


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
def update_user(user_id: Id, data: UserUpdate, _admin: AdminUser, db: DbSession):
    return service.update(db, service.get(db, user_id), data)
