"""Two pure ASGI middlewares every request passes through (installed by :func:`install`, outermost):

- :class:`BodySizeLimit` refuses request bodies above a limit with 413 before they are parsed: a
  ``Content-Length`` above the limit is answered without reading a byte; a body streamed without one
  (chunked) is counted as it arrives and refused once it passes the limit.
- :class:`CommitBeforeResponse` commits the request's database sessions *before* the response starts.
  FastAPI (0.119) runs the exit code of ``yield`` dependencies (``get_db``'s commit) only after the response
  has been sent, so a failed commit (SQLite still locked after its busy timeout, a PostgreSQL serialization
  failure) would follow a 200 the client already has. Committing here turns it into a real 503 (or 500)
  and means a redirect is only followed once its data is stored.
"""

from __future__ import annotations

import logging

import anyio
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ipplatform.common.errors import BodyTooLarge, ServiceBusy, error_response, http_error_body, is_transient_db_error

log = logging.getLogger(__name__)

MiB = 1024 * 1024
DEFAULT_BODY_LIMIT = 2 * MiB  # JSON and forms: the largest real input (a patent's claims) is ~150 KB
UPLOAD_LIMITS = {"/api/deals/import": 20 * MiB,  # the .xlsx bulk imports (ipplatform.imports.reader.MAX_UPLOAD)
                 "/imports": 16 * MiB,  # the page's upload (a form post: csrf.MAX_FORM_BYTES)
                 **{p: 64 * MiB for p in ("/api/imports/patents", "/api/imports/offers", "/api/imports/demands",
                                          "/api/imports/deals")}}
SESSIONS_KEY = "ipp.db_sessions"  # scope key: the sessions get_db opened for this request


class BodySizeLimit:
    def __init__(self, app: ASGIApp, *, default: int = DEFAULT_BODY_LIMIT, per_path: dict[str, int] | None = None):
        self.app = app
        self.default = default
        self.per_path = UPLOAD_LIMITS if per_path is None else per_path

    def limit_for(self, path: str) -> int:
        return self.per_path.get(path.rstrip("/") or "/", self.default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            # Refused up front: nothing of the body is read, the connection is closed after the answer.
            await self._refuse(scope, receive, send, BodyTooLarge(limit) if declared.isdigit() else None)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except BodyTooLarge as exc:  # raised where no exception handler sees it (a middleware reading the body)
            if started:
                raise
            await self._refuse(scope, receive, send, exc)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, exc: BodyTooLarge | None) -> None:
        request = Request(scope, receive)
        if exc is None:
            body, status = http_error_body(400, "Content-Length is not a number"), 400
        else:
            body = {"message": exc.message, "message_zh": exc.message_zh, "code": exc.code, "detail": []}
            status = 413
        response = error_response(request, status, body, {"Connection": "close"})
        await response(scope, receive, send)


def register_session(scope: Scope, session) -> None:
    """Called by ``get_db``: commit ``session`` before this request's response starts."""
    sessions = scope.get(SESSIONS_KEY)
    if sessions is not None:
        sessions.append(session)


def _commit(sessions: list) -> None:
    for session in sessions:
        if session.in_transaction():
            session.commit()


def _rollback(sessions: list) -> None:
    for session in sessions:
        try:
            session.rollback()
        except Exception:  # noqa: BLE001 - the commit error is the one reported
            log.exception("rollback after a failed commit")


class CommitBeforeResponse:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sessions: list = []
        scope[SESSIONS_KEY] = sessions
        replaced = False

        async def committing_send(message: Message) -> None:
            nonlocal replaced
            if replaced:  # the endpoint's own answer is dropped: the error answer went out instead
                return
            if message["type"] == "http.response.start" and sessions:
                try:
                    await anyio.to_thread.run_sync(_commit, sessions)
                except Exception as exc:  # noqa: BLE001
                    await anyio.to_thread.run_sync(_rollback, sessions)
                    replaced = True
                    request = Request(scope, receive)
                    if is_transient_db_error(exc):
                        log.warning("database busy at commit on %s %s: %s", scope["method"], scope["path"], exc)
                        busy = ServiceBusy()
                        response = error_response(request, busy.status_code, busy.body(), busy.headers())
                    else:
                        log.exception("commit failed on %s %s", scope["method"], scope["path"])
                        response = error_response(request, 500, http_error_body(500))
                    await response(scope, receive, send)
                    return
            await send(message)

        await self.app(scope, receive, committing_send)


def install(app) -> None:
    """Outermost of the middlewares ``add_middleware`` places: call after every other ``add_middleware``."""
    app.add_middleware(CommitBeforeResponse)
    app.add_middleware(BodySizeLimit)
