from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ipplatform.auth.models import User
from ipplatform.auth.schemas import UserCreate, UserUpdate
from ipplatform.auth.security import hash_password, verify_password
from ipplatform.common.errors import Conflict, FieldError, get_or_404
from ipplatform.common.patch import assign
from ipplatform.organisations.models import Organisation


def get(db: Session, user_id: int) -> User:
    return get_or_404(db, User, user_id, "user", "用户")


def authenticate(db: Session, username: str, password: str) -> User | None:
    user = db.scalar(select(User).where(User.username == username))
    if user is None or not user.is_active or not verify_password(password, user.password_hash):
        return None
    return user


def _check_org(db: Session, org_id: int) -> None:
    if db.get(Organisation, org_id) is None:
        raise FieldError(f"organisation {org_id} does not exist", f"机构 {org_id} 不存在", field="org_id")


def create(db: Session, data: UserCreate, *, synthetic: bool = False) -> User:
    if db.scalar(select(User.id).where(User.username == data.username)) is not None:
        raise Conflict(f"username {data.username} is taken", f"用户名 {data.username} 已被使用")
    _check_org(db, data.org_id)
    user = User(username=data.username, display_name=data.display_name, email=data.email,
                password_hash=hash_password(data.password), role=data.role, org_id=data.org_id,
                synthetic=synthetic)
    db.add(user)
    db.flush()
    return user


def list_users(db: Session) -> list[User]:
    return list(db.scalars(select(User).order_by(User.id)))


def update(db: Session, user: User, data: UserUpdate) -> User:
    patch = data.model_dump(exclude_unset=True)
    if "org_id" in patch:
        _check_org(db, patch["org_id"])
    if patch.get("password") is not None:
        user.password_hash = hash_password(patch.pop("password"))
    patch.pop("password", None)
    assign(user, patch)
    db.flush()
    return user
