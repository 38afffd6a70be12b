"""Matching benchmark: latency per demand at 10k offers, and the nightly full run (1,000 demands
against 100k offers) with its progress bar.

    .venv/bin/python scripts/bench_matching.py [--offers 10000 100000] [--demands 1000] [--backend elasticsearch]

Offers: as scripts/bench_search.py (7,798 real titles, expanded synthetically beyond that). Demands:
the 40 judged dev demands plus synthetic ones phrased from random real titles (“我们需要…相关技术”,
flagged synthetic). Demand embeddings are cached before the timed run, as they are in production
(encoded when the demand is indexed). The nightly run is ``ipplatform.matching.run.run_all``.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import ipplatform  # noqa: E402,F401
import numpy as np  # noqa: E402
from sqlalchemy import select  # noqa: E402

import bench_search as bs  # noqa: E402
from ipplatform.demands.models import Demand  # noqa: E402
from ipplatform.matching.matcher import Matcher  # noqa: E402
from ipplatform.matching.run import run_all  # noqa: E402
from ipplatform.search.backends import make_backend  # noqa: E402
from ipplatform.search.documents import DocType, embed_text  # noqa: E402
from ipplatform.search.embeddings import Embedder  # noqa: E402

PHRASES = ["我们需要{}相关技术，用于现有产线升级", "公司计划引进{}方面的专利技术", "寻求{}的技术合作或许可", "希望找到解决{}问题的成熟方案"]


def add_demands(factory, patents, n: int, rng: random.Random) -> list[int]:
    dev = [json.loads(x)["text"] for x in open(bs.DATA / "dev-matching" / "demands.jsonl", encoding="utf-8")]
    texts = dev + [rng.choice(PHRASES).format(p["title_zh"]) for p in rng.sample(patents, max(0, n - len(dev)))]
    now = datetime.now(timezone.utc)
    with factory.begin() as db:
        from ipplatform.organisations.models import Organisation

        org = db.query(Organisation).filter(Organisation.kind == "enterprise").first()
        rows = [{"org_id": org.id, "title": t[:60], "description": t, "preferred_ipc": [], "modes": ["transfer"],
                 "status": "published", "published_at": now, "synthetic": True, "version": 1, "created_at": now,
                 "updated_at": now} for t in texts[:n]]
        db.connection().execute(Demand.__table__.insert(), rows)
        return list(db.scalars(select(Demand.id)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--offers", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--demands", type=int, default=1000)
    parser.add_argument("--latency-demands", type=int, default=100)
    parser.add_argument("--backend", default="elasticsearch", choices=["embedded", "elasticsearch"])
    parser.add_argument("--port", type=int, default=9261)
    args = parser.parse_args()
    rng = random.Random(11)
    patents = bs.real_patents()
    embedder = Embedder()
    tmp = Path(tempfile.mkdtemp(prefix="ipp-bench-match-"))
    engine_script, es_url = None, None
    if args.backend == "elasticsearch":
        engine_script = bs.load_engine_script()
        home = ROOT / ".data" / "engine-bench-match"
        shutil.rmtree(home, ignore_errors=True)
        engine_script.start(args.port, home)
        es_url = f"http://127.0.0.1:{args.port}"
    base = embedder.encode_documents([p["title_zh"] for p in patents])
    results = []
    try:
        for n in args.offers:
            engine, factory, _ = bs.build_database(f"sqlite:///{tmp / f'm{n}.sqlite3'}", patents, n, rng)
            docs = bs.documents(n, patents, factory)
            vecs = bs.vectors_for(n, base, np.random.default_rng(n))
            backend = (make_backend(args.backend, url=es_url, prefix="bench", timeout=120)
                       if args.backend == "elasticsearch"
                       else make_backend(args.backend, path=tmp / f"e{n}" / "bench-search.sqlite3"))
            backend.rebuild(DocType.OFFER, ((docs[i:i + 2000], vecs[i:i + 2000]) for i in range(0, n, 2000)),
                            embedder.dims)
            count = args.demands if n == max(args.offers) else args.latency_demands
            ids = add_demands(factory, patents, count, rng)
            with factory.begin() as db:  # production encodes demands when they are indexed
                demands = db.query(Demand).all()
                embedder.encode_documents([embed_text(d.title, d.description) for d in demands], db=db)
            matcher = Matcher(backend, lambda: embedder)
            if n != max(args.offers):
                times = []
                with factory() as db:
                    from ipplatform.matching import service

                    for demand_id in ids[:count]:
                        t0 = time.perf_counter()
                        service.match_demand(db, matcher, db.get(Demand, demand_id))
                        times.append((time.perf_counter() - t0) * 1000)
                    db.rollback()
                row = {"offers": n, "demands": len(times), "ms_per_demand_p50": round(float(np.percentile(times, 50)), 1),
                       "ms_per_demand_p95": round(float(np.percentile(times, 95)), 1)}
            else:
                stats = run_all(factory, matcher, progress=True)
                row = {"offers": n, **stats, "ms_per_demand": round(stats["seconds"] * 1000 / max(1, stats["demands"]), 1)}
            row["backend"] = args.backend
            results.append(row)
            print(json.dumps(row, ensure_ascii=False), flush=True)
            if args.backend == "elasticsearch":
                backend.drop(DocType.OFFER)
            backend.close()
            engine.dispose()
    finally:
        if engine_script:
            engine_script.stop(ROOT / ".data" / "engine-bench-match")
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
