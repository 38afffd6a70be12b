"""HTTP security for every response: security headers (a strict Content-Security-Policy the pages satisfy:
no inline script or style, nothing from other origins), CSRF protection (``ipplatform.common.csrf``), and
the API docs at /docs (Swagger UI) and /redoc (ReDoc) served from local files (both bundled in the PyPI package
``fastapi-offline``), so they work without a CDN. Swagger UI runs within the policy; ReDoc writes its styles
inline (styled-components) and builds its search worker from a blob, so /redoc alone answers with a policy that
adds ``style-src 'unsafe-inline'`` and ``worker-src blob:`` (scripts stay same-origin files, and the page shows
no user data). No web fonts are loaded (ReDoc falls back to the system's).

``install(app)`` is called by ``create_app``.
"""

from __future__ import annotations

import json
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from markupsafe import escape
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ipplatform.auth.cookies import COOKIE_NAME
from ipplatform.common import csrf, once
from web.errors import error_page

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
REDOC_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'") + "; worker-src blob:"
HEADERS = {
    "content-security-policy": CSP,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}
_ENCODED = [(k.encode(), v.encode()) for k, v in HEADERS.items()]


class SecurityHeadersMiddleware:
    """Adds :data:`HEADERS` to every HTTP response (a header a route sets itself is kept). Installed outside
    Starlette's error middleware, so 500 pages get them too."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers.extend((k, v) for k, v in _ENCODED if k not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def csrf_refusal(request: Request):
    """403 for a refused unsafe request: the Chinese page for browsers, the bilingual JSON error otherwise."""
    accept = request.headers.get("accept", "")
    if "application/json" in accept and "text/html" not in accept:
        return JSONResponse(csrf.CsrfRefused().body(), status_code=403)
    return error_page(request, 403, csrf.CsrfRefused().body(), {})


# ---- API docs from local files ------------------------------------------------------------------------

DOCS_ASSETS = "/docs-assets"


def _docs_assets_dir() -> Path:
    import fastapi_offline

    return Path(fastapi_offline.__file__).resolve().parent / "static"


def _docs_routes(app: FastAPI) -> None:
    title = escape(app.title)

    @app.get("/docs", include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        # Swagger UI's settings are read by /static/swagger-init.js from data- attributes (no inline script);
        # the CSRF token lets "Try it out" work for a browser logged in with the cookie.
        config = escape(json.dumps({"url": app.openapi_url, "csrfToken": csrf.request_token(request, COOKIE_NAME)}))
        return HTMLResponse(f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{title} - Swagger UI</title>
<link rel="stylesheet" href="{DOCS_ASSETS}/swagger-ui.css"><link rel="icon" href="{DOCS_ASSETS}/favicon.png">
</head><body><div id="swagger-ui" data-config="{config}"></div>
<script src="{DOCS_ASSETS}/swagger-ui-bundle.js"></script><script src="/static/swagger-init.js"></script>
</body></html>""")

    @app.get("/redoc", include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        config = escape(json.dumps({"url": app.openapi_url}))
        return HTMLResponse(f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{title} - ReDoc</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="{DOCS_ASSETS}/favicon.png">
</head><body><div id="redoc" data-config="{config}"></div>
<script src="{DOCS_ASSETS}/redoc.standalone.js"></script><script src="/static/redoc-init.js"></script>
</body></html>""", headers={"content-security-policy": REDOC_CSP})

    app.mount(DOCS_ASSETS, StaticFiles(directory=_docs_assets_dir()), name="docs-assets")


def install(app: FastAPI) -> None:
    """CSRF middleware, the local API docs (create the app with ``docs_url=None, redoc_url=None``), and the
    security headers as the outermost layer of the app."""
    app.add_middleware(once.SubmitOnce, session_cookie=COOKIE_NAME)  # inside CSRF: a refused form claims nothing
    app.add_middleware(csrf.CSRFMiddleware, session_cookie=COOKIE_NAME, refusal=csrf_refusal)
    _docs_routes(app)
    build = app.build_middleware_stack

    def build_with_headers() -> ASGIApp:  # outside ServerErrorMiddleware, which add_middleware cannot reach
        return SecurityHeadersMiddleware(build())

    app.build_middleware_stack = build_with_headers
