"""Pages: matchmaking events. The organiser's side: event list, setup form, registrations (approval,
check-in), pairs with explanations (pre-match, add/force/remove, reminders, schedule), the slot × table
board, outcome entry (phone-sized) and the report. The participant's side is in ``web.events_participant``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from ipplatform.auth import policy
from ipplatform.common.errors import AppError, FieldError
from ipplatform.common.timefmt import beijing_today
from ipplatform.common.validators import Id
from ipplatform.dependencies import DbSession
from ipplatform.events import flows, meetings, pairs, report, service
from ipplatform.events.enums import STATUS_FLOW, EventStatus, Outcome, PairStatus, RegistrationStatus
from ipplatform.events.schemas import MAX_SESSIONS, EventCreate, EventFields, OutcomeRecord
from web import events_participant
from web.dependencies import PageUser
from web.forms import EVENT_LABELS, errors_by_field, split_list, wan_to_yuan
from web.navigation import NavItem
from web.templating import render, templates

router = APIRouter(include_in_schema=False)
router.include_router(events_participant.router)


def _sees_events(user) -> bool:
    return policy.may_ever(user, policy.Action.EVENT_MANAGE) or policy.may_ever(user, policy.Action.EVENT_REGISTER)


NAV = [NavItem("对接活动", "/events", 36, _sees_events, testid="nav-events")]
# session rows on the setup form: as many as an event may have (fewer: an edit would drop the rest)
templates.env.globals["event_session_rows"] = MAX_SESSIONS


def managed(db, user, event_id: int):
    event = service.get(db, event_id)
    policy.require(user, policy.Action.EVENT_MANAGE, event.org_id)
    return event


def _ctx(db, user, event) -> dict:
    """What every page of one event shows: the event, its slots, and whether the user manages it."""
    return {"event": event, "slots": service.slots(event), "labels": service.slot_labels(event),
            "manages": policy.allowed(user, policy.Action.EVENT_MANAGE, event.org_id),
            "mine": service.registration_of(db, event.id, user.org_id) if user else None,
            "may_register": policy.may_ever(user, policy.Action.EVENT_REGISTER)}


@router.get("/events", response_class=HTMLResponse)
def event_list(request: Request, db: DbSession, user: PageUser):
    return render(request, "events.html", user, events=service.listing(db, user),
                  may_create=policy.may_ever(user, policy.Action.EVENT_MANAGE))


# ---- setup ---------------------------------------------------------------------------------------

def _setup_values(form) -> dict:
    values = {k: (form.get(k) or "").strip() for k in (
        "title", "theme", "industries", "ipc", "venue", "day", "slot_minutes", "tables", "registration_deadline",
        "booking_opens", "booking_closes", "max_meetings", "max_requests")}
    values["requires_approval"] = bool(form.get("requires_approval"))
    for i in range(1, MAX_SESSIONS + 1):
        values[f"session{i}_start"] = (form.get(f"session{i}_start") or "").strip()
        values[f"session{i}_slots"] = (form.get(f"session{i}_slots") or "").strip()
    return values


def _setup_data(values: dict) -> dict:
    data = {k: v for k, v in values.items() if v not in ("", None) and not k.startswith("session")}
    data["industries"] = split_list(values["industries"])
    data["ipc"] = split_list(values["ipc"])
    data["sessions"] = [{"start": values[f"session{i}_start"], "slots": values[f"session{i}_slots"] or "0"}
                        for i in range(1, MAX_SESSIONS + 1) if values[f"session{i}_start"]]
    return data


def _event_values(event) -> dict:
    values = {k: getattr(event, k) for k in ("title", "theme", "venue", "day", "slot_minutes", "tables",
                                             "registration_deadline", "booking_opens", "booking_closes",
                                             "max_meetings", "max_requests", "requires_approval")}
    values = {k: ("" if v is None else v) for k, v in values.items()}
    values["industries"], values["ipc"] = "，".join(event.industries or []), "，".join(event.ipc or [])
    for i, s in enumerate(event.sessions, start=1):
        values[f"session{i}_start"], values[f"session{i}_slots"] = s["start"], s["slots"]
    return values


@router.get("/events/new", response_class=HTMLResponse)
def new_event_form(request: Request, user: PageUser):
    policy.require(user, policy.Action.EVENT_MANAGE, user.org_id)
    values = {"slot_minutes": 20, "tables": 20, "max_meetings": 6, "max_requests": 10, "session1_start": "09:00",
              "session1_slots": 6, "session2_start": "14:00", "session2_slots": 6}
    return render(request, "event_form.html", user, event=None, values=values, errors={})


@router.post("/events/new")
async def create_event(request: Request, db: DbSession, user: PageUser):
    policy.require(user, policy.Action.EVENT_MANAGE, user.org_id)
    values = _setup_values(await request.form())
    try:
        event = service.create(db, EventCreate.model_validate(_setup_data(values)), user.org_id, user.id)
    except (ValidationError, AppError) as exc:
        db.rollback()
        return render(request, "event_form.html", user, event=None, values=values, errors=errors_by_field(exc, EVENT_LABELS),
                      status_code=422)
    return RedirectResponse(f"/events/{event.id}", status_code=303)


@router.get("/events/{event_id}", response_class=HTMLResponse)
def event_detail(request: Request, db: DbSession, user: PageUser, event_id: Id):
    event = service.readable(db, user, event_id)
    return render(request, "event_detail.html", user, **_ctx(db, user, event), flow=STATUS_FLOW,
                  next_status=_next(event), prev_status=_prev(event))


def _next(event):
    i = STATUS_FLOW.index(event.status)
    return STATUS_FLOW[i + 1] if i + 1 < len(STATUS_FLOW) else None


def _prev(event):
    if event.status in (EventStatus.BOOKING, EventStatus.SCHEDULED):
        return STATUS_FLOW[STATUS_FLOW.index(event.status) - 1]
    return None


@router.get("/events/{event_id}/edit", response_class=HTMLResponse)
def edit_event_form(request: Request, db: DbSession, user: PageUser, event_id: Id):
    event = managed(db, user, event_id)
    return render(request, "event_form.html", user, event=event, values=_event_values(event), errors={})


@router.post("/events/{event_id}/edit")
async def edit_event(request: Request, db: DbSession, user: PageUser, event_id: Id):
    event = managed(db, user, event_id)
    values = _setup_values(await request.form())
    try:
        service.update(db, event, EventFields.model_validate(_setup_data(values)))
    except (ValidationError, AppError) as exc:
        db.rollback()
        status = exc.status_code if isinstance(exc, AppError) else 422
        return render(request, "event_form.html", user, event=service.get(db, event_id), values=values,
                      errors=errors_by_field(exc, EVENT_LABELS), status_code=status)
    return RedirectResponse(f"/events/{event.id}", status_code=303)


def _refused(request, db, user, event_id: int, exc: AppError, page: str):
    """An action refused by the rules of the event (409/422): back to ``page`` with the reason. The notice is
    the platform's own message, never a query parameter (a link could otherwise put any text on the page)."""
    db.rollback()
    handler = {"registrations": _registrations, "pairs": _pair_page, "board": _board}.get(page)
    resp = handler(request, db, user, event_id, notice=exc.message_zh) if handler else None
    if resp is None:
        event = service.readable(db, user, event_id)
        resp = render(request, "event_detail.html", user, **_ctx(db, user, event), flow=STATUS_FLOW,
                      next_status=_next(event), prev_status=_prev(event), notice=exc.message_zh)
    resp.status_code = exc.status_code
    return resp


