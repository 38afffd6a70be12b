"""The query encoder on its own: each runtime (PyTorch, ONNX Runtime float32, ONNX Runtime int8) on the
same texts, in one process — query encode p50/p95 (short queries and long demands), bulk throughput,
dev-set quality (nDCG@10 of dense-only and hybrid RRF retrieval over the 7,798 real patents, as
scripts/bench_relevance.py), and the calibration of the semantic floor.

    .venv/bin/python scripts/bench_encoder.py [--runtimes torch onnx onnx-int8] [--repeat 100]

Floor calibration (what ``ipplatform/search/service.py`` FLOORS holds): the highest cosine, on a 0.005
grid, at which dev-set nDCG@10 of both semantic-only and hybrid retrieval stays within 0.001 of no floor
(the service's rule: semantic-only shows neighbours at or above the floor; hybrid fuses the keyword leg
with the neighbours at or above it: one knn serves ranking, count and facets). Printed beside it: how many nonsense queries
have no patent at or above the floor ("no close match") among the 7,798 real patents.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import ipplatform  # noqa: E402,F401  (BLAS threads before numpy loads)
import numpy as np  # noqa: E402

from ipplatform.matching.metrics import ndcg_at  # noqa: E402
from ipplatform.search import fusion, text  # noqa: E402
from ipplatform.search.backends.embedded import EmbeddedBackend  # noqa: E402
from ipplatform.search.documents import DocType  # noqa: E402
from ipplatform.search.embeddings import Embedder  # noqa: E402
from ipplatform.search.query import SearchFilters  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
NONSENSE = ["asdfghjkl", "qwertyuiop zxcv", "今天天气怎么样", "我想吃火锅和烤鸭", "周末去哪里玩比较好", "哈哈哈哈哈",
            "xyzzy plugh", "一二三四五六七", "猫咪为什么喜欢纸箱", "明星八卦新闻"]


def pct(values, q) -> float:
    return float(np.percentile(values, q))


def timed(fn, items, repeat: int) -> list[float]:
    out = []
    for i in range(repeat):
        t0 = time.perf_counter()
        fn(items[i % len(items)])
        out.append((time.perf_counter() - t0) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runtimes", nargs="+", default=["torch", "onnx", "onnx-int8"])
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--bulk", type=int, default=1000, help="documents for the throughput figure")
    parser.add_argument("--latency-only", action="store_true", help="skip quality and floor calibration")
    args = parser.parse_args()
    with open(DATA / "cn-patents-titles-ipc" / "patents.csv", encoding="utf-8") as fh:
        patents = [r for r in csv.DictReader(fh) if r["title_zh"].strip()]
    demands = [json.loads(line) for line in open(DATA / "dev-matching" / "demands.jsonl", encoding="utf-8")]
    qrels: dict[str, dict[str, int]] = {}
    for line in open(DATA / "dev-matching" / "qrels.jsonl", encoding="utf-8"):
        q = json.loads(line)
        qrels.setdefault(q["query_id"], {})[q["publication_number"]] = q["grade"]
    answerable = [d for d in demands if not d.get("no_answer")]
    pubs = [p["publication_number"] for p in patents]
    index = {p: i for i, p in enumerate(pubs)}
    short = [t for p in patents[:400] for t in text.tokens(p["title_zh"]) if len(t) >= 3][:200]
    long = [d["text"] for d in demands]
    bulk = [p["title_zh"] + "。" + p["ipc_subclasses"] for p in patents[-args.bulk:]]
    rows = []
    for runtime in args.runtimes:
        embedder = Embedder(runtime=runtime)
        embedder._encode(short[:8])  # warm
        q_short = timed(lambda s: embedder._encode([s]), short, args.repeat)
        q_long = timed(lambda s: embedder._encode([s]), long, args.repeat)
        t0 = time.perf_counter()
        embedder._encode(bulk)
        per_s = len(bulk) / (time.perf_counter() - t0)
        if args.latency_only:
            row = {"runtime": runtime, "short_p50": round(pct(q_short, 50), 1), "short_p95": round(pct(q_short, 95), 1),
                   "long_p50": round(pct(q_long, 50), 1), "long_p95": round(pct(q_long, 95), 1),
                   "bulk_docs_per_s": round(per_s, 1)}
            print(json.dumps(row, ensure_ascii=False), flush=True)
            continue
        vecs = embedder._encode([p["title_zh"] for p in patents])
        qv = {d["id"]: embedder._encode([d["text"]])[0] for d in demands}
        backend = EmbeddedBackend(Path(f"/tmp/bench-encoder-{runtime}.sqlite3"))
        backend.drop(DocType.OFFER)
        docs = [{"id": i, "version": 1, "status": "published", "title": p["title_zh"],
                 "title_seg": text.segment(p["title_zh"]), "body_seg": " ".join(p["ipc_subclasses"].lower().split("|")),
                 "mode": [], "suggest": []} for i, p in enumerate(patents)]
        backend.upsert(DocType.OFFER, docs, vecs)
        def ndcg(floor_):
            dense, hybrid = [], []
            for d in answerable:
                judged = qrels.get(d["id"], {})
                sem = backend.retrieve(DocType.OFFER, tokens=(), vector=qv[d["id"]], filters=SearchFilters(),
                                       window=50, facets=False, floor=floor_, semantic_k=200).semantic.hits
                dense.append(ndcg_at([pubs[i] for i, _ in sem], judged))
                got = backend.retrieve(DocType.OFFER, tokens=text.query_tokens(d["text"]), vector=qv[d["id"]],
                                       filters=SearchFilters(), window=50, facets=False, floor=floor_, semantic_k=200)
                keep = {i for i, _ in got.keyword.hits} | {i for i, c in got.semantic.hits
                                                           if floor_ is None or c >= floor_}
                fused = [i for i, _ in fusion.rrf(got.keyword.hits, got.semantic.hits) if i in keep]
                hybrid.append(ndcg_at([pubs[i] for i in fused], judged))
            return round(float(np.mean(dense)), 4), round(float(np.mean(hybrid)), 4)

        dense, hybrid = ndcg(None)
        floor, dense_f, hybrid_f = None, dense, hybrid
        dropped = False
        for candidate in np.round(np.arange(0.60, 0.80, 0.005), 3):
            d_f, h_f = ndcg(float(candidate))
            print(f"  floor {candidate:.3f}: dense {d_f:.4f} hybrid {h_f:.4f}", flush=True)
            dropped = dropped or dense - d_f > 0.001 or hybrid - h_f > 0.001
            if dropped and candidate >= 0.73:
                break
            if not dropped:
                floor, dense_f, hybrid_f = float(candidate), d_f, h_f
        backend.close()
        below = sum(float((vecs @ embedder._encode([q])[0]).max()) < (floor or -1) for q in NONSENSE)
        row = {"runtime": runtime, "short_p50": round(pct(q_short, 50), 1), "short_p95": round(pct(q_short, 95), 1),
               "long_p50": round(pct(q_long, 50), 1), "long_p95": round(pct(q_long, 95), 1),
               "bulk_docs_per_s": round(per_s, 1), "dense_ndcg10": dense, "hybrid_ndcg10": hybrid,
               "floor": floor, "dense_ndcg10_floor": dense_f, "hybrid_ndcg10_floor": hybrid_f,
               "nonsense_below_floor": f"{below}/{len(NONSENSE)}"}
        rows.append(row)
        print(json.dumps(row, ensure_ascii=False), flush=True)
    if args.latency_only:
        return
    print("\n| runtime | short query p50/p95 ms | demand p50/p95 ms | bulk docs/s | dense / hybrid nDCG@10 | "
          "floor | with floor: dense / hybrid | nonsense below floor |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['runtime']} | {r['short_p50']}/{r['short_p95']} | {r['long_p50']}/{r['long_p95']} | "
              f"{r['bulk_docs_per_s']} | {r['dense_ndcg10']} / {r['hybrid_ndcg10']} | {r['floor']} | "
              f"{r['dense_ndcg10_floor']} / {r['hybrid_ndcg10_floor']} | {r['nonsense_below_floor']} |")


if __name__ == "__main__":
    main()
