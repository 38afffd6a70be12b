"""The pages' Jinja2 environment: templates, the globals and filters every template may use, and ``render``."""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from markupsafe import Markup

from ipplatform import reference
from ipplatform.auth import policy
from ipplatform.auth.cookies import COOKIE_NAME
from ipplatform.common import csrf, once
from ipplatform.common.timefmt import beijing_minute
from ipplatform.common.enums import LISTING_TRANSITIONS, ListingStatus, TransactionMode
from ipplatform.common.lifecycle import ACTIONS as LISTING_ACTIONS
from ipplatform.offers.enums import Maturity
from web import navigation
from web.markup import highlighted

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
templates = Jinja2Templates(directory=HERE / "templates")


def wan(value) -> str:
    """Jinja filter: an amount in yuan as 万元 (``None``: 面议, negotiable)."""
    if value is None:
        return "面议"
    return f"{value / 10000:,.2f} 万元".replace(".00 ", " ")


local_minute = beijing_minute  # Jinja filter: a stored (UTC) timestamp in Beijing time to the minute


templates.env.globals.update(
    modes=TransactionMode, statuses=ListingStatus, maturities=Maturity, counties=reference.xinyang_counties,
    industry_name=lambda code: reference.industry_name(code, ""), region_name=lambda code: reference.region_name(code, ""),
    reads_everything=policy.reads_everything, listing_actions_to=LISTING_ACTIONS, listing_transitions=LISTING_TRANSITIONS,
    nav_items=navigation.items_for)
_csrf = csrf.template_globals(COOKIE_NAME)


@pass_context
def form_guard(ctx) -> Markup:
    """``{{ csrf_input() }}`` in every POST form: the CSRF token and the form's submission id (carried out once)."""
    return _csrf["csrf_input"](ctx) + once.hidden_input()


templates.env.globals.update(csrf_token=_csrf["csrf_token"], csrf_input=form_guard)
templates.env.filters["wan"] = wan
templates.env.filters["local_minute"] = local_minute
templates.env.filters["highlighted"] = highlighted  # search and match highlights: never |safe


def render(request: Request, name: str, user, status_code: int = 200, headers: dict[str, str] | None = None,
           **context) -> HTMLResponse:
    """The template ``name`` for ``user`` (None: anonymous) with ``context``."""
    return templates.TemplateResponse(request, name, {"user": user, **context}, status_code=status_code,
                                      headers=headers)
