"""The FastAPI application: API under /api, Chinese web pages at /, OpenAPI at /docs.

Run with ``uvicorn --factory ipplatform.main:create_app``.
"""

from __future__ import annotations

import threading
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.engine import Engine

import ipplatform.models  # noqa: F401  (every table and mapper)
from ipplatform.audit.router import router as audit_router
from ipplatform.auth import throttle as login_throttle
from ipplatform.auth.router import router as auth_router
from ipplatform.common import middleware as request_middleware
from ipplatform.common import openapi as api_document
from ipplatform.common.errors import install_handlers
from ipplatform.database import default_engine, session_factory
from ipplatform.hooks import install_session_hooks
from ipplatform.demands.router import router as demands_router
from ipplatform.events.router import router as events_router
from ipplatform.imports.router import router as imports_router
from ipplatform.offers.router import router as offers_router
from ipplatform.organisations.router import router as organisations_router
from ipplatform.patents.router import router as patents_router
from ipplatform.config import get_settings
from ipplatform.search import text as textmod
from ipplatform.search.backends import make_backend
from ipplatform.search.backends.protocol import BackendUnavailable, SearchBackend
from ipplatform.search.documents import DocType
from ipplatform.search.embeddings import get_embedder
from ipplatform.search.indexer import Indexer
from ipplatform.search.router import router as search_router
from ipplatform.matching.matcher import Matcher
from ipplatform.matching.router import router as matching_router
from ipplatform.matching.glossary_router import router as glossary_router
from ipplatform.outcomes.router import router as outcomes_router
from ipplatform.credit.router import router as credit_router
from ipplatform.stats.router import router as stats_router
from ipplatform.matching.schedule import NightlyMatching, match_after_index
from ipplatform.search.service import SearchService
from web import routes as web_routes
from web import security as web_security
from web.errors import error_page


def _warm_up(backend: SearchBackend, embedder_provider) -> None:
    embedder = embedder_provider()
    textmod.tokens("预热")  # loads jieba's dictionary and the user dictionary
    for doc_type in DocType:  # the embedded backend loads its in-memory table here
        try:
            backend.ensure(doc_type, embedder.dims)
        except BackendUnavailable:
            pass  # the engine is down: the indexer and the first query retry


def create_app(engine: Engine | None = None, *, search_backend: SearchBackend | None = None,
               embedder_provider=None, start_indexer: bool | None = None) -> FastAPI:
    settings = get_settings()
    factory = session_factory(engine or default_engine())
    backend = search_backend or make_backend()
    embedder_provider = embedder_provider or get_embedder
    indexer = Indexer(factory, backend, embedder_provider)
    # audit → search outbox → statistics facts (see ipplatform.hooks); a commit that wrote outbox entries
    # wakes this app's indexer thread, which otherwise drains every 2 s.
    install_session_hooks(factory, on_outbox_commit=indexer.wake)
    run_indexer = settings.indexer_thread if start_indexer is None else start_indexer
    matcher = Matcher(backend, embedder_provider)
    indexer.after_commit.append(lambda doc_type, ids: match_after_index(factory, matcher, doc_type, ids))
    nightly = NightlyMatching(factory, matcher, hour=settings.nightly_match_hour)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        if run_indexer:
            indexer.start()
            nightly.start()
            # Load the embedding model, the index tables and jieba's dictionary now, not on the first
            # visitor's query (~6 s on 2 cores for the model).
            threading.Thread(target=_warm_up, args=(backend, embedder_provider), name="search-warmup",
                             daemon=True).start()
        try:
            yield
        finally:
            nightly.stop()
            indexer.stop()

    app = FastAPI(title="信阳知识产权运营平台 API", version="0.1.0", lifespan=lifespan,
                  docs_url=None, redoc_url=None,  # /docs is served by web.security from local files
                  description="Patent offers, technology demands, organisations and users; Chinese hybrid "
                  "search. Errors carry `message` (English) and `message_zh` (中文).")
    app.state.session_factory = factory
    app.state.search = SearchService(backend, embedder_provider, fusion_method=settings.search_fusion,
                                     alpha=settings.search_alpha)
    app.state.indexer = indexer
    app.state.matcher = matcher
    install_handlers(app, error_page=error_page)  # JSON for /api, the Chinese error page for browsers
    api_document.install(app)  # the OpenAPI document names the real error bodies and statuses
    login_throttle.install(app)  # fresh failed-login counters per app
    for router in (auth_router, organisations_router, patents_router, offers_router, demands_router, audit_router,
                   search_router, matching_router, outcomes_router, credit_router, stats_router, imports_router,
                   events_router, glossary_router):
        app.include_router(router, prefix="/api")
    web_routes.install(app)  # the pages, /static and the pages' login redirect
    web_security.install(app)  # CSRF, security headers on every response, /docs from local files

    @app.get("/healthz", include_in_schema=False)
    def healthz():
        return {"status": "ok"}

    request_middleware.install(app)  # outermost: body size limit, commit before the response starts
    return app


