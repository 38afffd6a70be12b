"""Password hashing (pwdlib, Argon2) and signed, expiring login tokens (itsdangerous)."""

from __future__ import annotations

from functools import lru_cache

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
def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="ipplatform-login")


def issue_token(user_id: int) -> str:
    return _serializer(get_settings().secret_key).dumps({"uid": user_id})


def read_token(token: str) -> int | None:
    settings = get_settings()
    try:
        data = _serializer(settings.secret_key).loads(token, max_age=settings.token_ttl_hours * 3600)
    except (BadSignature, SignatureExpired):
        return None
    uid = data.get("uid") if isinstance(data, dict) else None
    return uid if isinstance(uid, int) else None
