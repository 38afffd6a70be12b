"""Request-scoped dependencies shared by every router: the database session and the current user."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from ipplatform.auth import sessions
from ipplatform.auth.cookies import COOKIE_NAME
from ipplatform.auth.models import AuthSession, User
from ipplatform.auth.policy import Action, require
from ipplatform.auth.security import read_token
from ipplatform.common.errors import Unauthenticated
from ipplatform.common import csrf
from ipplatform.common.middleware import register_session
from ipplatform.database import session_scope

_bearer = OAuth2PasswordBearer(tokenUrl="/api/auth/token", auto_error=False)


def get_db(request: Request) -> Iterator[Session]:
    # Committed by CommitBeforeResponse when the response starts (else by session_scope after it is sent).
    yield from session_scope(request.app.state.session_factory, lambda s: register_session(request.scope, s))


DbSession = Annotated[Session, Depends(get_db)]


def optional_user(request: Request, db: DbSession, token: Annotated[str | None, Depends(_bearer)]) -> User | None:
    from_cookie = token is None
    token = token or request.cookies.get(COOKIE_NAME)
    if not token:
        return None
    claims = read_token(token)
    session = sessions.active(db, claims) if claims is not None else None
    if session is None:  # forged, expired, logged out, password changed, user deactivated
        return None
    request.state.auth_session = session
    user = session.user
    if from_cookie:  # the cookie alone does not authorise an unsafe request: it needs X-CSRF-Token too
        csrf.check_cookie_authenticated(request, token)
    db.info["actor_id"] = user.id
    return user


def current_user(user: Annotated[User | None, Depends(optional_user)]) -> User:
    if user is None:
        raise Unauthenticated()
    return user


def current_session(request: Request, _user: Annotated[User, Depends(current_user)]) -> AuthSession:
    """The server-side session of the request's token (for logging out and changing the password)."""
    return request.state.auth_session


def admin_user(user: Annotated[User, Depends(current_user)]) -> User:
    require(user, Action.USER_MANAGE)
    return user


def allowed_to(action: Action):
    """The dependency "the current user, who may do ``action``": refused with that action's own reason
    (统计数据… / 操作日志… / 信用监管…), not one shared message."""
    def dependency(user: Annotated[User, Depends(current_user)]) -> User:
        require(user, action)
        return user

    return Annotated[User, Depends(dependency)]


OptionalUser = Annotated[User | None, Depends(optional_user)]
CurrentUser = Annotated[User, Depends(current_user)]
CurrentAuthSession = Annotated[AuthSession, Depends(current_session)]
AdminUser = Annotated[User, Depends(admin_user)]
StatsReader = allowed_to(Action.STATS_READ)
AuditReader = allowed_to(Action.AUDIT_READ)
CreditOfficer = allowed_to(Action.CREDIT_REVIEW)
OrgRegistrar = allowed_to(Action.ORG_CREATE)
DealImporter = allowed_to(Action.DEAL_IMPORT)
