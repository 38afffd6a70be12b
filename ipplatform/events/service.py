"""Events: setup, status, registrations, check-in. Pre-matching and booking are in ``events.pairs``, the
schedule in ``events.scheduling``, outcomes in ``events.meetings``, work spanning domains in ``events.flows``."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ipplatform.auth import policy
from ipplatform.common.errors import Conflict, FieldError, NotFound, get_or_404
from ipplatform.common.patch import assign
from ipplatform.credit.rules import flagged_org_ids
from ipplatform.database import utcnow
from ipplatform.demands.models import Demand
from ipplatform.events.enums import STATUS_FLOW, EventStatus, RegistrationStatus, Side
from ipplatform.events.models import Event, Participant
from ipplatform.events.schemas import EventCreate, EventFields, EventRead, ParticipantRead, RegistrationCreate, SlotRead
from ipplatform.offers.models import Offer
from ipplatform.organisations.models import Organisation
from ipplatform.common.timefmt import beijing_today

EDITABLE = (EventStatus.DRAFT, EventStatus.REGISTRATION, EventStatus.BOOKING)
REGISTERING = (EventStatus.REGISTRATION, EventStatus.BOOKING)


def get(db: Session, event_id: int) -> Event:
    return get_or_404(db, Event, event_id, "event", "对接活动")


def visible(user, event: Event) -> bool:
    """Drafts are the organiser's (and staff's); every other event is open to signed-in users."""
    return event.status != EventStatus.DRAFT or policy.allowed(user, policy.Action.EVENT_MANAGE, event.org_id)


def readable(db: Session, user, event_id: int) -> Event:
    event = get(db, event_id)
    if not visible(user, event):
        raise NotFound("event", "对接活动", event_id)
    return event


def listing(db: Session, user) -> list[Event]:
    events = db.scalars(select(Event).order_by(Event.day.desc(), Event.id.desc())).unique()
    return [e for e in events if visible(user, e)]


def slots(event: Event) -> list[SlotRead]:
    """The meeting slots of the event: each session's consecutive slots of ``slot_minutes``."""
    out = []
    for n, session in enumerate(sorted(event.sessions, key=lambda s: s["start"]), start=1):
        start = datetime.strptime(session["start"], "%H:%M")
        for _ in range(int(session["slots"])):
            end = start + timedelta(minutes=event.slot_minutes)
            out.append(SlotRead(id=f"s{len(out) + 1}", start=start.strftime("%H:%M"), end=end.strftime("%H:%M"),
                                session=n))
            start = end
    return out


def slot_labels(event: Event) -> dict[str, str]:
    return {s.id: f"{s.start}–{s.end}" for s in slots(event)}


def read_model(event: Event) -> EventRead:
    return EventRead(id=event.id, org_id=event.org_id, organiser=event.organiser.name, title=event.title,
                     theme=event.theme, industries=event.industries or [], ipc=event.ipc or [], venue=event.venue,
                     day=event.day, slot_minutes=event.slot_minutes, sessions=event.sessions, slots=slots(event),
                     tables=event.tables, registration_deadline=event.registration_deadline,
                     booking_opens=event.booking_opens, booking_closes=event.booking_closes,
                     max_meetings=event.max_meetings, max_requests=event.max_requests,
                     requires_approval=event.requires_approval, status=event.status, status_zh=event.status.zh)


def create(db: Session, data: EventCreate, org_id: int, user_id: int | None) -> Event:
    if db.get(Organisation, org_id) is None:
        raise FieldError(f"organisation {org_id} does not exist", f"机构 {org_id} 不存在", field="org_id")
    fields = data.model_dump(exclude={"org_id"})
    event = Event(**fields, org_id=org_id, created_by_id=user_id, status=EventStatus.DRAFT)
    db.add(event)
    db.flush()
    return event


def update(db: Session, event: Event, data: EventFields) -> Event:
    if event.status not in EDITABLE:
        raise Conflict("a scheduled event's setup cannot change", "活动已排程，不能再修改设置", code="not_editable")
    if event.status != EventStatus.DRAFT and len(slots_from(data)) < len(slots(event)):
        raise Conflict("slots cannot be removed once registration is open", "报名开始后不能减少洽谈时段",
                       field="sessions")
    assign(event, data.model_dump())
    db.flush()
    return event


def patched(event: Event, changes: dict) -> EventFields:
    """The event's setup with ``changes`` applied, validated whole (a PATCH that moves only the day still
    has to keep the booking window before it)."""
    current = {name: getattr(event, name) for name in EventFields.model_fields}
    return EventFields.model_validate({**current, **changes})


def slots_from(data: EventFields) -> list:
    return [1 for s in data.sessions for _ in range(s.slots)]


def change_status(db: Session, event: Event, target: EventStatus) -> Event:
    """Forward one step at a time (draft → registration → booking → scheduled → running → closed); an event
    may go back from booking or scheduled to the step before (to take late registrations, or re-plan)."""
    current = STATUS_FLOW.index(event.status)
    goal = STATUS_FLOW.index(target)
    back_ok = goal == current - 1 and event.status in (EventStatus.BOOKING, EventStatus.SCHEDULED)
    if goal != current + 1 and not back_ok:
        raise Conflict(f"cannot move an event from {event.status.value} to {target.value}",
                       f"活动状态不能从“{event.status.zh}”变为“{target.zh}”", code="invalid_transition")
    event.status = target
    db.flush()
    return event