@router.post("/events/{event_id}/status")
async def change_status(request: Request, db: DbSession, user: PageUser, event_id: Id):
    event = managed(db, user, event_id)
    form = await request.form()
    try:
        service.change_status(db, event, EventStatus(form.get("status") or ""))
    except ValueError:
        return _refused(request, db, user, event_id, AppError("unknown status", "未知的活动状态"), "detail")
    except AppError as exc:
        return _refused(request, db, user, event_id, exc, "detail")
    return RedirectResponse(f"/events/{event_id}", status_code=303)


# ---- registrations and check-in --------------------------------------------------------------------

@router.get("/events/{event_id}/registrations", response_class=HTMLResponse)
def registrations(request: Request, db: DbSession, user: PageUser, event_id: Id):
    return _registrations(request, db, user, event_id)


def _registrations(request, db, user, event_id: int, notice: str | None = None):
    event = managed(db, user, event_id)
    people = service.participant_reads(db, user, event, service.participants(db, event.id))
    return render(request, "event_registrations.html", user, **_ctx(db, user, event), people=people,
                  decisions=RegistrationStatus, notice=notice)


@router.post("/events/{event_id}/participants/{participant_id}/decision")
async def decide(request: Request, db: DbSession, user: PageUser, event_id: Id, participant_id: Id):
    event = managed(db, user, event_id)
    form = await request.form()
    try:
        status = RegistrationStatus(form.get("status") or "")
        service.decide(db, service.participant(db, event, participant_id), status)
    except ValueError:
        return _refused(request, db, user, event_id, AppError("unknown decision", "未知的审核结果"), "registrations")
    return RedirectResponse(f"/events/{event_id}/registrations#p-{participant_id}", status_code=303)


