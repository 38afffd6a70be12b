"""Search benchmark: p50/p95 latency of keyword, semantic and hybrid queries through the service layer,
stage by stage, beside the bare floors measured in the same process on the same index; on corpora of
10k and 100k offers, for the embedded backend and the real Elasticsearch node; bulk indexing
throughput against the bare encoder; peak memory.

    .venv/bin/python scripts/bench_search.py [--sizes 10000 100000] [--backends embedded elasticsearch]

Corpus: the 7,798 real patents (title + IPC, ../shared/data/cn-patents-titles-ipc) become offers of
12 demo organisations; beyond 7,798 each real patent is repeated with a synthetic title suffix
“（合成扩展 n）” and the base title's embedding plus small Gaussian noise (re-normalised), so
100k offers need 7,798 encodings rather than 100k (cached in .data/bench-cache/ per model and
runtime). Every generated record is flagged synthetic.
Queries: the 40 judged demands of dev-matching plus 160 short queries cut from real titles, each
timed once per mode, query embedding included (the query LRU is cleared before each mode), and the
JSON rendering the API does (``render``). Stages: see ipplatform/search/timing.py.
Floors, same process, same index, same queries: the bare encoder (``encode``: one sentence, no
cache); Elasticsearch: BM25 alone (the keyword leg's request: ``multi_match`` over the segmented
fields, status filter, size 50), knn alone (k 50, 100 candidates, status filter) and both in one
``_msearch``; embedded: the FTS5 query alone and the matrix product + top-k alone. The hybrid floor
is ``both`` (Elasticsearch) or BM25 + knn (embedded) plus ``encode``; ratios are printed, never
asserted.
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
from ipplatform.search import pipeline, text as textmod  # noqa: E402
from ipplatform.search.backends import make_backend  # noqa: E402
from ipplatform.search.documents import DocType, offer_document  # noqa: E402
from ipplatform.search.embeddings import Embedder, content_hash  # noqa: E402
from ipplatform.search.query import SearchMode, SearchRequest  # noqa: E402
from ipplatform.search.backends.elasticsearch import filter_clauses  # noqa: E402
from ipplatform.search.backends.embedded import fts_query  # noqa: E402
from ipplatform.search.query import SearchFilters  # noqa: E402
from ipplatform.search.service import SearchService  # noqa: E402
from ipplatform.search.timing import STAGES, Timings  # noqa: E402
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
                             "owner_org_id": rng.choice(org_ids) if i < len(patents) else
                             pat_rows[i % len(patents)]["owner_org_id"], "synthetic": True, "created_at": now,
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
    """Search documents built by the production builder from transient ORM objects; an expansion copies
    its base offer's document (same organisation, so the same classification fields) with its own id,
    title, price, modes and date, the suffix's segmentation appended (segmenting 100k titles would
    take longer than the benchmark)."""
    with factory() as db:
        orgs = {o.id: o for o in db.query(Organisation)}
        rows = db.execute(Offer.__table__.select().order_by(Offer.id)).mappings().all()
        prow = db.execute(Patent.__table__.select().order_by(Patent.id)).mappings().all()
    docs = []
    suffixes: dict[str, str] = {}
    for r, pr in zip(rows, prow):
        i = r["id"] - 1
        if i >= len(patents):  # an expansion: the base offer's document, with this row's own fields
            base = docs[i % len(patents)]
            suffix = r["title"][len(base["title"]):]
            seg = suffixes.setdefault(suffix, textmod.segment(suffix))
            owner = orgs[r["owner_org_id"]]
            doc = {**base, "id": r["id"], "title": r["title"], "title_seg": base["title_seg"] + " " + seg,
                   "body_seg": base["body_seg"] + " " + seg, "embed_text": (r["title"] + "。" + r["title"])[:400],
                   "published_at": r["published_at"].timestamp(), "mode": list(r["modes"]),
                   "price": float(r["asking_price"]) if r["asking_price"] is not None else None,
                   "org_id": [str(owner.id)] * 2, "org_kind": [owner.kind.value],
                   "suggest": [r["title"][:50].lower(), *base["suggest"][1:]]}
            docs.append(doc)
            continue
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


def time_queries(service, embedder, factory, qs: list[str], warm: list[str]):
    """Per mode: end-to-end milliseconds and each stage's milliseconds, per query."""
    out, stages = {}, {}
    with factory() as db:
        for q in warm:  # a warm server: the engine's JIT and caches, the encoder's threads (every mode)
            for mode in (SearchMode.KEYWORD, SearchMode.SEMANTIC, SearchMode.HYBRID):
                service.search(db, DocType.OFFER, SearchRequest(q=q, mode=mode))
        for mode in (SearchMode.KEYWORD, SearchMode.SEMANTIC, SearchMode.HYBRID):
            embedder._lru.clear()
            times, per_stage = [], {k: [] for k in STAGES}
            for q in qs:
                tm = Timings()
                result = service.search(db, DocType.OFFER, SearchRequest(q=q, mode=mode), timings=tm)
                with tm.stage("render"):
                    result.model_dump_json()
                tm.finish()
                times.append(tm.ms["total"])
                for k in STAGES:
                    per_stage[k].append(tm.ms.get(k, 0.0))
            out[mode.value], stages[mode.value] = times, per_stage
    return out, stages


