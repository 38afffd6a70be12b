"""Request-scoped dependencies shared by every router: the database session and the current user."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from ipplatform.auth.models import User
from ipplatform.auth.security import read_token
from ipplatform.common.errors import Unauthenticated
from ipplatform.common import csrf
from ipplatform.database import session_scope

COOKIE_NAME = "ipp_session"
_bearer = OAuth2PasswordBearer(tokenUrl="/api/auth/token", auto_error=False)


def get_db(request: Request) -> Iterator[Session]:
    from ipplatform.common.middleware import register_session

    # Committed by CommitBeforeResponse when the response starts (else by session_scope after it is sent).
    yield from session_scope(request.app.state.session_factory, lambda s: register_session(request.scope, s))


DbSession = Annotated[Session, Depends(get_db)]


def optional_user(request: Request, db: DbSession, token: Annotated[str | None, Depends(_bearer)]) -> User | None:
    from_cookie = token is None
    token = token or request.cookies.get(COOKIE_NAME)
    if not token:
        return None
    uid = read_token(token)
    user = db.get(User, uid) if uid is not None else None
    if user is None or not user.is_active:
        return None
    if from_cookie:  # the cookie alone does not authorise an unsafe request: it needs X-CSRF-Token too
        csrf.check_cookie_authenticated(request, token)
    db.info["actor_id"] = user.id
    return user


def current_user(user: Annotated[User | None, Depends(optional_user)]) -> User:
    if user is None:
        raise Unauthenticated()
    return user


def admin_user(user: Annotated[User, Depends(current_user)]) -> User:
    from ipplatform.auth.policy import Action, require

    require(user, Action.USER_MANAGE)
    return user


def staff_user(user: Annotated[User, Depends(current_user)]) -> User:
    """Office staff and administrators: statistics, credit supervision, the audit trail, bulk imports."""
    from ipplatform.auth.policy import Action, require

    require(user, Action.STATS_READ)
    return user


OptionalUser = Annotated[User | None, Depends(optional_user)]
CurrentUser = Annotated[User, Depends(current_user)]
AdminUser = Annotated[User, Depends(admin_user)]
StaffUser = Annotated[User, Depends(staff_user)]
