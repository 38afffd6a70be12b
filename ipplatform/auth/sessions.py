"""Server-side login sessions.

Every login (the page's cookie or the API's Bearer token) creates an ``AuthSession`` row; the signed
token (itsdangerous, ``token_ttl_hours``) carries its random id. A request's token counts only while
its row exists, is not revoked, has not expired and its user is active. Logging out revokes the
current session; a password change revokes the user's other sessions (the one that changed it stays
signed in); deactivating a user revokes all of them. Revoked rows stay until they expire (a record of
who was signed in from where); expired rows of a user are deleted at their next login.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from fastapi import Request
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from ipplatform.auth.models import AuthSession, User
from ipplatform.auth.security import TokenClaims, issue_token
from ipplatform.config import get_settings
from ipplatform.database import utcnow

# last_seen_at is written at most this often per session (not on every request).
TOUCH_INTERVAL = timedelta(minutes=5)


def client_ip(request: Request) -> str | None:
    """The client's address (uvicorn puts the forwarded one here when the proxy is trusted)."""
    return request.client.host if request.client else None


def start(db: Session, user: User, *, ip: str | None = None, user_agent: str | None = None) -> AuthSession:
    now = utcnow()
    db.execute(delete(AuthSession).where(AuthSession.user_id == user.id, AuthSession.expires_at <= now))
    session = AuthSession(id=secrets.token_urlsafe(32), user_id=user.id, created_at=now, last_seen_at=now,
                          expires_at=now + timedelta(hours=get_settings().token_ttl_hours),
                          ip=(ip or None) and ip[:45], user_agent=(user_agent or None) and user_agent[:255])
    db.add(session)
    db.flush()
    return session


def login(db: Session, user: User, request: Request) -> str:
    """Start a session for ``user`` from ``request``'s client and return its signed token."""
    session = start(db, user, ip=client_ip(request), user_agent=request.headers.get("user-agent"))
    return issue_token(user.id, session.id)


def active(db: Session, claims: TokenClaims) -> AuthSession | None:
    """The live session the token's claims name, or None (unknown, another user's, revoked, expired,
    or its user deactivated)."""
    now = utcnow()
    session = db.scalar(select(AuthSession).where(
        AuthSession.id == claims.session_id, AuthSession.user_id == claims.user_id,
        AuthSession.revoked_at.is_(None), AuthSession.expires_at > now))
    if session is None or not session.user.is_active:
        return None
    if session.last_seen_at < now - TOUCH_INTERVAL:
        session.last_seen_at = now
    return session


def revoke(db: Session, session: AuthSession) -> None:
    if session.revoked_at is None:
        session.revoked_at = utcnow()
        db.flush()


def revoke_all(db: Session, user_id: int, *, keep: str | None = None) -> int:
    """Revoke every live session of the user except ``keep``; returns how many were revoked."""
    stmt = update(AuthSession).where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
    if keep is not None:
        stmt = stmt.where(AuthSession.id != keep)
    result = db.execute(stmt.values(revoked_at=utcnow()).execution_options(synchronize_session="fetch"))
    return result.rowcount