@router.post("/events/{event_id}/participants/{participant_id}/check-in")
async def check_in(request: Request, db: DbSession, user: PageUser, event_id: Id, participant_id: Id):
    event = managed(db, user, event_id)
    form = await request.form()
    try:
        service.check_in(db, event, service.participant(db, event, participant_id), bool(form.get("undo")))
    except AppError as exc:
        return _refused(request, db, user, event_id, exc, "registrations")
    return RedirectResponse(f"/events/{event_id}/registrations#p-{participant_id}", status_code=303)


# ---- pairs, reminders, schedule --------------------------------------------------------------------

@router.get("/events/{event_id}/pairs", response_class=HTMLResponse)
def pair_page(request: Request, db: DbSession, user: PageUser, event_id: Id):
    return _pair_page(request, db, user, event_id)


def _pair_page(request, db, user, event_id: int, notice: str | None = None):
    event = managed(db, user, event_id)
    people = service.participant_reads(db, user, event, service.participants(db, event.id, approved_only=True))
    items = [pairs.read_model(db, p) for p in pairs.pairs(db, event.id)]
    return render(request, "event_pairs.html", user, **_ctx(db, user, event), pairs=items, people=people,
                  unbooked=pairs.unbooked(db, event), notice=notice, statuses=PairStatus,
                  flagged={p.id for p in people if p.credit_warning})


async def _do(request, db, user, event_id: int, page: str, action, anchor: str = "") -> object:
    event = managed(db, user, event_id)
    form = await request.form()
    try:
        message = action(event, form)
    except (ValueError, ValidationError):
        return _refused(request, db, user, event_id, AppError("invalid input", "提交的内容无效"), page)
    except AppError as exc:
        return _refused(request, db, user, event_id, exc, page)
    if message:
        return _refused(request, db, user, event_id, _Info(message), page)
    return RedirectResponse(f"/events/{event_id}/{page}{anchor}", status_code=303)


class _Info(AppError):
    """Not an error: a result to show on the page (e.g. how many reminders went out)."""

    status_code = 200

    def __init__(self, message_zh: str):
        super().__init__(message_zh, message_zh)


@router.post("/events/{event_id}/prematch")
async def prematch(request: Request, db: DbSession, user: PageUser, event_id: Id):
    return await _do(request, db, user, event_id, "pairs", lambda e, f: (
        f"已根据语义匹配生成 {len(flows.prematch(db, request.app.state.matcher, e))} 个推荐配对"))


@router.post("/events/{event_id}/pairs")
async def add_pair(request: Request, db: DbSession, user: PageUser, event_id: Id):
    def action(event, form):
        if not form.get("a_id") or not form.get("b_id"):  # a side without approved participants sends nothing
            raise FieldError("choose a supply and a demand participant", "请选择供给方和需求方（双方均需是已批准的参会方）",
                             field="a_id" if not form.get("a_id") else "b_id")
        a = service.participant(db, event, int(form.get("a_id")))
        b = service.participant(db, event, int(form.get("b_id")))
        pairs.add(db, event, a, b, bool(form.get("forced")))
    return await _do(request, db, user, event_id, "pairs", action)


