"""Pages: the match inbox (匹配推送) and the demand side's feedback on a match."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from ipplatform.auth import policy
from ipplatform.common.errors import AppError
from ipplatform.common.validators import Id
from ipplatform.dependencies import DbSession
from ipplatform.matching import service as matching_service
from ipplatform.matching.schemas import FeedbackCreate
from web.demands import demand_page
from web.dependencies import PageUser
from web.forms import errors_by_field
from web.navigation import NavItem, may
from web.templating import render

router = APIRouter(include_in_schema=False)
NAV = [NavItem("匹配推送", "/matches", 35, may(policy.Action.MATCH_READ))]
FEEDBACK_FIELDS = ("prospect_rating", "improvement_needs", "intent")


@router.get("/matches", response_class=HTMLResponse)
def match_inbox(request: Request, db: DbSession, user: PageUser):
    items = [matching_service.read_model(m) for m in matching_service.inbox(db, user.org_id, only_new=False)]
    return render(request, "inbox.html", user, items=items)


@router.post("/matches/{match_id}/feedback")
async def match_feedback(request: Request, db: DbSession, user: PageUser, match_id: Id):
    """The feedback form under a match on the demand's page. Refused (not the demand side): the 403 error
    page; invalid: the demand's page again (422) with the messages at that match's form and what was entered."""
    match = matching_service.get(db, match_id)
    policy.require(user, policy.Action.MATCH_FEEDBACK, match.demand.organisation)
    form = await request.form()
    values = {k: form.get(k) or None for k in FEEDBACK_FIELDS}
    try:
        matching_service.add_feedback(db, match, FeedbackCreate.model_validate(values), user)
    except (ValidationError, AppError) as exc:
        db.rollback()
        status = exc.status_code if isinstance(exc, AppError) else 422
        return demand_page(request, db, user, match.demand, status,
                           feedback={"match_id": match.id, "values": values, "errors": errors_by_field(exc)})
    return RedirectResponse(f"/demands/{match.demand_id}#match-{match.id}", status_code=303)
