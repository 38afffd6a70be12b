"""The FastAPI application: API under /api, Chinese web pages at /, OpenAPI at /docs.

Run with ``uvicorn --factory ipplatform.main:create_app``.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine

import ipplatform.models  # noqa: F401  (all tables + audit hook)
from ipplatform.audit.router import router as audit_router
from ipplatform.auth.router import router as auth_router
from ipplatform.common.errors import install_handlers
from ipplatform.database import default_engine, session_factory
from ipplatform.demands.router import router as demands_router
from ipplatform.offers.router import router as offers_router
from ipplatform.organisations.router import router as organisations_router
from ipplatform.patents.router import router as patents_router


def create_app(engine: Engine | None = None) -> FastAPI:
    from web.pages import STATIC_DIR
    from web.pages import router as pages_router

    app = FastAPI(title="信阳知识产权运营平台 API", version="0.1.0",
                  description="Patent offers, technology demands, organisations and users. "
                  "Errors carry `message` (English) and `message_zh` (中文).")
    app.state.session_factory = session_factory(engine or default_engine())
    install_handlers(app)
    for router in (auth_router, organisations_router, patents_router, offers_router, demands_router, audit_router):
        app.include_router(router, prefix="/api")
    app.include_router(pages_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/healthz", include_in_schema=False)
    def healthz():
        return {"status": "ok"}

    return app


