"""Running the event: the slot × table board, each participant's schedule, meeting outcomes."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ipplatform.common.errors import Conflict, NotFound
from ipplatform.common.timefmt import beijing_today
from ipplatform.database import utcnow
from ipplatform.events.enums import EventStatus, Outcome
from ipplatform.events.models import Event, EventPair, Meeting
from ipplatform.events.schemas import MeetingRead, OutcomeRecord
from ipplatform.events.service import slot_labels, slots
from ipplatform.outcomes.models import Deal


def meetings(db: Session, event_id: int, participant_id: int | None = None) -> list[Meeting]:
    stmt = select(Meeting).join(EventPair, EventPair.id == Meeting.pair_id).where(Meeting.event_id == event_id)
    if participant_id is not None:
        stmt = stmt.where(or_(EventPair.a_id == participant_id, EventPair.b_id == participant_id))
    items = list(db.scalars(stmt).unique())
    order = {s: i for i, s in enumerate(s.id for s in _slot_ids(db, event_id))}
    return sorted(items, key=lambda m: (order.get(m.slot, 99), m.table_no))


def _slot_ids(db: Session, event_id: int):
    return slots(db.get(Event, event_id))


def get(db: Session, event: Event, meeting_id: int) -> Meeting:
    m = db.get(Meeting, meeting_id)
    if m is None or m.event_id != event.id:
        raise NotFound("meeting", "洽谈", meeting_id)
    return m


def deal_ids(db: Session, meeting_ids: list[int]) -> dict[int, int]:
    if not meeting_ids:
        return {}
    return dict(db.execute(select(Deal.meeting_id, Deal.id).where(Deal.meeting_id.in_(meeting_ids))).all())


def read_models(db: Session, event: Event, items: list[Meeting]) -> list[MeetingRead]:
    labels = slot_labels(event)
    deals = deal_ids(db, [m.id for m in items])
    return [MeetingRead(id=m.id, pair_id=m.pair_id, slot=m.slot, slot_label=labels.get(m.slot, m.slot),
                        table_no=m.table_no, a_name=m.pair.a.organisation.name, b_name=m.pair.b.organisation.name,
                        outcome=m.outcome, outcome_zh=m.outcome.zh, amount=m.amount, deal_id=deals.get(m.id))
            for m in items]


def board(db: Session, event: Event) -> list[dict]:
    """Rows of the slot × table board: per slot, the meeting at each table (None: free)."""
    at = {(m.slot, m.table_no): m for m in meetings(db, event.id)}
    return [{"slot": s, "cells": [at.get((s.id, t)) for t in range(1, event.tables + 1)]} for s in slots(event)]


def record(db: Session, event: Event, meeting: Meeting, data: OutcomeRecord, user_id: int | None) -> Meeting:
    """Set a meeting's outcome (the draft deal of an agreement is ``events.flows.record_outcome``'s work)."""
    if event.status not in (EventStatus.SCHEDULED, EventStatus.RUNNING, EventStatus.CLOSED):
        raise Conflict("outcomes are recorded once the schedule is out", "排程发布后才能记录洽谈结果", code="not_running")
    if event.day > beijing_today():
        raise Conflict(f"outcomes are recorded from the event's day ({event.day.isoformat()}) on",
                       f"活动当天（{event.day.isoformat()}）起才能记录洽谈结果", code="not_yet")
    if meeting.outcome == Outcome.AGREEMENT and data.outcome != Outcome.AGREEMENT and deal_ids(db, [meeting.id]):
        raise Conflict("the agreement has a deal already", "该签约已生成交易记录，不能改为其他结果", code="has_deal")
    meeting.outcome, meeting.amount, meeting.note = data.outcome, data.amount, data.note
    meeting.outcome_at, meeting.outcome_by_id = utcnow(), user_id
    if event.status == EventStatus.SCHEDULED:
        event.status = EventStatus.RUNNING  # the first outcome means the event is on
    db.flush()
    return meeting


def mark_notified(db: Session, items: list[Meeting]) -> None:
    for m in items:
        m.notified = True
    db.flush()