@router.post("/events/{event_id}/pairs/{pair_id}/status")
async def pair_status(request: Request, db: DbSession, user: PageUser, event_id: Id, pair_id: Id):
    return await _do(request, db, user, event_id, "pairs", lambda e, f: pairs.set_status(
        db, e, pairs.get(db, e, pair_id), PairStatus(f.get("status") or "")) and None, f"#pair-{pair_id}")


@router.post("/events/{event_id}/reminders")
async def remind(request: Request, db: DbSession, user: PageUser, event_id: Id):
    def action(event, form):
        people, reached = flows.remind_unbooked(db, event)
        return f"{len(people)} 家尚无确认洽谈，已向其中 {len(reached)} 家发送提醒邮件（未配置邮件服务或缺少邮箱的未发送）"
    return await _do(request, db, user, event_id, "pairs", action)


@router.post("/events/{event_id}/schedule")
async def make_schedule(request: Request, db: DbSession, user: PageUser, event_id: Id):
    def action(event, form):
        result, items = flows.make_schedule(db, event, time_limit=10.0, keep_notified=True)
        if result.unmet:
            return f"已排出 {len(items)} 场洽谈；{result.explanation_zh}"
        return None
    return await _do(request, db, user, event_id, "board", action)


# ---- the board and outcomes -----------------------------------------------------------------------

@router.get("/events/{event_id}/board", response_class=HTMLResponse)
def board(request: Request, db: DbSession, user: PageUser, event_id: Id):
    return _board(request, db, user, event_id)


def _board(request, db, user, event_id: int, notice: str | None = None):
    event = managed(db, user, event_id)
    items = meetings.meetings(db, event.id)
    return render(request, "event_board.html", user, **_ctx(db, user, event), rows=meetings.board(db, event),
                  meetings=meetings.read_models(db, event, items), notice=notice)


@router.get("/events/{event_id}/meetings/{meeting_id}", response_class=HTMLResponse)
def meeting_form(request: Request, db: DbSession, user: PageUser, event_id: Id, meeting_id: Id):
    event = managed(db, user, event_id)
    m = meetings.get(db, event, meeting_id)
    values = {"outcome": m.outcome.value, "amount": "" if m.amount is None else str(m.amount / 10000),
              "note": m.note or ""}
    return _meeting_page(request, db, user, event, m, values, {})


def _meeting_page(request, db, user, event, m, values, errors, status_code: int = 200):
    return render(request, "event_meeting.html", user, **_ctx(db, user, event), meeting=m,
                  read=meetings.read_models(db, event, [m])[0], outcomes=[o for o in Outcome if o != Outcome.PENDING],
                  values=values, errors=errors, not_yet=event.day > beijing_today(), status_code=status_code)


@router.post("/events/{event_id}/meetings/{meeting_id}")
async def record_outcome(request: Request, db: DbSession, user: PageUser, event_id: Id, meeting_id: Id):
    event = managed(db, user, event_id)
    m = meetings.get(db, event, meeting_id)
    form = await request.form()
    values = {"outcome": form.get("outcome") or "", "amount": form.get("amount") or "", "note": form.get("note") or ""}
    data = {"outcome": values["outcome"] or None, "amount": wan_to_yuan(values["amount"]), "note": values["note"] or None}
    try:
        flows.record_outcome(db, event, m, OutcomeRecord.model_validate(data), user.id)
    except (ValidationError, AppError) as exc:
        db.rollback()
        status = exc.status_code if isinstance(exc, AppError) else 422
        event = service.get(db, event_id)
        return _meeting_page(request, db, user, event, meetings.get(db, event, meeting_id), values,
                             errors_by_field(exc, EVENT_LABELS), status)
    return RedirectResponse(f"/events/{event_id}/board#m-{meeting_id}", status_code=303)


@router.get("/events/{event_id}/report", response_class=HTMLResponse)
def report_page(request: Request, db: DbSession, user: PageUser, event_id: Id):
    event = managed(db, user, event_id)
    return render(request, "event_report.html", user, **_ctx(db, user, event), data=report.build(db, event))
