"""The demo event on the seeded demo data: registrations from every demo organisation with published
listings, pairs from the stored matches, each demand participant's best pair accepted; created once."""

from __future__ import annotations

from sqlalchemy import select

from ipplatform.demands.models import Demand
from ipplatform.events import demo
from ipplatform.events.enums import EventStatus, PairStatus
from ipplatform.events.models import EventPair, Participant
from ipplatform.matching.models import Match
from ipplatform.offers.models import Offer
from ipplatform.seed import seed


def test_demo_event(db):
    with db.begin():
        seed(db, patents=150)
        demand = db.scalars(select(Demand).where(Demand.status == "published").order_by(Demand.id)).first()
        offers = [o for o in db.scalars(select(Offer).where(Offer.status == "published").order_by(Offer.id)).unique()
                  if o.owner_org_id != demand.org_id][:2]
        for score, offer in zip((0.9, 0.6), offers):
            db.add(Match(demand_id=demand.id, offer_id=offer.id, score=score, rank=1, explanation={"shared_terms": ["茶叶"]}))
        db.flush()
        event = demo.create(db)
        assert event is not None and event.status == EventStatus.BOOKING and event.synthetic
        people = list(db.scalars(select(Participant).where(Participant.event_id == event.id)))
        assert {p.org_id for p in people} >= {demand.org_id, *(o.owner_org_id for o in offers)}
        pairs = list(db.scalars(select(EventPair).where(EventPair.event_id == event.id)))
        accepted = [p for p in pairs if p.status == PairStatus.ACCEPTED]
        assert len(accepted) == 1 and accepted[0].offer_id == offers[0].id
        assert demo.create(db) is None  # once
