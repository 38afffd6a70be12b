"""Cross-site request forgery protection: a signed double-submit token, checked for every unsafe request.

Design (OWASP's "signed double-submit cookie", written out here rather than taken from a package so that
the whole check is these ~200 lines, with the form body left readable for the route):

* The browser holds a random *seed* in the cookie ``ipp_csrf`` (HttpOnly, SameSite=Strict, set by the
  first page rendered, before any login). The *token* that pages embed is
  ``HMAC-SHA256(secret_key, seed | login cookie)``: it cannot be computed without the secret key, is bound
  to the seed the attacker cannot read or set cross-site, and changes when the login changes.
* Pages put it in every form as ``{{ csrf_input() }}`` (hidden field ``csrf_token``) and in
  ``<meta name="csrf-token">`` for scripts, which send it as the ``X-CSRF-Token`` header.
* :class:`CSRFMiddleware` refuses (403) any POST/PUT/PATCH/DELETE outside ``/api`` whose token is missing
  or wrong, or whose ``Origin`` (else ``Referer``) names another host than ``Host``: login forms included
  (login CSRF). Under ``/api`` a request authenticated by a Bearer token is not subject to CSRF; one
  authenticated by the login cookie must carry ``X-CSRF-Token`` (checked in
  ``dependencies.optional_user`` through :func:`check_cookie_authenticated`), else a 403 JSON error with
  ``code: "csrf"``.
* The origin check compares with the ``Host`` header: a reverse proxy must pass the original ``Host`` on.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl, unquote_to_bytes, urlsplit

from jinja2 import pass_context
from markupsafe import Markup, escape
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ipplatform.common.errors import BodyTooLarge, Forbidden, body_invalid, error_response
from ipplatform.config import get_settings

COOKIE = "ipp_csrf"
FIELD = "csrf_token"
HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
MAX_FORM_BYTES = 16 * 1024 * 1024  # page forms are a few KiB; a larger form body is refused (BodyTooLarge: 413)
MESSAGE = "The page has expired or the request did not come from this site; reload the page and try again"
MESSAGE_ZH = "页面已过期或请求来源无效，请刷新页面后重试"
_SEED = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)
_STATE_SEED, _STATE_NEW, _STATE_OK = "csrf_seed", "csrf_new_seed", "csrf_verified"
FORM_FIELDS = "form_text_fields"  # scope state: the text fields of the form read here, for inner middleware


class CsrfRefused(Forbidden):
    code = "csrf"

    def __init__(self) -> None:
        super().__init__(MESSAGE, MESSAGE_ZH)


def _secret() -> bytes:
    return get_settings().secret_key.encode()


def token_for(seed: str, session: str | None) -> str:
    """The token for a browser holding ``seed`` in ``ipp_csrf`` and ``session`` as its login cookie."""
    message = f"csrf|{seed}|{session or ''}".encode()
    return hmac.new(_secret(), message, hashlib.sha256).hexdigest()


def accepted(request: Request, session: str | None, token: str | None) -> bool:
    """Does the unsafe ``request`` come from this site (:func:`same_origin`) and carry the ``token`` of its
    ``ipp_csrf`` seed and login cookie ``session``?"""
    seed = request.cookies.get(COOKIE)
    if not seed or not token or not _SEED.fullmatch(seed) or not same_origin(request.headers):
        return False
    return hmac.compare_digest(token_for(seed, session), token)


def same_origin(headers: Headers) -> bool:
    """False when ``Origin`` (or, without it, ``Referer``) names a host other than the request's ``Host``.
    A request carrying neither passes this check (the token still has to be right)."""
    source = headers.get("origin") or headers.get("referer")
    if source is None:
        return True
    host = headers.get("host", "").lower()
    try:
        netloc = urlsplit(source).netloc.lower()
    except ValueError:
        return False
    return bool(netloc) and netloc == host  # "Origin: null" (sandboxed frames) is refused too


# ---- the token in pages -------------------------------------------------------------------------------

def _seed_of(request: Request) -> str:
    """The seed of this browser; a new one (set as a cookie on the response by the middleware) if it has
    none yet."""
    state = request.scope.setdefault("state", {})
    seed = state.get(_STATE_SEED) or state.get(_STATE_NEW)
    if seed is None:
        seed = request.cookies.get(COOKIE)
        if seed is None or not _SEED.fullmatch(seed):
            seed = state[_STATE_NEW] = secrets.token_urlsafe(32)
        else:
            state[_STATE_SEED] = seed
    return seed


def request_token(request: Request, session_cookie: str) -> str:
    return token_for(_seed_of(request), request.cookies.get(session_cookie))


def template_globals(session_cookie: str) -> dict[str, Callable]:
    """``csrf_input()`` and ``csrf_token()`` for Jinja templates (they need ``request`` in the context: a
    macro that calls them must be imported ``with context``). ``session_cookie``: the login cookie's name."""
    def _request(ctx) -> Request:
        request = ctx.get("request")
        if request is None:
            raise RuntimeError("csrf_input()/csrf_token() need `request` in the template context "
                               "(import the macro `with context`)")
        return request

    @pass_context
    def csrf_token(ctx) -> str:
        return request_token(_request(ctx), session_cookie)

    @pass_context
    def csrf_input(ctx) -> Markup:
        token = request_token(_request(ctx), session_cookie)
        return Markup('<input type="hidden" name="{}" value="{}">').format(FIELD, escape(token))

    return {"csrf_input": csrf_input, "csrf_token": csrf_token}


