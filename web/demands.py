"""Pages: technology demands (list, publish form, detail with matches and the feedback forms, lifecycle
buttons)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ipplatform.auth import policy
from ipplatform.common.validators import Id
from ipplatform.demands import service as demands_service
from ipplatform.demands.dependencies import VisibleDemand, visible_demand
from ipplatform.demands.models import Demand
from ipplatform.demands.schemas import DemandCreate, DemandUpdate
from ipplatform.dependencies import DbSession, OptionalUser
from ipplatform.matching import service as matching_service
from ipplatform.outcomes import listing_access
from web import listings
from web.dependencies import PageUser
from web.forms import pick_industry, split_list, wan_to_yuan, yuan_to_wan
from web.navigation import NavItem, may
from web.templating import render

router = APIRouter(include_in_schema=False)
NAV = [NavItem("技术需求", "/demands", 11), NavItem("发布需求", "/demands/new", 21, may(policy.Action.LISTING_WRITE)), NavItem("我的需求", "/demands?mine=1", 31, may(policy.Action.LISTING_WRITE))]


@router.get("/demands", response_class=HTMLResponse)
def demand_list(request: Request, db: DbSession, user: OptionalUser, query: listings.ListQueryDep):
    return listings.list_page(request, db, user, query, demands_service.list_demands, "demands.html")


def _demand_form(request: Request, db, user, values: dict, errors: dict, status_code: int = 200,
                 demand: Demand | None = None) -> HTMLResponse:
    return render(request, "demand_form.html", user, status_code, values=values, errors=errors, demand=demand,
                  refused=None if demand else listings.refusal(db, user, "demands"))


def _demand_values(demand: Demand) -> dict:
    """A demand as its edit form shows it (amounts in 万元)."""
    return {
        "title": demand.title, "description": demand.description, "industry_code": demand.industry_code,
        "preferred_ipc": "、".join(demand.preferred_ipc or []), "budget_min": yuan_to_wan(demand.budget_min),
        "budget_max": yuan_to_wan(demand.budget_max), "modes": list(demand.modes or []),
        "region_code": demand.region_code, "deadline": demand.deadline.isoformat() if demand.deadline else "",
        "contact_name": demand.contact_name, "contact_phone": demand.contact_phone,
        "contact_email": demand.contact_email,
    }


@router.get("/demands/new", response_class=HTMLResponse)  # before /demands/{demand_id}
def demand_new(request: Request, db: DbSession, user: PageUser):
    return _demand_form(request, db, user, {}, {})


def _demand_input(form) -> dict:
    """The form's fields as ``DemandCreate`` input (amounts in 万元 become yuan)."""
    return {
        "title": form.get("title", ""), "description": form.get("description", ""),
        "industry_code": pick_industry(form), "preferred_ipc": split_list(form.get("preferred_ipc")),
        "budget_min": wan_to_yuan(form.get("budget_min")), "budget_max": wan_to_yuan(form.get("budget_max")),
        "modes": form.getlist("modes"), "region_code": form.get("region_code") or None,
        "deadline": form.get("deadline") or None, "contact_name": form.get("contact_name") or None,
        "contact_phone": form.get("contact_phone") or None, "contact_email": form.get("contact_email") or None,
        "publish": form.get("action") == "publish",
    }


def _demand_update_input(form, demand: Demand) -> dict:
    """The edit form's fields as ``DemandUpdate`` input: every field, so a cleared one is cleared; an unchanged
    deadline is left alone (one already past must not block editing the rest)."""
    data = _demand_input(form)
    del data["publish"]
    if data["deadline"] == (demand.deadline.isoformat() if demand.deadline else None):
        del data["deadline"]
    return data


@router.post("/demands/new", response_class=HTMLResponse)
async def demand_create(request: Request, db: DbSession, user: PageUser):
    return await listings.create_listing(
        request, db, user, "demands", DemandCreate, _demand_input, kept=("modes",),
        create=lambda payload, org: demands_service.create(db, payload, org_id=org.id, user_id=user.id),
        form_page=_demand_form)


def demand_page(request: Request, db, user, demand: Demand, status_code: int = 200,
                feedback: dict | None = None) -> HTMLResponse:
    """The demand's page; ``feedback`` (match_id, values, errors) shows a refused feedback form again."""
    matches = matching_service.for_demand(db, demand.id) if policy.sees_matches(user, (demand.organisation,)) else []
    return render(request, "demand_detail.html", user, status_code, demand=demand, matches=matches,
                  can_edit=policy.can_edit_listing(user, demand),
                  can_feedback=policy.allowed(user, policy.Action.MATCH_FEEDBACK, demand.organisation),
                  live_ids={m.id for m in matches if matching_service.closed_notice(m) is None},
                  feedback=feedback)


@router.get("/demands/{demand_id}", response_class=HTMLResponse)
def demand_detail(request: Request, db: DbSession, user: OptionalUser, demand_id: Id):
    demand = listing_access.readable(db, user, demands_service.get(db, demand_id), "demand", "需求信息")
    return demand_page(request, db, user, demand)


@router.get("/demands/{demand_id}/edit", response_class=HTMLResponse)
def demand_edit(request: Request, db: DbSession, user: PageUser, demand: VisibleDemand):
    listings.require_editable(user, demand)
    return _demand_form(request, db, user, _demand_values(demand), {}, demand=demand)


@router.post("/demands/{demand_id}/edit", response_class=HTMLResponse)  # before /demands/{listing_id}/{action}
async def demand_update(request: Request, db: DbSession, user: PageUser, demand: VisibleDemand):
    return await listings.edit_listing(
        request, db, user, "demands", demand, DemandUpdate, lambda form: _demand_update_input(form, demand), kept=("modes",),
        update=lambda payload: demands_service.update(db, demand, payload),
        form_page=lambda request, db, user, listing, values, errors, status: _demand_form(
            request, db, user, values, errors, status, demand=listing))


@router.get("/demands/{demand_id}/close", response_class=HTMLResponse)
def demand_close(request: Request, user: PageUser, demand: VisibleDemand):
    return listings.close_page(request, user, "demands", demand)


@router.post("/demands/{listing_id}/{action}")
def demand_action(db: DbSession, user: PageUser, listing_id: Id, action: listings.ListingAction):
    return listings.change_status(db, user, "demands", visible_demand(listing_id, db, user), action)
