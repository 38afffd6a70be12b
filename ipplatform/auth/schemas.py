from __future__ import annotations

from pydantic import ConfigDict, Field

from ipplatform.auth.enums import Role
from ipplatform.common.schemas import AppSchema, InputSchema
from ipplatform.common.validators import CleanText, Email, Id


class UserCreate(InputSchema):
    username: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")
    display_name: CleanText = Field(min_length=1, max_length=100)
    email: Email | None = None
    password: str = Field(min_length=8, max_length=128)
    role: Role
    org_id: Id


class UserUpdate(InputSchema):
    display_name: CleanText | None = Field(None, min_length=1, max_length=100)
    email: Email | None = None
    password: str | None = Field(None, min_length=8, max_length=128)
    role: Role | None = None
    org_id: Id | None = None
    is_active: bool | None = None


class PasswordChange(InputSchema):
    model_config = ConfigDict(str_strip_whitespace=False)  # passwords as typed (merged with the parent config)

    current_password: str = Field(min_length=1, max_length=128)
    new_password: str = Field(min_length=10, max_length=128)


class UserRead(AppSchema):
    id: int
    username: str
    display_name: str
    email: str | None
    role: Role
    org_id: int
    is_active: bool


class Token(AppSchema):
    access_token: str
    token_type: str = "bearer"
    user: UserRead