# ---- the API: cookie-authenticated requests -------------------------------------------------------------

def check_cookie_authenticated(request: Request, session: str) -> None:
    """Raise :class:`CsrfRefused` for an unsafe request authenticated by the login cookie ``session`` that
    lacks a valid ``X-CSRF-Token`` header or comes from another origin (pages checked by the middleware
    pass)."""
    if request.method not in UNSAFE_METHODS or request.scope.get("state", {}).get(_STATE_OK):
        return
    if not accepted(request, session, request.headers.get(HEADER)):
        raise CsrfRefused()


# ---- the middleware -------------------------------------------------------------------------------------

Refusal = Callable[[Request], Awaitable[Callable[[Scope, Receive, Send], Awaitable[None]]]]


class CSRFMiddleware:
    """Pure ASGI: checks unsafe requests outside ``/api`` (token in the form field ``csrf_token`` or the
    header ``X-CSRF-Token``, plus the origin check) and replays the body it read to the route; sets the
    ``ipp_csrf`` cookie when a page issued a new seed. ``refusal(request)`` returns the 403 response."""

    def __init__(self, app: ASGIApp, *, session_cookie: str, refusal: Refusal, api_prefix: str = "/api"):
        self.app = app
        self.session_cookie = session_cookie
        self.refusal = refusal
        self.api_prefix = api_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and state.get(_STATE_NEW):
                secure = "; Secure" if scope.get("scheme") == "https" else ""
                cookie = f"{COOKIE}={state[_STATE_NEW]}; HttpOnly; Path=/; SameSite=Strict{secure}"
                message["headers"] = [*message.get("headers", []), (b"set-cookie", cookie.encode("latin-1"))]
            await send(message)

        request = Request(scope)
        path = scope["path"]
        if scope["method"] in UNSAFE_METHODS and not (path == self.api_prefix or
                                                       path.startswith(self.api_prefix + "/")):
            body, receive = await self._body(request, receive)  # BodyTooLarge: answered by BodySizeLimit
            if body and not _utf8_form(request, body):  # the routes would read U+FFFD where the user typed
                response = error_response(request, 400, body_invalid())
                await response(scope, receive, send_with_cookie)
                return
            fields = state[FORM_FIELDS] = await self._form_fields(scope, body) if body else {}
            token = request.headers.get(HEADER) or fields.get(FIELD)
            if not accepted(request, request.cookies.get(self.session_cookie), token):
                response = await self.refusal(request)  # its page may issue a seed: sent as a cookie too
                await response(scope, receive, send_with_cookie)
                return
            state[_STATE_OK] = True

        await self.app(scope, receive, send_with_cookie)

    @staticmethod
    async def _body(request: Request, receive: Receive) -> tuple[bytes | None, Receive]:
        """The body of a form request (None for other content types, which must send the header), and a
        ``receive`` that hands it to the route again."""
        if not request.headers.get("content-type", "").lower().startswith(FORM_TYPES):
            return None, receive
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return None, receive
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > MAX_FORM_BYTES:
                raise BodyTooLarge(MAX_FORM_BYTES)
            if not message.get("more_body", False):
                break
        body, replayed = _escaped(request, b"".join(chunks)), False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return body, replay

    @staticmethod
    async def _form_fields(scope: Scope, body: bytes) -> dict[str, str]:
        """The form's text fields (the first value of each name; file parts left out): the token, and what
        inner middleware reads from ``scope["state"][FORM_FIELDS]`` (the submission id) without parsing
        the body again."""
        content_type = Headers(scope=scope).get("content-type", "").lower()
        if content_type.startswith("application/x-www-form-urlencoded"):
            fields: dict[str, str] = {}
            for k, v in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
                fields.setdefault(k, v)
            return fields

        async def once() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        try:
            async with Request(scope, once).form() as form:
                return {k: v for k, v in reversed(form.multi_items()) if isinstance(v, str)}
        except Exception:  # noqa: BLE001 - a malformed multipart body carries no token
            return {}


_RAW_BYTE = re.compile(rb"[\x80-\xff]")


def _urlencoded(request: Request) -> bool:
    return request.headers.get("content-type", "").lower().startswith(FORM_TYPES[0])


def _escaped(request: Request, body: bytes) -> bytes:
    """An url-encoded body with raw (unescaped) non-ASCII bytes %-escaped, as browsers send them: Starlette
    reads raw bytes as Latin-1, so a client posting raw UTF-8 would have its text stored garbled."""
    if not _urlencoded(request) or not _RAW_BYTE.search(body):
        return body
    return _RAW_BYTE.sub(lambda m: b"%%%02X" % m.group()[0], body)


def _utf8_form(request: Request, body: bytes) -> bool:
    """Is an url-encoded form body UTF-8 text once its %-escapes are decoded (what browsers send)? Multipart
    bodies are left to the route (their file parts are binary)."""
    if not _urlencoded(request):
        return True
    try:
        unquote_to_bytes(body.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
