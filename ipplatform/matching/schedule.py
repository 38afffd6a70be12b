"""When matching runs: right after a published demand or offer is indexed, and nightly for all."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from sqlalchemy.orm import sessionmaker

from ipplatform.demands.models import Demand
from ipplatform.matching import notify, service
from ipplatform.matching.run import run_all
from ipplatform.offers.models import Offer
from ipplatform.search.documents import DocType

log = logging.getLogger(__name__)


def match_after_index(factory: sessionmaker, matcher, doc_type: DocType, ids: list[int]) -> None:
    matcher.backend.refresh(DocType.OFFER)
    matcher.backend.refresh(DocType.DEMAND)
    with factory.begin() as db:
        for i in ids:
            if doc_type == DocType.DEMAND and (demand := db.get(Demand, i)) is not None:
                service.match_demand(db, matcher, demand)
                notify.notify_demand(db, demand)
            elif doc_type == DocType.OFFER and (offer := db.get(Offer, i)) is not None:
                for demand in service.match_offer(db, matcher, offer):
                    notify.notify_demand(db, demand)


class NightlyMatching:
    """A daemon thread that re-matches every published demand once a day at ``hour``."""

    def __init__(self, factory: sessionmaker, matcher, hour: int = 2):
        self.factory, self.matcher, self.hour = factory, matcher, hour
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def seconds_until_next(self, now: datetime | None = None) -> float:
        now = now or datetime.now()
        nxt = now.replace(hour=self.hour, minute=0, second=0, microsecond=0)
        if nxt <= now:
            nxt += timedelta(days=1)
        return (nxt - now).total_seconds()

    def start(self) -> None:
        def loop():
            while not self._stop.wait(self.seconds_until_next()):
                try:
                    log.info("nightly matching: %s", run_all(self.factory, self.matcher, progress=False))
                except Exception:  # noqa: BLE001
                    log.exception("nightly matching failed")

        self._thread = threading.Thread(target=loop, name="nightly-matching", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
