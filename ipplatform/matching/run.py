"""Run the matcher on demand: ``python -m ipplatform.matching.run [--all | --demand ID | --offer ID]``.

``--all`` re-matches every published demand (the nightly job), with a progress bar.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select
from tqdm import tqdm

from ipplatform.common.enums import ListingStatus
from ipplatform.demands.models import Demand
from ipplatform.matching import service


def run_all(factory, matcher, *, progress: bool = True, commit_every: int = 50, workers: int = 2) -> dict:
    """Re-match every published demand. Rankings are computed by ``workers`` threads (each with its own
    session; the search engine's and the model's work releases the GIL), results written by this one."""
    t0 = time.perf_counter()
    local = threading.local()
    sessions = []

    def rank(demand_id: int):
        if not hasattr(local, "db"):
            local.db = factory()
            sessions.append(local.db)
        demand = local.db.get(Demand, demand_id)
        ranking = service.rank_demand(local.db, matcher, demand)
        local.db.commit()  # embedding-cache rows, if any were missing
        return ranking

    with factory() as db:
        ids = list(db.scalars(select(Demand.id).where(Demand.status == ListingStatus.PUBLISHED).order_by(Demand.id)))
        matcher.ensure_affinity(db, max_age_s=0)  # the nightly run always relearns
        strong = 0
        try:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                bar = tqdm(total=len(ids), desc="match demands", unit="demand", disable=not progress)
                for n, ranking in enumerate(pool.map(rank, ids), start=1):
                    matches = service.store_ranking(db, ranking)
                    strong += any(m.strong for m in matches)
                    if n % commit_every == 0:
                        db.commit()
                    bar.update(1)
                bar.close()
        finally:
            for s in sessions:
                s.close()
        db.commit()
    return {"demands": len(ids), "with_strong_match": strong, "seconds": round(time.perf_counter() - t0, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--all", action="store_true")
    group.add_argument("--demand", type=int)
    group.add_argument("--offer", type=int)
    args = parser.parse_args(argv)
    import ipplatform.models  # noqa: F401
    from ipplatform.database import default_engine
    from ipplatform.hooks import hooked_session_factory
    from ipplatform.matching.matcher import Matcher
    from ipplatform.offers.models import Offer
    from ipplatform.search.backends import make_backend
    from ipplatform.search.embeddings import get_embedder

    factory = hooked_session_factory(default_engine())
    matcher = Matcher(make_backend(), get_embedder)
    if args.all:
        print(f"match: {run_all(factory, matcher)}")
        return 0
    with factory.begin() as db:  # a fresh matcher: the first ranking learns the affinity
        if args.demand:
            matches = service.match_demand(db, matcher, db.get(Demand, args.demand))
            for m in matches:
                print(f"{m.rank:3d} {m.score:.3f} {'强' if m.strong else '  '} {m.offer.title}")
        else:
            rescored = service.match_offer(db, matcher, db.get(Offer, args.offer))
            print(f"match: offer {args.offer} re-scored {len(rescored)} demands")
    return 0


if __name__ == "__main__":
    sys.exit(main())