def bare_floors(backend, embedder, qs: list[str]) -> dict[str, list[float]]:
    """The engine's and the encoder's own cost on the same queries, without the service around them."""
    vecs = {q: embedder._encode([q])[0] for q in qs}
    toks = {q: textmod.query_tokens(q) for q in qs}
    out = {"encode": [], "bm25": [], "knn": [], "both": []}
    for q in qs:
        t0 = time.perf_counter()
        embedder._encode([q])
        out["encode"].append((time.perf_counter() - t0) * 1000)
    if backend.name == "elasticsearch":
        es, alias = backend.es, backend.alias(DocType.OFFER)
        flt = filter_clauses(SearchFilters())

        def bm25(q):
            return {"query": {"bool": {"must": [{"multi_match": {"query": " ".join(toks[q]), "type": "most_fields",
                    "fields": ["title_seg^2", "body_seg"]}}], "filter": flt}}, "size": 50, "_source": False,
                    "track_total_hits": True}

        def knn(q):
            return {"knn": {"field": "vec", "query_vector": vecs[q].tolist(), "k": 50, "num_candidates": 100,
                            "filter": flt}, "size": 50, "_source": False}

        for name, bodies in (("bm25", lambda q: [bm25(q)]), ("knn", lambda q: [knn(q)]),
                             ("both", lambda q: [bm25(q), knn(q)])):
            for q in qs[:20]:  # warm
                es.msearch(searches=[x for b in bodies(q) for x in ({"index": alias}, b)])
            for q in qs:
                lines = [x for b in bodies(q) for x in ({"index": alias}, b)]
                t0 = time.perf_counter()
                es.msearch(searches=lines)
                out[name].append((time.perf_counter() - t0) * 1000)
    else:
        table = backend._table(DocType.OFFER)
        conn = backend._conn
        for q in qs:
            t0 = time.perf_counter()
            if toks[q]:
                conn.execute("SELECT rowid, -bm25(offer_fts, 2.0, 1.0) FROM offer_fts WHERE offer_fts MATCH ?",
                             (fts_query(toks[q]),)).fetchall()
            t1 = time.perf_counter()
            sims = table.vecs[: table.n] @ vecs[q]
            top = np.argpartition(-sims, 49)[:50]
            top[np.argsort(-sims[top])]
            t2 = time.perf_counter()
            out["bm25"].append((t1 - t0) * 1000)
            out["knn"].append((t2 - t1) * 1000)
            out["both"].append((t2 - t0) * 1000)
    return out


def throughput(embedder, factory, backend, patents, rng, m: int = 1000) -> tuple[float, float]:
    """Sentences/s of the bare encoder vs documents/s through build + encode + index, on the same texts
    (nothing caches them: no database is passed); the bare encoder runs before and after the pipeline and
    its mean rate is the reference, so a drift of the machine during the run cancels out."""
    sample = rng.sample(patents, m)
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

    offers = [offer_of(i, p) for i, p in enumerate(sample)]
    # The bare encoder gets the very texts the pipeline embeds (the documents' embed_text).
    texts = [offer_document(o, 2)["embed_text"] for o in offers]

    def bare_rate() -> float:
        t0 = time.perf_counter()
        embedder._encode(texts)
        return m / (time.perf_counter() - t0)

    def built():
        for j in range(0, m, 200):
            yield [offer_document(o, 2) for o in offers[j:j + 200]]

    before = bare_rate()
    # what python -m ipplatform.search.reindex feeds the backend: built a batch ahead, encoded, written
    batches = pipeline.encoded(built(), lambda docs: embedder.encode_documents([d["embed_text"] for d in docs]))
    t0 = time.perf_counter()  # into the (unused) demand index, so the measured offer index stays as it was
    backend.rebuild(DocType.DEMAND, batches, embedder.dims)
    piped = m / (time.perf_counter() - t0)
    backend.drop(DocType.DEMAND)
    return (before + bare_rate()) / 2, piped


def base_vectors(embedder, patents) -> np.ndarray:
    """The real titles' vectors, encoded once per model and runtime and kept in .data/bench-cache/."""
    titles = [p["title_zh"] for p in patents]
    key = content_hash(embedder.cache_key + "\n" + "\n".join(titles))[:16]
    path = ROOT / ".data" / "bench-cache" / f"titles-{key}.npy"
    if path.exists():
        return np.load(path)
    t0 = time.perf_counter()
    vecs = embedder.encode_documents(titles)
    print(f"encoded {len(titles)} real titles once: {time.perf_counter() - t0:.0f} s")
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, vecs)
    return vecs


