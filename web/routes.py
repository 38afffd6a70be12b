"""Every page router, in one place for ``create_app``: ``install(app)`` adds the pages, the static files and
the login redirect of :class:`web.dependencies.LoginRequired`."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from web import auth, demands, home, matching, offers, search, stats
from web import dependencies as page_dependencies
from web.templating import STATIC_DIR

router = APIRouter(include_in_schema=False)
for _module in (home, auth, offers, demands, matching, search, stats):
    router.include_router(_module.router)


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    page_dependencies.install(app)