# ---- registrations ---------------------------------------------------------------------------------

def participants(db: Session, event_id: int, *, approved_only: bool = False) -> list[Participant]:
    stmt = select(Participant).where(Participant.event_id == event_id)
    if approved_only:
        stmt = stmt.where(Participant.status == RegistrationStatus.APPROVED)
    return list(db.scalars(stmt.order_by(Participant.id)).unique())


def participant(db: Session, event: Event, participant_id: int) -> Participant:
    p = db.get(Participant, participant_id)
    if p is None or p.event_id != event.id:
        raise NotFound("participant", "参会方", participant_id)
    return p


def registration_of(db: Session, event_id: int, org_id: int | None) -> Participant | None:
    if org_id is None:
        return None
    return db.scalar(select(Participant).where(Participant.event_id == event_id, Participant.org_id == org_id))


def _check_listings(db: Session, data: RegistrationCreate, org_id: int) -> None:
    for ids, model, field, zh in ((data.offer_ids, Offer, "offer_ids", "专利供给"),
                                  (data.demand_ids, Demand, "demand_ids", "技术需求")):
        for item_id in ids:
            item = db.get(model, item_id)
            orgs = (item.owner_org_id, item.publisher_org_id) if model is Offer and item else (
                (item.org_id,) if item else ())
            if item is None or org_id not in orgs:
                raise FieldError(f"{model.__name__.lower()} {item_id} is not the organisation's",
                                 f"{zh} {item_id} 不是本机构发布的", field=field)
    if data.side == Side.SUPPLY and data.demand_ids:
        raise FieldError("the supply side brings offers, not demands", "供给方只选择专利供给", field="demand_ids")
    if data.side == Side.DEMAND and data.offer_ids:
        raise FieldError("the demand side brings demands, not offers", "需求方只选择技术需求", field="offer_ids")


def register(db: Session, event: Event, data: RegistrationCreate, org_id: int, user_id: int | None,
             existing: Participant | None = None) -> Participant:
    if event.status not in REGISTERING:
        raise Conflict("registration is not open", "活动当前不接受报名", code="registration_closed")
    if event.registration_deadline and beijing_today() > event.registration_deadline and existing is None:
        raise Conflict("the registration deadline has passed", "报名已截止", code="registration_closed")
    if org_id == event.org_id:
        raise FieldError("the organiser does not register for its own event", "组织方不能报名自己的活动", field="org_id")
    _check_listings(db, data, org_id)
    known = {s.id for s in slots(event)}
    if data.available is not None and not set(data.available) <= known:
        raise FieldError(f"unknown slots {sorted(set(data.available) - known)}", "可用时段不属于本活动", field="available")
    fields = data.model_dump(exclude={"org_id"})
    fields["attendees"] = [a.model_dump() for a in data.attendees]
    if existing is None and registration_of(db, event.id, org_id) is not None:
        raise Conflict("the organisation is already registered", "本机构已报名该活动", code="duplicate")
    if existing is None:
        existing = Participant(event_id=event.id, org_id=org_id, registered_by_id=user_id,
                               status=RegistrationStatus.PENDING if event.requires_approval
                               else RegistrationStatus.APPROVED)
        db.add(existing)
    elif existing.status == RegistrationStatus.CANCELLED:
        existing.status = RegistrationStatus.PENDING if event.requires_approval else RegistrationStatus.APPROVED
    assign(existing, fields)
    db.flush()
    return existing


def decide(db: Session, p: Participant, status: RegistrationStatus) -> Participant:
    p.status = status
    db.flush()
    return p


def check_in(db: Session, event: Event, p: Participant, undo: bool = False) -> Participant:
    if event.status not in (EventStatus.SCHEDULED, EventStatus.RUNNING):
        raise Conflict("check-in opens once the schedule is out", "排程发布后才能签到", code="not_running")
    p.checked_in_at = None if undo else (p.checked_in_at or utcnow())
    db.flush()
    return p


def cap(event: Event, p: Participant) -> int:
    return p.max_meetings or event.max_meetings


def incomplete(p: Participant) -> list[str]:
    """What is missing from a registration (shown to the organiser to chase)."""
    out = []
    org = p.organisation
    if p.side in (Side.SUPPLY, Side.BOTH) and not p.offer_ids:
        out.append("未选择专利供给")
    if p.side in (Side.DEMAND, Side.BOTH) and not p.demand_ids:
        out.append("未选择技术需求")
    if not p.attendees:
        out.append("未填写参会人员")
    if not (org.contact_email or org.contact_phone):
        out.append("机构缺少联系方式")
    if not org.industry_code:
        out.append("机构未填所属行业")
    return out


def participant_reads(db: Session, user, event: Event, items: list[Participant]) -> list[ParticipantRead]:
    flagged = flagged_org_ids(db, [p.org_id for p in items], under_review=policy.sees_open_credit_flags(user))
    return [ParticipantRead(id=p.id, event_id=p.event_id, org_id=p.org_id, org_name=p.organisation.name, side=p.side,
                            side_zh=p.side.zh, offer_ids=p.offer_ids or [], demand_ids=p.demand_ids or [],
                            attendees=p.attendees or [], available=p.available, max_meetings=cap(event, p),
                            status=p.status, status_zh=p.status.zh, checked_in_at=p.checked_in_at,
                            incomplete=incomplete(p), credit_warning=p.org_id in flagged) for p in items]
