"""Every page router, in one place for ``create_app``: ``install(app)`` adds the pages, the static files, the
top menu (each module's ``NAV``, see ``web.navigation``) and the login redirect of
:class:`web.dependencies.LoginRequired`."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from web import auth, deals, demands, events, glossary, home, imports, matching, navigation, offers, office, patents
from web import search, stats
from web import dependencies as page_dependencies
from web.templating import STATIC_DIR

MODULES = (home, auth, patents, offers, demands, matching, deals, search, stats, office, imports, events, glossary)

router = APIRouter(include_in_schema=False)
for _module in MODULES:
    router.include_router(_module.router)
    navigation.register(getattr(_module, "NAV", ()))


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    page_dependencies.install(app)
