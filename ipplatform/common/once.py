"""Each page form is carried out once: a double click, a resent request or a reload of the answer does not
create a second demand, offer, deal …

Every POST form carries a random ``submission_id`` (added by ``csrf_input()``, so every form has one). The
first request with an id claims it (a row of ``form_submission``, keyed by the id and the login); when the
route answers with a redirect (the Post/Redirect/Get of every successful page form), the row keeps its
``Location``. A repeated request with the same id and login gets that redirect without running the route
again — also when it arrives while the first is still being processed (it waits for it, up to
``WAIT_SECONDS``). A form answered with errors (4xx) or a failure releases its id: correcting the values
and sending again works. Answers that set a cookie (login, logout) are not remembered: a repeat would lose it.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import time
from datetime import datetime, timedelta

import anyio
from markupsafe import Markup
from sqlalchemy import String, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ipplatform.common.csrf import FORM_FIELDS
from ipplatform.database import Base, UTCDateTime, utcnow

log = logging.getLogger(__name__)

FIELD = "submission_id"
_ID = re.compile(r"[0-9a-f]{32}")
WAIT_SECONDS = 15.0  # a repeat waits this long for the first request's answer
KEEP = timedelta(days=1)  # remembered answers older than this are forgotten
_PENDING = ""  # location of a claim whose request is still running


class FormSubmission(Base):
    __tablename__ = "form_submission"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256(login cookie | submission id)
    location: Mapped[str] = mapped_column(String(2000), default=_PENDING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


def hidden_input() -> Markup:
    """The form's submission id (a fresh one each time the form is rendered)."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(FIELD, secrets.token_hex(16))


class SubmitOnce:
    """Pure ASGI, inside the CSRF middleware (which has read the form and left its text fields in the scope)."""

    def __init__(self, app: ASGIApp, *, session_cookie: str, api_prefix: str = "/api"):
        self.app = app
        self.session_cookie = session_cookie
        self.api_prefix = api_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"].startswith(self.api_prefix + "/"):
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        submission = _submission_id(scope)
        factory = getattr(request.app.state, "session_factory", None)
        if submission is None or factory is None:
            await self.app(scope, receive, send)
            return
        login = request.cookies.get(self.session_cookie, "")
        key = hashlib.sha256(f"{login}|{submission}".encode()).hexdigest()
        location = await anyio.to_thread.run_sync(_claim, factory, key)
        if location is not None:  # the same form again: the first answer
            await RedirectResponse(location, status_code=303)(scope, receive, send)
            return
        answer: dict = {}

        async def watching(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
                answer["headers"] = Headers(raw=message.get("headers", []))
            await send(message)

        try:
            await self.app(scope, receive, watching)
        finally:
            headers = answer.get("headers")
            kept = (answer.get("status") in (301, 302, 303) and headers is not None and "location" in headers
                    and "set-cookie" not in headers)
            await anyio.to_thread.run_sync(_settle, factory, key, headers["location"] if kept else None)


def _submission_id(scope: Scope) -> str | None:
    """The form's submission id, from the text fields the CSRF middleware read (url-encoded and multipart
    forms alike; other bodies have none)."""
    value = scope.get("state", {}).get(FORM_FIELDS, {}).get(FIELD)
    return value if value and _ID.fullmatch(value) else None


def _claim(factory, key: str) -> str | None:
    """Claim ``key`` for this request (None), or the location the first request with it answered."""
    deadline = utcnow() + timedelta(seconds=WAIT_SECONDS)
    while True:
        with factory() as db:
            try:
                db.add(FormSubmission(key=key))
                db.execute(delete(FormSubmission).where(FormSubmission.created_at < utcnow() - KEEP))
                db.commit()
                return None
            except IntegrityError:
                db.rollback()
            location = db.scalar(select(FormSubmission.location).where(FormSubmission.key == key))
        if location:
            return location
        if location is None:  # released meanwhile (the first request failed): try to claim it again
            continue
        if utcnow() > deadline:
            log.warning("form submission %s still running after %ss; processing the repeat", key[:8], WAIT_SECONDS)
            return None
        time.sleep(0.1)


def _settle(factory, key: str, location: str | None) -> None:
    with factory() as db:
        row = db.get(FormSubmission, key)
        if row is not None:
            if location:
                row.location = location
            else:
                db.delete(row)
        db.commit()
