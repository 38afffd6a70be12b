"""Pre-matching and booking: candidate pairs from the matcher's scores, meeting requests and answers, the
organiser's additions, removals and forced pairs, quotas, and who still has no accepted meeting."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ipplatform.common.errors import Conflict, FieldError, NotFound
from ipplatform.database import utcnow
from ipplatform.demands.models import Demand
from ipplatform.events.enums import EventStatus, PairSource, PairStatus, Side
from ipplatform.events.models import Event, EventPair, Participant
from ipplatform.events.schemas import PairRead
from ipplatform.events.service import cap, participants
from ipplatform.matching.models import Match
from ipplatform.offers.models import Offer

LIVE = (PairStatus.PROPOSED, PairStatus.REQUESTED, PairStatus.ACCEPTED, PairStatus.FORCED)
BOOKED = (PairStatus.ACCEPTED, PairStatus.FORCED)
SUPPLIES = (Side.SUPPLY, Side.BOTH)
DEMANDS = (Side.DEMAND, Side.BOTH)


def pairs(db: Session, event_id: int, participant_id: int | None = None) -> list[EventPair]:
    stmt = select(EventPair).where(EventPair.event_id == event_id)
    if participant_id is not None:
        stmt = stmt.where(or_(EventPair.a_id == participant_id, EventPair.b_id == participant_id))
    return sorted(db.scalars(stmt).unique(), key=lambda p: (-p.score, p.id))


def get(db: Session, event: Event, pair_id: int) -> EventPair:
    pair = db.get(EventPair, pair_id)
    if pair is None or pair.event_id != event.id:
        raise NotFound("pair", "洽谈配对", pair_id)
    return pair


def between(db: Session, event_id: int, x: int, y: int) -> EventPair | None:
    return db.scalar(select(EventPair).where(EventPair.event_id == event_id, or_(
        (EventPair.a_id == x) & (EventPair.b_id == y), (EventPair.a_id == y) & (EventPair.b_id == x))))


def propose(db: Session, event: Event) -> list[EventPair]:
    """Pairs between every approved supply participant and demand participant whose offers and demands the
    matcher scored (its stored matches): the best-scoring offer–demand match gives the pair its value and
    explanation. Pairs already requested, answered, forced or removed keep their status; scores refresh."""
    people = participants(db, event.id, approved_only=True)
    offer_owner: dict[int, list[Participant]] = defaultdict(list)
    for p in people:
        if p.side in SUPPLIES:
            for offer_id in p.offer_ids or []:
                offer_owner[offer_id].append(p)
    demand_of = {d: p for p in people if p.side in DEMANDS for d in (p.demand_ids or [])}
    best: dict[frozenset, tuple[Participant, Participant, Match]] = {}
    if offer_owner and demand_of:
        for m in db.scalars(select(Match).where(Match.demand_id.in_(list(demand_of)),
                                                Match.offer_id.in_(list(offer_owner)))).unique():
            b = demand_of[m.demand_id]
            for a in offer_owner[m.offer_id]:
                key = frozenset((a.id, b.id))
                if a.id == b.id or a.org_id == b.org_id:
                    continue
                if key not in best or m.score > best[key][2].score:
                    best[key] = (a, b, m)
    out = []
    for a, b, m in best.values():
        pair = between(db, event.id, a.id, b.id)
        if pair is None:
            pair = EventPair(event_id=event.id, a_id=a.id, b_id=b.id, source=PairSource.MATCHER,
                             status=PairStatus.PROPOSED)
            db.add(pair)
        pair.score = max(0.0, round(float(m.score), 6))
        pair.offer_id, pair.demand_id, pair.match_id = m.offer_id, m.demand_id, m.id
        pair.explanation = m.explanation or {}
        out.append(pair)
    db.flush()
    return out


def attach_best_match(db: Session, pair: EventPair) -> None:
    """Give a pair made by hand (a request, the organiser) the matcher's best offer–demand match between the
    two, if it scored one: its score, listings and explanation."""
    offers, demands = pair.a.offer_ids or [], pair.b.demand_ids or []
    if pair.match_id or not offers or not demands:
        return
    m = db.scalars(select(Match).where(Match.offer_id.in_(offers), Match.demand_id.in_(demands))
                   .order_by(Match.score.desc()).limit(1)).first()
    if m is not None:
        pair.score = max(0.0, round(float(m.score), 6))
        pair.offer_id, pair.demand_id, pair.match_id, pair.explanation = m.offer_id, m.demand_id, m.id, m.explanation or {}


def orient(x: Participant, y: Participant) -> tuple[Participant, Participant]:
    """(supply, demand) of two participants; refused unless one supplies what the other may need."""
    if x.side in SUPPLIES and y.side in DEMANDS:
        return x, y
    if y.side in SUPPLIES and x.side in DEMANDS:
        return y, x
    raise FieldError("a meeting is between a supply and a demand participant", "洽谈须在供给方与需求方之间进行",
                     field="to_participant_id")


def sent(db: Session, event_id: int, participant_id: int) -> int:
    return len([p for p in pairs(db, event_id, participant_id) if p.requested_by_id == participant_id
                and p.status in (PairStatus.REQUESTED, PairStatus.ACCEPTED)])


def booked(db: Session, event_id: int, participant_id: int) -> int:
    return len([p for p in pairs(db, event_id, participant_id) if p.status in BOOKED])


def quotas(db: Session, event: Event, p: Participant) -> dict:
    return {"requests_sent": sent(db, event.id, p.id), "requests_max": event.max_requests,
            "accepted": booked(db, event.id, p.id), "accepted_max": cap(event, p)}


def request(db: Session, event: Event, me: Participant, other: Participant, message: str | None) -> EventPair:
    if event.status != EventStatus.BOOKING:
        raise Conflict("booking is not open", "当前不在预约阶段", code="booking_closed")
    if other.id == me.id or other.org_id == me.org_id:
        raise FieldError("a participant cannot meet itself", "不能向本机构发出邀约", field="to_participant_id")
    if other.status != "approved":
        raise FieldError("that participant is not confirmed", "对方报名尚未通过审核", field="to_participant_id")
    a, b = orient(me, other)
    if sent(db, event.id, me.id) >= event.max_requests:
        raise Conflict(f"request quota of {event.max_requests} used", f"邀约次数已达上限（{event.max_requests} 次）",
                       code="quota")
    pair = between(db, event.id, me.id, other.id)
    if pair is not None and pair.status not in (PairStatus.PROPOSED,):
        raise Conflict("this pair was already requested or answered", "与该参会方的洽谈已邀约或已答复", code="duplicate")
    if pair is None:
        pair = EventPair(event_id=event.id, a=a, b=b, source=PairSource.REQUEST, score=0.0, explanation={})
        db.add(pair)
        attach_best_match(db, pair)
    pair.status, pair.requested_by_id, pair.message = PairStatus.REQUESTED, me.id, message
    db.flush()
    return pair


def answer(db: Session, event: Event, me: Participant, pair: EventPair, accept: bool) -> EventPair:
    if event.status != EventStatus.BOOKING:
        raise Conflict("booking is not open", "当前不在预约阶段", code="booking_closed")
    if pair.status != PairStatus.REQUESTED or me.id not in (pair.a_id, pair.b_id) or pair.requested_by_id == me.id:
        raise Conflict("only the invitee answers an open request", "只有受邀方可以答复待处理的邀约", code="not_invitee")
    if accept and booked(db, event.id, me.id) >= cap(event, me):
        raise Conflict("your meeting quota is full", f"已接受的洽谈已达上限（{cap(event, me)} 场）", code="quota")
    pair.status = PairStatus.ACCEPTED if accept else PairStatus.DECLINED
    pair.responded_at = utcnow()
    db.flush()
    return pair


def add(db: Session, event: Event, a: Participant, b: Participant, forced: bool) -> EventPair:
    """The organiser pairs two participants (or forces an existing pair into the schedule)."""
    if event.status in (EventStatus.RUNNING, EventStatus.CLOSED):
        raise Conflict("the event is running", "活动已开始，不能再调整配对", code="not_editable")
    supply, demand = orient(a, b)
    pair = between(db, event.id, a.id, b.id)
    if pair is None:
        pair = EventPair(event_id=event.id, a=supply, b=demand, source=PairSource.ORGANISER, score=0.0,
                         status=PairStatus.PROPOSED, explanation={})
        db.add(pair)
        attach_best_match(db, pair)
    if forced:
        pair.status = PairStatus.FORCED
    elif pair.status in (PairStatus.REMOVED,):
        pair.status = PairStatus.PROPOSED
    db.flush()
    return pair


def set_status(db: Session, event: Event, pair: EventPair, status: PairStatus) -> EventPair:
    """The organiser removes, forces, or restores (proposed) a pair."""
    if event.status in (EventStatus.RUNNING, EventStatus.CLOSED):
        raise Conflict("the event is running", "活动已开始，不能再调整配对", code="not_editable")
    if status not in (PairStatus.REMOVED, PairStatus.FORCED, PairStatus.PROPOSED, PairStatus.ACCEPTED):
        raise FieldError("the organiser removes, forces, accepts or restores a pair", "组织者只能移除、指定、确认或恢复配对",
                         field="status")
    pair.status = status
    db.flush()
    return pair


def unbooked(db: Session, event: Event) -> list[Participant]:
    """Approved participants without an accepted (or forced) meeting: the reminder list."""
    with_meeting = {side for p in pairs(db, event.id) if p.status in BOOKED for side in (p.a_id, p.b_id)}
    return [p for p in participants(db, event.id, approved_only=True) if p.id not in with_meeting]


def read_model(db: Session, pair: EventPair) -> PairRead:
    offer = db.get(Offer, pair.offer_id) if pair.offer_id else None
    demand = db.get(Demand, pair.demand_id) if pair.demand_id else None
    return PairRead(id=pair.id, a_id=pair.a_id, b_id=pair.b_id, a_name=pair.a.organisation.name,
                    b_name=pair.b.organisation.name, score=pair.score, status=pair.status, status_zh=pair.status.zh,
                    source=pair.source.zh, offer_id=pair.offer_id, demand_id=pair.demand_id,
                    offer_title=offer.title if offer else None, demand_title=demand.title if demand else None,
                    message=pair.message, requested_by_id=pair.requested_by_id, explanation=pair.explanation or {})


def most_requested(db: Session, event_id: int, limit: int = 10) -> list[tuple[int, int]]:
    """(offer id, number of requests and accepted meetings) of the event's most wanted offers."""
    counts: dict[int, int] = defaultdict(int)
    for p in pairs(db, event_id):
        if p.offer_id and (p.requested_by_id is not None or p.status in BOOKED):
            counts[p.offer_id] += 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
