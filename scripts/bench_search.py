"""Search benchmark: p50/p95 latency of keyword, semantic and hybrid queries through the service layer,
on corpora of 10k and 100k offers, for the embedded backend and the real Elasticsearch node; bulk
indexing throughput against the bare encoder; peak memory.

    .venv/bin/python scripts/bench_search.py [--sizes 10000 100000] [--backends embedded elasticsearch]

Corpus: the 7,798 real patents (title + IPC, ../shared/data/cn-patents-titles-ipc) become offers of
12 demo organisations; beyond 7,798 each real patent is repeated with a synthetic title suffix
“（合成扩展 n）” and the base title's embedding plus small Gaussian noise (re-normalised), so
100k offers need 7,798 encodings rather than 100k. Every generated record is flagged synthetic.
Queries: the 40 judged demands of dev-matching plus 160 short queries cut from real titles, each
timed once per mode, query embedding included (the query LRU is cleared before each mode).
Ratios are measured in the same process, never asserted.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import ipplatform  # noqa: E402,F401  (sets the BLAS thread count before numpy loads)
import numpy as np  # noqa: E402

import ipplatform.models  # noqa: E402,F401
from ipplatform import migrate  # noqa: E402
from ipplatform.database import make_engine  # noqa: E402
from ipplatform.hooks import hooked_session_factory  # noqa: E402
from ipplatform.offers.models import Offer  # noqa: E402
from ipplatform.organisations.models import Organisation  # noqa: E402
from ipplatform.patents.models import Patent  # noqa: E402
from ipplatform.common.enums import ListingStatus  # noqa: E402
from ipplatform.patents.enums import LegalStatus, PatentKind  # noqa: E402
from ipplatform.search import text as textmod  # noqa: E402
from ipplatform.search.backends import make_backend  # noqa: E402
from ipplatform.search.documents import DocType, offer_document  # noqa: E402
from ipplatform.search.embeddings import Embedder  # noqa: E402
from ipplatform.search.query import SearchMode, SearchRequest  # noqa: E402
from ipplatform.search.service import SearchService  # noqa: E402
from ipplatform.seed import ORGS, _application_number, _credit_code  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
MODES_POOL = ["transfer", "ordinary_licence", "exclusive_licence", "pledge", "equity"]


def load_engine_script():
    import importlib.util

    spec = importlib.util.spec_from_file_location("ipp_engine", ROOT / "scripts" / "engine.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def real_patents() -> list[dict]:
    with open(DATA / "cn-patents-titles-ipc" / "patents.csv", encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if r["title_zh"].strip() and r["kind"] in "ABU"]


def queries(patents: list[dict], rng: random.Random) -> list[str]:
    demands = [json.loads(line)["text"] for line in open(DATA / "dev-matching" / "demands.jsonl", encoding="utf-8")]
    short = []
    while len(short) < 160:
        toks = [t for t in textmod.tokens(rng.choice(patents)["title_zh"]) if len(t) >= 2]
        if toks:
            short.append("".join(rng.sample(toks, k=min(len(toks), rng.choice([1, 1, 2, 3])))))
    return demands + list(dict.fromkeys(short))


def build_database(url: str, patents: list[dict], n: int, rng: random.Random):
    """Organisations, patents and offers inserted in bulk (the service hydrates hits from here)."""
    migrate.upgrade(url)
    engine = make_engine(url)
    factory = hooked_session_factory(engine)
    now = datetime.now(timezone.utc)
    used: set[str] = set()
    with factory.begin() as db:
        orgs = [Organisation(kind=o.kind, name=o.name, credit_code=_credit_code(rng, o.kind, o.county),
                             county_code=o.county, industry_code=o.industry, synthetic=True) for o in ORGS]
        db.add_all(orgs)
        db.flush()
        org_ids = [o.id for o in orgs if o.kind.value in ("enterprise", "university", "research_institute")]
        conn = db.connection()
        pat_rows, off_rows, link_rows = [], [], []
        for i in range(n):
            p = patents[i % len(patents)]
            suffix = "" if i < len(patents) else f"（合成扩展 {i // len(patents)}）"
            from ipplatform.patents.enums import KIND_BY_PUBLICATION_CODE
            kind = KIND_BY_PUBLICATION_CODE[p["kind"]]
            ipc = [c for c in p["ipc_subclasses"].split("|") if len(c) == 4] or ["G06F"]
            pat_rows.append({"id": i + 1, "application_number": _application_number(rng, rng.choice([2020, 2021, 2022]),
                                                                                      kind, used),
                             "publication_number": None, "kind": kind.value, "title": p["title_zh"] + suffix,
                             "ipc_main": ipc[0], "ipc_codes": ipc, "applicants": [], "inventors": [],
                             "legal_status": "pending" if p["kind"] == "A" else "valid",
                             "owner_org_id": rng.choice(org_ids), "synthetic": True, "created_at": now,
                             "updated_at": now})
            price = None if rng.random() < 0.3 else Decimal(rng.randrange(5, 500) * 10000)
            off_rows.append({"id": i + 1, "title": p["title_zh"] + suffix, "description": None,
                             "owner_org_id": pat_rows[-1]["owner_org_id"], "publisher_org_id": pat_rows[-1]["owner_org_id"],
                             "modes": rng.sample(MODES_POOL, k=rng.randint(1, 3)), "asking_price": price,
                             "negotiable": price is None, "application_fields": [], "status": "published",
                             "published_at": now - timedelta(minutes=rng.randrange(500_000)), "synthetic": True,
                             "version": 1, "created_at": now, "updated_at": now})
            link_rows.append({"offer_id": i + 1, "patent_id": i + 1})
        from ipplatform.offers.models import offer_patent
        for rows, table in ((pat_rows, Patent.__table__), (off_rows, Offer.__table__), (link_rows, offer_patent)):
            for j in range(0, len(rows), 5000):
                conn.execute(table.insert(), rows[j:j + 5000])
    return engine, factory, {o.id: o for o in orgs}


def documents(n: int, patents, factory) -> list[dict]:
    """Search documents built by the production builder from transient ORM objects."""
    with factory() as db:
        orgs = {o.id: o for o in db.query(Organisation)}
        rows = db.execute(Offer.__table__.select().order_by(Offer.id)).mappings().all()
        prow = db.execute(Patent.__table__.select().order_by(Patent.id)).mappings().all()
    docs = []
    for r, pr in zip(rows, prow):
        patent = Patent(**{k: pr[k] for k in ("id", "kind", "title", "ipc_codes", "legal_status", "abstract")})
        offer = Offer(**{k: r[k] for k in ("id", "title", "description", "owner_org_id", "publisher_org_id", "modes",
                                           "asking_price", "application_fields", "status", "published_at",
                                           "synthetic")})
        offer.owner = orgs[r["owner_org_id"]]
        offer.patents = [patent]
        docs.append(offer_document(offer, 1))
    return docs


def vectors_for(n: int, base: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    out = np.empty((n, base.shape[1]), dtype=np.float32)
    for start in range(0, n, 10000):
        idx = np.arange(start, min(n, start + 10000))
        v = base[idx % len(base)].copy()
        extra = idx >= len(base)
        v[extra] += rng.normal(0, 0.02, size=(int(extra.sum()), base.shape[1])).astype(np.float32)
        out[idx] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def time_queries(service, embedder, factory, qs: list[str], warm: list[str]) -> dict[str, list[float]]:
    out = {}
    with factory() as db:
        for q in warm:
            service.search(db, DocType.OFFER, SearchRequest(q=q, mode=SearchMode.HYBRID))
        for mode in (SearchMode.KEYWORD, SearchMode.SEMANTIC, SearchMode.HYBRID):
            embedder._lru.clear()
            times = []
            for q in qs:
                t0 = time.perf_counter()
                service.search(db, DocType.OFFER, SearchRequest(q=q, mode=mode))
                times.append((time.perf_counter() - t0) * 1000)
            out[mode.value] = times
    return out


def throughput(embedder, factory, backend, patents, rng, m: int = 1000) -> tuple[float, float]:
    """Sentences/s of the bare encoder vs documents/s through build + encode + index, on unseen texts."""
    sample = rng.sample(patents, 2 * m)
    with factory() as db:
        orgs = list(db.query(Organisation))

    def offer_of(i: int, p: dict) -> Offer:
        patent = Patent(id=10_000_000 + i, kind=PatentKind.UTILITY_MODEL, title=p["title_zh"],
                        ipc_codes=[p["ipc_subclasses"][:4]], legal_status=LegalStatus.VALID)
        offer = Offer(id=10_000_000 + i, title=p["title_zh"], description=f"用于{p['ipc_subclasses']}领域的技术改造（合成）",
                      owner_org_id=orgs[1].id, publisher_org_id=orgs[1].id, modes=["transfer"], application_fields=[],
                      status=ListingStatus.PUBLISHED, synthetic=True)
        offer.owner, offer.patents = orgs[1], [patent]
        return offer

    # The bare encoder gets the very kind of text the pipeline embeds (documents' embed_text).
    a = [offer_document(offer_of(i, p), 2)["embed_text"] for i, p in enumerate(sample[:m])]
    t0 = time.perf_counter()
    embedder._encode(a)
    bare = m / (time.perf_counter() - t0)
    offers = [offer_of(m + i, p) for i, p in enumerate(sample[m:])]
    t0 = time.perf_counter()
    for j in range(0, m, 200):
        docs = [offer_document(o, 2) for o in offers[j:j + 200]]
        backend.upsert(DocType.OFFER, docs, embedder.encode_documents([d["embed_text"] for d in docs]))
    piped = m / (time.perf_counter() - t0)
    return bare, piped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--backends", nargs="+", default=["embedded", "elasticsearch"])
    parser.add_argument("--port", type=int, default=9260)
    args = parser.parse_args()
    rng = random.Random(7)
    patents = real_patents()
    qs = queries(patents, rng)
    warm = [p["title_zh"][:6] for p in rng.sample(patents, 20)]
    embedder = Embedder()
    tmp = Path(tempfile.mkdtemp(prefix="ipp-bench-"))
    es_url, engine_script = None, None
    if "elasticsearch" in args.backends:
        engine_script = load_engine_script()
        home = ROOT / ".data" / "engine-bench"
        shutil.rmtree(home, ignore_errors=True)
        engine_script.start(args.port, home)
        es_url = f"http://127.0.0.1:{args.port}"
    t0 = time.perf_counter()
    base = embedder.encode_documents([p["title_zh"] for p in patents])
    print(f"encoded {len(patents)} real titles once: {time.perf_counter() - t0:.0f} s")
    rows = []
    try:
        for n in args.sizes:
            url = f"sqlite:///{tmp / f'bench-{n}.sqlite3'}"
            t0 = time.perf_counter()
            engine, factory, _ = build_database(url, patents, n, rng)
            docs = documents(n, patents, factory)
            vecs = vectors_for(n, base, np.random.default_rng(n))
            print(f"[{n}] database + documents: {time.perf_counter() - t0:.0f} s")
            for name in args.backends:
                backend = (make_backend(name, url=es_url, prefix="bench", timeout=120) if name == "elasticsearch"
                           else make_backend(name, path=tmp / f"e{n}" / "bench-search.sqlite3"))
                t0 = time.perf_counter()
                backend.rebuild(DocType.OFFER, ((docs[i:i + 2000], vecs[i:i + 2000]) for i in range(0, n, 2000)),
                                embedder.dims)
                build_s = time.perf_counter() - t0
                service = SearchService(backend, lambda: embedder)
                times = time_queries(service, embedder, factory, qs, warm)
                bare, piped = throughput(embedder, factory, backend, patents, rng) if n == args.sizes[0] else (None, None)
                row = {"backend": name, "docs": n, "index_build_s": round(build_s, 1),
                       "index_docs_per_s": round(n / build_s), **{
                           f"{m}_p{q}": round(pct(t, q), 1) for m, t in times.items() for q in (50, 95)}}
                row["hybrid/keyword p95"] = round(row["hybrid_p95"] / row["keyword_p95"], 2)
                if bare:
                    row.update({"encoder_sent_per_s": round(bare, 1), "pipeline_docs_per_s": round(piped, 1),
                                "pipeline/encoder": round(piped / bare, 2)})
                rows.append(row)
                print(json.dumps(row, ensure_ascii=False), flush=True)
                if name == "elasticsearch":
                    backend.drop(DocType.OFFER)
                backend.close()
            engine.dispose()
    finally:
        if engine_script:
            engine_script.stop(ROOT / ".data" / "engine-bench")
        shutil.rmtree(tmp, ignore_errors=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS of this process (model + corpora + embedded indexes): {peak:.0f} MB")
    print("\n| backend | docs | keyword p50/p95 ms | semantic p50/p95 ms | hybrid p50/p95 ms | hybrid/keyword p95 | build docs/s |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['backend']} | {r['docs']:,} | {r['keyword_p50']}/{r['keyword_p95']} | {r['semantic_p50']}/"
              f"{r['semantic_p95']} | {r['hybrid_p50']}/{r['hybrid_p95']} | {r['hybrid/keyword p95']} | "
              f"{r['index_docs_per_s']} |")


if __name__ == "__main__":
    main()
