"""Password hashing (pwdlib, Argon2) and signed, expiring login tokens (itsdangerous)."""

from __future__ import annotations

import secrets
from functools import lru_cache
from typing import NamedTuple

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from pwdlib import PasswordHash

from ipplatform.config import get_settings

_hasher = PasswordHash.recommended()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    try:
        return _hasher.verify(password, password_hash)
    except Exception:  # malformed hash in the database: treat as a failed login
        return False


@lru_cache
def dummy_hash() -> str:
    """A hash of a random password with the same parameters as real ones: ``authenticate`` verifies
    against it when the user is unknown or inactive, so every failed login costs one Argon2 run."""
    return _hasher.hash(secrets.token_urlsafe(32))


@lru_cache
def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="ipplatform-login")


class TokenClaims(NamedTuple):
    user_id: int
    session_id: str


def issue_token(user_id: int, session_id: str) -> str:
    """A signed token naming the user and their server-side session (``auth.sessions``)."""
    return _serializer(get_settings().secret_key).dumps({"uid": user_id, "sid": session_id})


def read_token(token: str) -> TokenClaims | None:
    """The claims of a token this installation signed within the last ``token_ttl_hours``, else None.
    Whether its session is still valid is for ``auth.sessions.active`` to say."""
    settings = get_settings()
    try:
        data = _serializer(settings.secret_key).loads(token, max_age=settings.token_ttl_hours * 3600)
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(data, dict):
        return None
    uid, sid = data.get("uid"), data.get("sid")
    if not isinstance(uid, int) or isinstance(uid, bool) or not isinstance(sid, str) or not sid:
        return None  # tokens from before sessions (no "sid") are refused
    return TokenClaims(uid, sid)
