"""The login cookie: HttpOnly, SameSite=Lax, Secure when the request came over HTTPS, and kept as long
as the token is valid. Behind a TLS-terminating proxy the scheme is the forwarded one only when uvicorn
trusts the proxy (``--forwarded-allow-ips``, default 127.0.0.1): a client's own X-Forwarded-Proto header
is not believed."""

from __future__ import annotations

from fastapi import Request, Response

from ipplatform.config import get_settings

COOKIE_NAME = "ipp_session"


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def set_login_cookie(response: Response, request: Request, token: str) -> None:
    response.set_cookie(COOKIE_NAME, token, max_age=get_settings().token_ttl_hours * 3600, path="/",
                        secure=_secure(request), httponly=True, samesite="lax")


def clear_login_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(COOKIE_NAME, path="/", secure=_secure(request), httponly=True, samesite="lax")
