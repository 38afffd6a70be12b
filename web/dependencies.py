"""Dependencies of the pages: the logged-in user, or the browser is sent to the login page.

``PageUser`` is the page counterpart of the API's ``CurrentUser``: instead of a 401 it raises
:class:`LoginRequired`, which :func:`install` answers with ``303 /login?next=…``. The page to come back
to is the requested one for a GET, and for a form post the same-site page the form was on (a POST
address such as ``/offers/5/publish`` cannot be opened after logging in).
Refusals (403) and missing records (404) are raised as the application's errors and answered with the
common error page (``web.errors``).
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse

from ipplatform.auth import policy
from ipplatform.auth.models import User
from ipplatform.dependencies import OptionalUser


class LoginRequired(Exception):
    """A page needs a logged-in user; ``next_path`` is where the login page sends the browser back."""

    def __init__(self, next_path: str = "/"):
        super().__init__(next_path)
        self.next_path = next_path


def _local(path: str) -> bool:
    return path.startswith("/") and not path.startswith("//")


def return_path(request: Request) -> str:
    """Where to come back after logging in: this page (GET), or the same-site page a form was posted from."""
    if request.method in ("GET", "HEAD"):
        query = request.url.query
        return request.url.path + (f"?{query}" if query else "")
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc and referer.netloc.lower() == request.headers.get("host", "").lower() and _local(referer.path):
        return referer.path + (f"?{referer.query}" if referer.query else "")
    return "/"


def page_user(request: Request, user: OptionalUser) -> User:
    if user is None:
        raise LoginRequired(return_path(request))
    return user


PageUser = Annotated[User, Depends(page_user)]


def staff_page_user(user: PageUser) -> User:
    """Office staff and administrators (statistics); others get the 403 error page with the reason."""
    policy.require(user, policy.Action.STATS_READ)
    return user


StaffPageUser = Annotated[User, Depends(staff_page_user)]


def login_redirect(next_path: str) -> RedirectResponse:
    target = next_path if _local(next_path) else "/"
    return RedirectResponse("/login?next=" + quote(target, safe="/"), status_code=303)


async def _login_required(_request: Request, exc: LoginRequired) -> RedirectResponse:
    return login_redirect(exc.next_path)


def install(app: FastAPI) -> None:
    """Answer :class:`LoginRequired` with the redirect to the login page."""
    app.add_exception_handler(LoginRequired, _login_required)
