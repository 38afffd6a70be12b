"""Matching benchmark: latency per demand of the current ranking against the ranking before issue 16
(``Matcher(legacy=True)``: whole text on both legs, linear weights) in the same run, and with
``--nightly`` the full run (1,000 demands against the largest offer count) with its progress bar.

    .venv/bin/python scripts/bench_matching.py [--offers 10000] [--latency-demands 100] [--backend elasticsearch]
        [--nightly --offers 10000 100000 --demands 1000]

Latency: each demand is matched once (first match: the new matcher encodes its need, in one encoder
pass that also gives its clauses' vectors, and keeps them in process) and then again (re-matching, as
the nightly run and offer changes do), by the old and the new matcher interleaved demand by demand
(the lead's benchmarks share the cores); p50 and p95 of both passes, and new / old.

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
from ipplatform.database import make_engine, session_factory  # noqa: E402
from ipplatform.demands.models import Demand  # noqa: E402
from ipplatform.matching import service  # noqa: E402
from ipplatform.matching.matcher import Matcher  # noqa: E402
from ipplatform.matching.run import run_all  # noqa: E402
from ipplatform.search.backends import make_backend  # noqa: E402
from ipplatform.search.documents import DocType, embed_text  # noqa: E402
from ipplatform.search.embeddings import Embedder, content_hash  # noqa: E402
from ipplatform.search.models import EmbeddingCache  # noqa: E402

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


def title_vectors(patents, embedder) -> np.ndarray:
    """One vector per real title for the synthetic offers, read from the evaluate command's embedding cache
    when it holds them (it embeds a patent offer as "title。title"), else encoded (minutes on 2 cores)."""
    cache = ROOT / ".data" / "evaluate-cache.sqlite3"
    if cache.exists():
        engine = make_engine(f"sqlite:///{cache}")
        try:
            with session_factory(engine)() as db:
                return embedder.encode_documents([embed_text(p["title_zh"], p["title_zh"]) for p in patents], db=db)
        finally:
            engine.dispose()
    return embedder.encode_documents([p["title_zh"] for p in patents])


def latency(factory, matchers: dict, ids: list[int]) -> dict:
    """Each demand matched twice by each matcher, old and new interleaved demand by demand (whichever goes
    first alternating), so both meet the same load on shared cores: the first match (the new matcher
    encodes the need; both insert the demand's matches) and the re-match (scores updated). A savepoint
    rolled back after each matcher's pair gives the other the same empty start."""
    first: dict[str, list[float]] = {k: [] for k in matchers}
    again: dict[str, list[float]] = {k: [] for k in matchers}
    with factory() as db:
        for name, matcher in matchers.items():  # learn affinity, IDF and glossary once, outside the timing
            matcher.ensure_affinity(db)
        for n, demand_id in enumerate(ids):
            for name in (list(matchers) if n % 2 == 0 else list(matchers)[::-1]):  # alternate who goes first
                sp = db.begin_nested()
                for times in (first, again):
                    t0 = time.perf_counter()
                    service.match_demand(db, matchers[name], db.get(Demand, demand_id))
                    times[name].append((time.perf_counter() - t0) * 1000)
                sp.rollback()
        db.rollback()
    row: dict = {"demands": len(ids)}
    for name in matchers:
        for label, times in (("first", first[name]), ("rematch", again[name])):
            row[f"{name}_{label}_p50_ms"] = round(float(np.percentile(times, 50)), 1)
            row[f"{name}_{label}_p95_ms"] = round(float(np.percentile(times, 95)), 1)
    for name in (n for n in matchers if n != "old"):
        for label in ("first", "rematch"):
            for q in ("p50", "p95"):
                row[f"{name}_over_old_{label}_{q}"] = round(row[f"{name}_{label}_{q}_ms"] / row[f"old_{label}_{q}_ms"], 2)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--offers", type=int, nargs="+", default=[10_000])
    parser.add_argument("--demands", type=int, default=1000)
    parser.add_argument("--latency-demands", type=int, default=100)
    parser.add_argument("--backend", default="elasticsearch", choices=["embedded", "elasticsearch"])
    parser.add_argument("--port", type=int, default=9261)
    parser.add_argument("--nightly", action="store_true", help="the largest size runs the nightly job instead")
    parser.add_argument("--separate-clauses", action="store_true",
                        help="also time the new matcher encoding each clause on its own (new_sep)")
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
    base = title_vectors(patents, embedder)
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
            backend.optimize(DocType.OFFER)  # as python -m ipplatform.search.reindex leaves it
            with factory.begin() as db:  # production's indexer leaves every offer's vector in the embedding cache
                rows = list({content_hash(d["embed_text"]): {
                    "model": embedder.model_name, "content_hash": content_hash(d["embed_text"]),
                    "vector": np.asarray(v, dtype=np.float32).tobytes()} for d, v in zip(docs, vecs)}.values())
                for i in range(0, len(rows), 2000):
                    db.execute(EmbeddingCache.__table__.insert(), rows[i:i + 2000])
            count = args.demands if args.nightly and n == max(args.offers) else args.latency_demands
            ids = add_demands(factory, patents, count, rng)
            with factory.begin() as db:  # production encodes demands when they are indexed
                demands = db.query(Demand).all()
                embedder.encode_documents([embed_text(d.title, d.description) for d in demands], db=db)
            old = Matcher(backend, lambda: embedder, legacy=True)  # the ranking before issue 16
            new = Matcher(backend, lambda: embedder)  # query understanding, glossary, learned ranker
            if n != max(args.offers) or not args.nightly:
                matchers = {"old": old, "new": new}
                if args.separate_clauses:
                    matchers["new_sep"] = Matcher(backend, lambda: embedder)
                    matchers["new_sep"].late_clauses = False
                row = {"offers": n, "backend": args.backend, **latency(factory, matchers, ids[:count])}
            else:
                stats = run_all(factory, new, progress=True)
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
