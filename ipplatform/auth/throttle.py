"""Login throttling and lockout (the ``limits`` library: moving windows in memory).

- Every failed login counts against the username (5 per 15 minutes) and against the client IP
  (20 per 15 minutes). Once either is reached, further attempts for that username, or from that IP,
  are refused with 429 and ``Retry-After`` *before* the password is checked, so even the right
  password does not get in until the oldest failure has left the window.
- A successful login resets nothing: otherwise an attacker who knows one account's password could
  clear an IP's count between guesses at other accounts. A locked-out user waits (at most 15 minutes).
- Refused (429) attempts are not counted again, so the lock ends 15 minutes after the failures.
- The count is checked before and incremented after the password check (which takes ~0.1 s), so
  attempts sent at the same moment can each pass the check: a burst gets at most as many extra
  guesses as it has requests in flight (the worker threads), once per window.
- Unknown usernames count like known ones (the answer must not tell them apart); the key is the
  username case-folded and cut to 128 characters.
- The API (``POST /api/auth/token``), the login page (``POST /login``) and the password change
  (wrong current password) go through the same ``LoginThrottle`` on ``app.state``: one per app, in the
  process' memory. Several worker processes each count on their own, and a restart forgets; behind a
  reverse proxy, uvicorn must trust it (``--forwarded-allow-ips``) or every client shares its IP.
"""

from __future__ import annotations

import math
import time

from fastapi import FastAPI, Request
from limits import RateLimitItem, RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy.orm import Session

from ipplatform.auth import service
from ipplatform.auth.models import User
from ipplatform.common.errors import AppError

WINDOW_MINUTES = 15
USERNAME_LIMIT = RateLimitItemPerMinute(5, WINDOW_MINUTES)
IP_LIMIT = RateLimitItemPerMinute(20, WINDOW_MINUTES)


class LoginLocked(AppError):
    status_code = 429
    code = "too_many_attempts"

    def __init__(self, retry_after: int):
        minutes = max(1, math.ceil(retry_after / 60))
        super().__init__(f"Too many failed logins; try again in {minutes} minutes",
                         f"登录失败次数过多，请 {minutes} 分钟后再试")
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class LoginThrottle:
    def __init__(self, username_limit: RateLimitItem = USERNAME_LIMIT, ip_limit: RateLimitItem = IP_LIMIT):
        self.username_limit = username_limit
        self.ip_limit = ip_limit
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def _keys(self, username: str, ip: str | None):
        return ((self.username_limit, ("login-user", username.strip().casefold()[:128])),
                (self.ip_limit, ("login-ip", ip or "unknown")))

    def check(self, username: str, ip: str | None) -> None:
        """Raise ``LoginLocked`` if the username or the IP has used up its failures."""
        waits = [self.limiter.get_window_stats(item, *key).reset_time - time.time()
                 for item, key in self._keys(username, ip) if not self.limiter.test(item, *key)]
        if waits:
            raise LoginLocked(max(1, math.ceil(max(waits))))

    def failed(self, username: str, ip: str | None) -> None:
        for item, key in self._keys(username, ip):
            self.limiter.hit(item, *key)

    def authenticate(self, db: Session, username: str, password: str, ip: str | None) -> User | None:
        """``service.authenticate`` behind the throttle: the user, None for wrong credentials (counted),
        or ``LoginLocked``."""
        self.check(username, ip)
        user = service.authenticate(db, username, password)
        if user is None:
            self.failed(username, ip)
        return user

    def change_password(self, db: Session, user: User, current_password: str, new_password: str, *,
                        keep_session_id: str | None, ip: str | None) -> None:
        """``service.change_password`` behind the throttle (the API's and the account page's): a wrong current
        password counts as a failed login for the user, so a stolen session cannot be used to guess it."""
        self.check(user.username, ip)
        try:
            service.change_password(db, user, current_password, new_password, keep_session_id=keep_session_id)
        except service.WrongPassword:
            self.failed(user.username, ip)
            raise


def get_throttle(request: Request) -> LoginThrottle:
    return request.app.state.login_throttle


def install(app: FastAPI) -> None:
    """A fresh throttle for ``app`` (its 429 with ``Retry-After`` is answered by the ``AppError`` handler)."""
    app.state.login_throttle = LoginThrottle()
