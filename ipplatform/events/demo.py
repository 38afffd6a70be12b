"""A demo matchmaking event on the seeded demo site (synthetic, marked 演示): the demo organiser's event in
its booking phase, every demo organisation with published offers registered on the supply side and every one
with published demands on the demand side, pairs proposed from the stored matches (run matching first), and
each demand participant's best pair accepted, so 自动排程 can be tried at once.

    python -m ipplatform.events.demo        # after python -m ipplatform.seed and the matching run
"""

from __future__ import annotations

import argparse
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ipplatform.auth.models import User
from ipplatform.common.enums import ListingStatus
from ipplatform.common.timefmt import beijing_today
from ipplatform.database import default_engine, utcnow
from ipplatform.demands.models import Demand
from ipplatform.events import pairs as pairs_service
from ipplatform.events.enums import EventStatus, PairStatus, RegistrationStatus, Side
from ipplatform.events.models import Event, Participant
from ipplatform.hooks import hooked_session_factory
from ipplatform.offers.models import Offer

TITLE = "信阳茶产业与农产品加工专利供需对接会（演示）"


def create(db: Session, organiser_username: str = "organiser") -> Event | None:
    """The demo event (None: it exists already, or there is no demo organiser)."""
    if db.scalar(select(Event.id).where(Event.title == TITLE)) is not None:
        return None
    organiser = db.scalar(select(User).where(User.username == organiser_username))
    if organiser is None:
        return None
    day = beijing_today() + timedelta(days=14)
    event = Event(org_id=organiser.org_id, title=TITLE, theme="茶叶加工装备、茶资源综合利用、粮油与特色食品加工",
                  industries=["15", "13"], ipc=["A23F", "A23L", "A23B"], venue="信阳市羊山新区会展中心（演示）",
                  day=day, slot_minutes=20, sessions=[{"start": "09:00", "slots": 6}, {"start": "14:00", "slots": 6}],
                  tables=10, registration_deadline=day - timedelta(days=5), booking_opens=day - timedelta(days=10),
                  booking_closes=day - timedelta(days=1), max_meetings=6, max_requests=10, requires_approval=False,
                  status=EventStatus.REGISTRATION, created_by_id=organiser.id, synthetic=True)
    db.add(event)
    db.flush()
    offers: dict[int, list[int]] = {}
    for offer in db.scalars(select(Offer).where(Offer.status == ListingStatus.PUBLISHED).order_by(Offer.id)).unique():
        offers.setdefault(offer.owner_org_id, []).append(offer.id)
    demands: dict[int, list[int]] = {}
    for demand in db.scalars(select(Demand).where(Demand.status == ListingStatus.PUBLISHED).order_by(Demand.id)).unique():
        demands.setdefault(demand.org_id, []).append(demand.id)
    for org_id in sorted((set(offers) | set(demands)) - {organiser.org_id}):
        side = Side.BOTH if org_id in offers and org_id in demands else (Side.SUPPLY if org_id in offers else Side.DEMAND)
        db.add(Participant(event_id=event.id, org_id=org_id, side=side, offer_ids=offers.get(org_id, [])[:20],
                           demand_ids=demands.get(org_id, [])[:10], attendees=[{"name": "参会代表（演示）"}],
                           status=RegistrationStatus.APPROVED, registered_by_id=organiser.id))
    db.flush()
    event.status = EventStatus.BOOKING
    best: dict[int, object] = {}
    for pair in pairs_service.propose(db, event):
        if pair.b_id not in best or pair.score > best[pair.b_id].score:
            best[pair.b_id] = pair
    for pair in best.values():
        pair.status, pair.requested_by_id, pair.responded_at = PairStatus.ACCEPTED, pair.b_id, utcnow()
    db.flush()
    return event


def main() -> None:
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    factory = hooked_session_factory(default_engine())
    with factory.begin() as db:
        event = create(db)
        print(f"events.demo: created event {event.id}" if event else "events.demo: present already (or no demo organiser)")


if __name__ == "__main__":
    main()
