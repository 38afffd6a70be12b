"""Event work that spans domains: pre-matching with the matcher, publishing the schedule with e-mails, and
an agreement at a meeting opening the draft deal the parties then complete and record (the deal flow)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ipplatform.common.enums import ListingStatus
from ipplatform.database import utcnow
from ipplatform.demands.models import Demand
from ipplatform.events import meetings as meetings_service
from ipplatform.events import notify, pairs as pairs_service, scheduling
from ipplatform.events.enums import Outcome
from ipplatform.events.models import Event, EventPair, Meeting
from ipplatform.events.schemas import OutcomeRecord
from ipplatform.events.service import participants, slot_labels
from ipplatform.matching import service as matching_service
from ipplatform.matching.models import Match
from ipplatform.offers.models import Offer
from ipplatform.outcomes.enums import DealStatus, DealType, deal_type_for
from ipplatform.outcomes.models import Deal
from ipplatform.common.timefmt import beijing_today


def prematch(db: Session, matcher, event: Event) -> list[EventPair]:
    """Match every registered published demand that has no matches yet (the matcher's own ranking, as the
    demand page shows it), then propose pairs from the stored matches."""
    demand_ids = {d for p in participants(db, event.id, approved_only=True) for d in (p.demand_ids or [])}
    scored = set(db.scalars(select(Match.demand_id).where(Match.demand_id.in_(demand_ids)))) if demand_ids else set()
    if matcher is not None:
        for demand in db.scalars(select(Demand).where(Demand.id.in_(demand_ids - scored))).unique():
            if demand.status == ListingStatus.PUBLISHED:
                matching_service.match_demand(db, matcher, demand)
    return pairs_service.propose(db, event)


def remind_unbooked(db: Session, event: Event) -> tuple[list, list]:
    """(participants without an accepted meeting, those an e-mail reached)."""
    people = pairs_service.unbooked(db, event)
    reached = notify.remind(event, people)
    now = utcnow()
    for p in reached:
        p.reminded_at = now
    db.flush()
    return people, reached


def make_schedule(db: Session, event: Event, time_limit: float = 10.0, keep_notified: bool = True):
    """Solve, store and e-mail the schedule: only participants whose meetings changed get a new e-mail."""
    result, items = scheduling.schedule(db, event, time_limit=time_limit, keep_notified=keep_notified)
    fresh = [m for m in items if not m.notified]
    changed = {side for m in fresh for side in (m.pair.a_id, m.pair.b_id)}
    plan = notify.meetings_by_participant([m for m in items if {m.pair.a_id, m.pair.b_id} & changed],
                                          slot_labels(event))
    reached = notify.send_schedules(event, {pid: v for pid, v in plan.items() if pid in changed})
    meetings_service.mark_notified(db, [m for m in fresh if m.pair.a_id in reached and m.pair.b_id in reached])
    return result, items


def record_outcome(db: Session, event: Event, meeting: Meeting, data: OutcomeRecord, user_id: int | None) -> Meeting:
    meetings_service.record(db, event, meeting, data, user_id)
    if data.outcome == Outcome.AGREEMENT:
        draft_deal(db, event, meeting, user_id)
    return meeting


def draft_deal(db: Session, event: Event, meeting: Meeting, user_id: int | None) -> Deal:
    """The draft deal of an agreement (one per meeting: its amount follows the meeting's): from the supply
    side (the offer's holder) to the demand side, on the offer's patents, linked to the event and meeting,
    dated the event's day (signed there, though recorded later; today if recorded before the day)."""
    deal = db.scalar(select(Deal).where(Deal.meeting_id == meeting.id))
    pair = meeting.pair
    if deal is not None:
        if deal.status == DealStatus.DRAFT:
            deal.amount = meeting.amount
            db.flush()
        return deal
    offer = db.get(Offer, pair.offer_id) if pair.offer_id else None
    demand = db.get(Demand, pair.demand_id) if pair.demand_id else None
    deal_type = DealType.TRANSFER
    if offer is not None:
        common = [m for m in offer.modes if m in ((demand.modes if demand else None) or [])] or list(offer.modes)
        deal_type = deal_type_for(common[0]) if common else DealType.TRANSFER
    from_org = offer.owner_org_id if offer is not None else pair.a.org_id
    deal = Deal(type=deal_type, status=DealStatus.DRAFT, from_org_id=from_org, to_org_id=pair.b.org_id,
                amount=meeting.amount if deal_type not in (DealType.PLEDGE, DealType.EQUITY) else None,
                valuation=meeting.amount if deal_type == DealType.EQUITY else None,
                loan_amount=meeting.amount if deal_type == DealType.PLEDGE else None,
                patents=list(offer.patents) if offer is not None else [], offer_id=offer.id if offer else None,
                event_id=event.id, meeting_id=meeting.id, created_by_id=user_id,
                contract_date=min(event.day, beijing_today()))
    db.add(deal)
    db.flush()
    return deal
