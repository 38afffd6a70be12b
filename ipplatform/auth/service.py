from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ipplatform.database import text_search
from ipplatform.auth import sessions
from ipplatform.auth.enums import Role
from ipplatform.auth.models import User
from ipplatform.auth.schemas import UserCreate, UserUpdate
from ipplatform.auth.security import dummy_hash, hash_password, verify_password
from ipplatform.common.errors import Conflict, FieldError, get_or_404
from ipplatform.common.patch import assign
from ipplatform.common.schemas import PageParams, paginate
from ipplatform.common.validators import has_control_chars
from ipplatform.organisations.models import Organisation


def get(db: Session, user_id: int) -> User:
    return get_or_404(db, User, user_id, "user", "用户")


def authenticate(db: Session, username: str, password: str) -> User | None:
    """The active user with this username and password, else None. The password is verified (one
    Argon2 run) in every case, against a dummy hash for unknown or inactive users, so the time taken
    does not tell which usernames exist."""
    # No username holds a control character (UserCreate's pattern), and PostgreSQL refuses U+0000 in a query.
    user = None if has_control_chars(username) else db.scalar(select(User).where(User.username == username))
    usable = user is not None and user.is_active
    ok = verify_password(password, user.password_hash if usable else dummy_hash())
    return user if usable and ok else None


class WrongPassword(FieldError):
    def __init__(self):
        super().__init__("The current password is wrong", "当前密码不正确", field="current_password")


def change_password(db: Session, user: User, current_password: str, new_password: str, *,
                    keep_session_id: str | None) -> None:
    """Self-service change: needs the current password; signs out every other session of the user."""
    if not verify_password(current_password, user.password_hash):
        raise WrongPassword()
    user.password_hash = hash_password(new_password)
    sessions.revoke_all(db, user.id, keep=keep_session_id)
    db.flush()


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


def find_users(db: Session, page: PageParams, q: str | None = None, role: Role | None = None,
               active: bool | None = None) -> tuple[list[User], int]:
    """A page of users: ``q`` in the username, display name or organisation name; by role and whether active."""
    stmt = select(User).join(Organisation, Organisation.id == User.org_id)
    if q:
        stmt = stmt.where(text_search((User.username, q), (User.display_name, q), (Organisation.name, q)))
    if role:
        stmt = stmt.where(User.role == role)
    if active is not None:
        stmt = stmt.where(User.is_active.is_(active))
    return paginate(db, stmt, page, User.id)


def update(db: Session, user: User, data: UserUpdate, *, keep_session_id: str | None = None) -> User:
    """An administrator's change. A new password signs out the user's sessions (except
    ``keep_session_id``, the admin's own when changing their own password); deactivating signs out all."""
    patch = data.model_dump(exclude_unset=True)
    if "org_id" in patch:
        _check_org(db, patch["org_id"])
    if patch.get("password") is not None:
        user.password_hash = hash_password(patch.pop("password"))
        sessions.revoke_all(db, user.id, keep=keep_session_id)
    patch.pop("password", None)
    assign(user, patch)
    if patch.get("is_active") is False:
        sessions.revoke_all(db, user.id)
    db.flush()
    return user
