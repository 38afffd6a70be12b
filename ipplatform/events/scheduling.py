"""From the event's registrations and pairs to an optimiser instance, and the solved schedule back to
meetings. Re-scheduling (late cancellations) keeps the meetings already notified where possible."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ipplatform.common.errors import Conflict
from ipplatform.events import optimiser
from ipplatform.events.enums import EventStatus, Outcome, PairStatus, RegistrationStatus
from ipplatform.events.models import Event, EventPair, Meeting, Participant
from ipplatform.events.pairs import pairs
from ipplatform.events.service import cap, participants, slots

STATUS_FOR_SOLVER = {PairStatus.PROPOSED: "proposed", PairStatus.REQUESTED: "proposed",
                     PairStatus.ACCEPTED: "accepted", PairStatus.FORCED: "forced",
                     PairStatus.DECLINED: "declined", PairStatus.REMOVED: "declined"}


class ScheduleInfeasible(Conflict):
    """Forced pairs cannot all be placed; the message names the participant (its organisation)."""


@dataclass
class Built:
    instance: optimiser.Instance
    by_key: dict[str, Participant]  # instance participant id → registration
    pair_of: dict[frozenset, EventPair]


def _keys(people: list[Participant]) -> dict[int, str]:
    """Instance ids that read well in an explanation: the organisation's name (with the id if two share it)."""
    names = [p.organisation.name for p in people]
    return {p.id: (p.organisation.name if names.count(p.organisation.name) == 1 else f"{p.organisation.name}#{p.id}")
            for p in people}


def build(db: Session, event: Event, keep_notified: bool = True) -> Built:
    people = participants(db, event.id, approved_only=True)
    key = _keys(people)
    slot_ids = [s.id for s in slots(event)]
    parts = [optimiser.Participant(key[p.id], cap(event, p),
                                   frozenset(p.available) if p.available is not None else None) for p in people]
    candidates, pair_of = [], {}
    for pair in pairs(db, event.id):
        if pair.a_id not in key or pair.b_id not in key:
            continue  # a side cancelled or was not approved
        a, b = key[pair.a_id], key[pair.b_id]
        candidates.append(optimiser.Pair(a, b, max(0.0, pair.score), STATUS_FOR_SOLVER[pair.status]))
        pair_of[frozenset((a, b))] = pair
    keep = []
    if keep_notified:
        for m in db.scalars(select(Meeting).where(Meeting.event_id == event.id, Meeting.notified.is_(True))).unique():
            if m.pair.a_id in key and m.pair.b_id in key:
                keep.append(optimiser.Meeting(key[m.pair.a_id], key[m.pair.b_id], m.slot, m.table_no))
    inst = optimiser.Instance(slot_ids, event.tables, parts, candidates, keep)
    return Built(inst, {key[p.id]: p for p in people}, pair_of)


def instance_json(built: Built) -> dict:
    """The instance in the file contract of ``python -m ipplatform.events.schedule``."""
    inst = built.instance
    return {"slots": inst.slots, "tables": inst.tables,
            "participants": [{"id": p.id, "max_meetings": p.max_meetings,
                              **({"available": sorted(p.available)} if p.available is not None else {})}
                             for p in inst.participants],
            "pairs": [{"a": p.a, "b": p.b, "value": p.value, "status": p.status} for p in inst.pairs],
            "keep": [{"a": m.a, "b": m.b, "slot": m.slot, "table": m.table} for m in inst.keep]}


def schedule(db: Session, event: Event, time_limit: float = 10.0, keep_notified: bool = True,
             workers: int = 2) -> tuple[optimiser.Schedule, list[Meeting]]:
    """Solve and store the event's meetings (replacing the previous plan; a meeting that stays in its slot
    and table stays notified). The event moves to ``scheduled``."""
    if event.status not in (EventStatus.BOOKING, EventStatus.SCHEDULED):
        raise Conflict("the schedule is made during booking (or re-made before the event runs)",
                       "只能在预约阶段或已排程、活动开始前排程", code="not_schedulable")
    if db.scalar(select(Meeting.id).where(Meeting.event_id == event.id, Meeting.outcome != Outcome.PENDING)):
        raise Conflict("outcomes are recorded already", "已有洽谈结果，不能重新排程", code="has_outcomes")
    built = build(db, event, keep_notified)
    if not built.pair_of:
        raise Conflict("there is no pair to schedule", "没有可排程的配对：请先在“配对与预约”中推荐或添加配对",
                       code="nothing_to_schedule")
    try:
        result = optimiser.solve(built.instance, time_limit=time_limit, workers=workers)
    except optimiser.Infeasible as exc:
        raise ScheduleInfeasible(exc.message, exc.message_zh, code="infeasible") from exc
    old = {(m.pair_id, m.slot, m.table_no): m.notified
           for m in db.scalars(select(Meeting).where(Meeting.event_id == event.id)).unique()}
    db.execute(delete(Meeting).where(Meeting.event_id == event.id))
    db.expire_all()
    meetings = []
    for m in result.meetings:
        pair = built.pair_of[frozenset((m.a, m.b))]
        meeting = Meeting(event_id=event.id, pair_id=pair.id, slot=m.slot, table_no=m.table,
                          notified=old.get((pair.id, m.slot, m.table), False), outcome=Outcome.PENDING)
        db.add(meeting)
        meetings.append(meeting)
    event = db.get(Event, event.id)
    event.status = EventStatus.SCHEDULED
    db.flush()
    return result, meetings


def cancelled_ids(db: Session, event: Event) -> set[int]:
    return {p.id for p in participants(db, event.id) if p.status == RegistrationStatus.CANCELLED}
