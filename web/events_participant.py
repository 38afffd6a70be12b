"""Pages: a participant's side of a matchmaking event: registration (side, offers or demands, attendees,
availability), proposals and requests with quotas, answering invitations, and the printable schedule.
A member acts for its own organisation (an agency also for the organisations it is custodian for: ``org_id``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlalchemy import select

from ipplatform.auth import policy
from ipplatform.common.enums import ListingStatus
from ipplatform.common.errors import AppError, FieldError, NotFound
from ipplatform.common.validators import MAX_ID, Id
from ipplatform.demands.models import Demand
from ipplatform.dependencies import DbSession
from ipplatform.events import meetings, pairs, service
from ipplatform.events.enums import EventStatus, Side
from ipplatform.events.schemas import MeetingRequest, RegistrationCreate
from ipplatform.offers.models import Offer
from ipplatform.organisations.models import Organisation
from web.dependencies import PageUser
from web.forms import EVENT_LABELS, errors_by_field
from web.templating import render

router = APIRouter(include_in_schema=False)
ATTENDEE_ROWS = 3


def acting_org(db, user, org_id) -> Organisation:
    """The organisation the user registers for: their own, or (an agency) one it is custodian of."""
    if not org_id:
        wanted = user.org_id
    elif org_id.isascii() and org_id.isdigit() and 1 <= int(org_id) <= MAX_ID:
        wanted = int(org_id)
    else:
        raise FieldError("org_id must be the number of an organisation", "机构编号无效，应为机构的数字编号",
                         field="org_id")
    org = db.get(Organisation, wanted)
    if org is None:
        raise NotFound("organisation", "机构", wanted)
    policy.require(user, policy.Action.EVENT_REGISTER, org)
    return org


def _listings(db, org_id: int) -> tuple[list, list]:
    offers = list(db.scalars(select(Offer).where(Offer.owner_org_id == org_id, Offer.status == ListingStatus.PUBLISHED)
                             .order_by(Offer.id)).unique())
    demands = list(db.scalars(select(Demand).where(Demand.org_id == org_id, Demand.status == ListingStatus.PUBLISHED)
                              .order_by(Demand.id)).unique())
    return offers, demands


def _form_page(request, db, user, event, org, values, errors, status_code=200):
    offers, demands = _listings(db, org.id)
    return render(request, "event_register.html", user, event=event, org=org, slots=service.slots(event),
                  offers=offers, demands=demands, values=values, errors=errors, sides=Side, rows=ATTENDEE_ROWS,
                  status_code=status_code)


@router.get("/events/{event_id}/register", response_class=HTMLResponse)
def register_form(request: Request, db: DbSession, user: PageUser, event_id: Id, org_id: str | None = None):
    event = service.readable(db, user, event_id)
    org = acting_org(db, user, org_id)
    p = service.registration_of(db, event.id, org.id)
    values = {"side": "demand", "offer_ids": [], "demand_ids": [], "available": [s.id for s in service.slots(event)],
              "attendees": [], "max_meetings": "", "note": ""}
    if p is not None:
        values = {"side": p.side.value, "offer_ids": p.offer_ids or [], "demand_ids": p.demand_ids or [],
                  "available": p.available if p.available is not None else [s.id for s in service.slots(event)],
                  "attendees": p.attendees or [], "max_meetings": p.max_meetings or "", "note": p.note or ""}
    return _form_page(request, db, user, event, org, values, {})


@router.post("/events/{event_id}/register")
async def register(request: Request, db: DbSession, user: PageUser, event_id: Id):
    event = service.readable(db, user, event_id)
    form = await request.form()
    org = acting_org(db, user, form.get("org_id"))
    all_slots = [s.id for s in service.slots(event)]
    attendees = [{"name": (form.get(f"attendee{i}_name") or "").strip(),
                  "position": (form.get(f"attendee{i}_position") or "").strip() or None}
                 for i in range(1, ATTENDEE_ROWS + 1)]
    attendees = [a for a in attendees if a["name"]]
    values = {"side": form.get("side") or "", "offer_ids": [int(v) for v in form.getlist("offer_ids") if v.isdigit()],
              "demand_ids": [int(v) for v in form.getlist("demand_ids") if v.isdigit()],
              "available": form.getlist("available"), "attendees": attendees,
              "max_meetings": form.get("max_meetings") or "", "note": form.get("note") or ""}
    side = values["side"]
    data = {"side": side or None, "offer_ids": values["offer_ids"] if side in ("supply", "both") else [],
            "demand_ids": values["demand_ids"] if side in ("demand", "both") else [], "attendees": attendees,
            "available": None if set(values["available"]) >= set(all_slots) else values["available"],
            "max_meetings": values["max_meetings"] or None, "note": values["note"] or None}
    try:
        service.register(db, event, RegistrationCreate.model_validate(data), org.id, user.id,
                         service.registration_of(db, event.id, org.id))
    except (ValidationError, AppError) as exc:
        db.rollback()
        status = exc.status_code if isinstance(exc, AppError) else 422
        return _form_page(request, db, user, service.get(db, event_id), org, values, errors_by_field(exc, EVENT_LABELS), status)
    return RedirectResponse(f"/events/{event_id}/me" + (f"?org_id={org.id}" if org.id != user.org_id else ""),
                            status_code=303)


def _mine(db, user, event, org_id):
    org = acting_org(db, user, org_id)
    p = service.registration_of(db, event.id, org.id)
    if p is None:
        raise NotFound("registration", "报名记录", org.id)
    return org, p


def _me_context(db, user, event, org, p) -> dict:
    items = [pairs.read_model(db, x) for x in pairs.pairs(db, event.id, p.id)]
    others = service.participant_reads(db, user, event, [x for x in service.participants(db, event.id, approved_only=True)
                                                        if x.id != p.id and x.org_id != org.id])
    paired = {x.a_id if x.b_id == p.id else x.b_id for x in items}
    flagged = {o.id for o in others if o.credit_warning}
    return {"event": event, "org": org, "me": service.participant_reads(db, user, event, [p])[0],
            "quotas": pairs.quotas(db, event, p), "pairs": items, "others": [o for o in others if o.id not in paired],
            "meetings": meetings.read_models(db, event, meetings.meetings(db, event.id, p.id)),
            "booking": event.status == EventStatus.BOOKING, "org_param": org.id if org.id != user.org_id else None,
            "flagged": flagged}


@router.get("/events/{event_id}/me", response_class=HTMLResponse)
def my_event(request: Request, db: DbSession, user: PageUser, event_id: Id, org_id: str | None = None):
    return _me_page(request, db, user, event_id, org_id)


def _me_page(request, db, user, event_id: int, org_id, notice: str | None = None, status_code: int = 200):
    event = service.readable(db, user, event_id)
    org, p = _mine(db, user, event, org_id)
    return render(request, "event_me.html", user, **_me_context(db, user, event, org, p), notice=notice,
                  status_code=status_code)


@router.get("/events/{event_id}/me/print", response_class=HTMLResponse)
def my_schedule_print(request: Request, db: DbSession, user: PageUser, event_id: Id, org_id: str | None = None):
    event = service.readable(db, user, event_id)
    org, p = _mine(db, user, event, org_id)
    return render(request, "event_print.html", user, **_me_context(db, user, event, org, p))


async def _act(request, db, user, event_id, action):
    event = service.readable(db, user, event_id)
    form = await request.form()
    org, p = _mine(db, user, event, form.get("org_id"))
    try:
        action(event, p, form)
    except ValueError:
        db.rollback()
        return _me_page(request, db, user, event_id, str(org.id), notice="提交的内容无效（留言不能含控制字符，最多 500 字）",
                        status_code=422)
    except AppError as exc:
        db.rollback()
        return _me_page(request, db, user, event_id, str(org.id), notice=exc.message_zh, status_code=exc.status_code)
    return RedirectResponse(f"/events/{event_id}/me" + (f"?org_id={org.id}" if org.id != user.org_id else ""),
                            status_code=303)


@router.post("/events/{event_id}/requests")
async def request_meeting(request: Request, db: DbSession, user: PageUser, event_id: Id):
    def action(event, me, form):
        data = MeetingRequest.model_validate({"to_participant_id": form.get("to_participant_id") or None,
                                              "message": (form.get("message") or "").strip() or None})
        pairs.request(db, event, me, service.participant(db, event, data.to_participant_id), data.message)
    return await _act(request, db, user, event_id, action)


@router.post("/events/{event_id}/pairs/{pair_id}/answer")
async def answer(request: Request, db: DbSession, user: PageUser, event_id: Id, pair_id: Id):
    def action(event, me, form):
        pairs.answer(db, event, me, pairs.get(db, event, pair_id), form.get("accept") == "1")
    return await _act(request, db, user, event_id, action)
