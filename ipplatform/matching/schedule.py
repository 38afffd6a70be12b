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
    """Re-match what an indexed batch touches: the demands themselves, or every demand an offer may
    answer (each once, however many of the batch's offers reach it). Rankings are computed outside
    any write; each demand's result is written in its own short transaction, so a batch of hundreds
    of offers (an organisation's new county re-indexes all of them) never holds the database's
    write lock for more than one demand's rows."""
    matcher.backend.refresh(DocType.OFFER)
    matcher.backend.refresh(DocType.DEMAND)
    if doc_type == DocType.DEMAND:
        demand_ids = list(dict.fromkeys(ids))
    elif doc_type == DocType.OFFER:
        demand_ids = []
        with factory() as db:
            for i in ids:
                if (offer := db.get(Offer, i)) is not None:
                    demand_ids.extend(d.id for d in service.demands_for_offer(db, matcher, offer))
                    db.commit()  # embedding-cache rows, if the offer's were missing
        demand_ids = list(dict.fromkeys(demand_ids))
    else:
        return
    for demand_id in demand_ids:
        with factory() as db:
            if (demand := db.get(Demand, demand_id)) is None:
                continue
            ranking = service.rank_demand(db, matcher, demand)
            db.commit()  # embedding-cache rows only
            service.store_ranking(db, ranking)
            db.commit()
            notify.notify_demand(db, demand)  # sends mail outside the ranking's write
            db.commit()


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