def stats(values: list[float]) -> str:
    return f"{pct(values, 50):.1f}/{pct(values, 95):.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--backends", nargs="+", default=["embedded", "elasticsearch"])
    parser.add_argument("--port", type=int, default=9260)
    parser.add_argument("--runtime", default=None, help="embedding runtime (default: IPP_EMBEDDING_RUNTIME)")
    parser.add_argument("--no-throughput", action="store_true", help="skip the bulk indexing comparison")
    args = parser.parse_args()
    rng = random.Random(7)
    patents = real_patents()
    qs = queries(patents, rng)
    warm = [p["title_zh"][:n] for p, n in zip(rng.sample(patents, 100), [6, 12, 30, 60] * 25)]
    embedder = Embedder(runtime=args.runtime)
    print(f"model {embedder.model_name}, runtime {embedder.runtime}, {len(qs)} queries per mode")
    tmp = Path(tempfile.mkdtemp(prefix="ipp-bench-"))
    es_url, engine_script = None, None
    if "elasticsearch" in args.backends:
        engine_script = load_engine_script()
        home = ROOT / ".data" / "engine-bench"
        shutil.rmtree(home, ignore_errors=True)
        engine_script.start(args.port, home)
        es_url = f"http://127.0.0.1:{args.port}"
    base = base_vectors(embedder, patents)
    rows = []
    try:
        for n in args.sizes:
            url = f"sqlite:///{tmp / f'bench-{n}.sqlite3'}"
            t0 = time.perf_counter()
            engine, factory, _ = build_database(url, patents, n, rng)
            docs = documents(n, patents, factory)
            vecs = vectors_for(n, base, np.random.default_rng(n))
            print(f"[{n}] database + documents: {time.perf_counter() - t0:.0f} s", flush=True)
            for name in args.backends:
                backend = (make_backend(name, url=es_url, prefix="bench", timeout=120) if name == "elasticsearch"
                           else make_backend(name, path=tmp / f"e{n}" / "bench-search.sqlite3"))
                t0 = time.perf_counter()
                backend.rebuild(DocType.OFFER, ((docs[i:i + 2000], vecs[i:i + 2000]) for i in range(0, n, 2000)),
                                embedder.dims)
                build_s = time.perf_counter() - t0
                backend.optimize(DocType.OFFER)  # as python -m ipplatform.search.reindex leaves it
                service = SearchService(backend, lambda: embedder)
                times, stages = time_queries(service, embedder, factory, qs, warm)
                floors = bare_floors(backend, embedder, qs)
                do_tp = n == args.sizes[0] and not args.no_throughput
                bare, piped = throughput(embedder, factory, backend, patents, rng) if do_tp else (None, None)
                row = {"backend": name, "docs": n, "index_build_s": round(build_s, 1),
                       "index_docs_per_s": round(n / build_s), **{
                           f"{m}_p{q}": round(pct(t, q), 1) for m, t in times.items() for q in (50, 95)},
                       **{f"bare_{k}_p{q}": round(pct(v, q), 1) for k, v in floors.items() for q in (50, 95)}}
                both = row["bare_both_p95"] if name == "elasticsearch" else row["bare_bm25_p95"] + row["bare_knn_p95"]
                row["hybrid_floor_p95"] = round(both + row["bare_encode_p95"], 1)
                row["hybrid/floor p95"] = round(row["hybrid_p95"] / row["hybrid_floor_p95"], 2)
                row["keyword/bm25 p95"] = round(row["keyword_p95"] / row["bare_bm25_p95"], 2)
                row["semantic/(knn+encode) p95"] = round(
                    row["semantic_p95"] / (row["bare_knn_p95"] + row["bare_encode_p95"]), 2)
                if bare:
                    row.update({"encoder_sent_per_s": round(bare, 1), "pipeline_docs_per_s": round(piped, 1),
                                "pipeline/encoder": round(piped / bare, 2)})
                rows.append(row)
                print(json.dumps(row, ensure_ascii=False), flush=True)
                print(f"\nstages, {name} at {n:,} (ms p50/p95; in hybrid, embed overlaps the keyword leg):")
                print("| stage | " + " | ".join(stages) + " |")
                print("|---|" + "---|" * len(stages))
                for k in STAGES:
                    print(f"| {k} | " + " | ".join(stats(stages[m][k]) for m in stages) + " |")
                print("| floors | " + " | ".join(f"{k} {stats(v)}" for k, v in floors.items()) + " |", flush=True)
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
    print("\n| backend | docs | keyword p50/p95 ms | semantic p50/p95 ms | hybrid p50/p95 ms | bare BM25 / knn / both"
          " / encode p95 | hybrid floor p95 | hybrid / floor | build docs/s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['backend']} | {r['docs']:,} | {r['keyword_p50']}/{r['keyword_p95']} | {r['semantic_p50']}/"
              f"{r['semantic_p95']} | {r['hybrid_p50']}/{r['hybrid_p95']} | {r['bare_bm25_p95']} / "
              f"{r['bare_knn_p95']} / {r['bare_both_p95']} / {r['bare_encode_p95']} | {r['hybrid_floor_p95']} | "
              f"{r['hybrid/floor p95']} | {r['index_docs_per_s']} |")


if __name__ == "__main__":
    main()
