"""Relevance check of the search choices on the judged development set (../shared/data/dev-matching).

Indexes the 7,798 real patents (title + IPC) as documents in the embedded backend, runs the 40
enterprise demands, and prints nDCG@10 / Recall@50 for: keyword with jieba ``cut_for_search`` vs
precise ``lcut`` segmentation, dense only, and hybrid fused by RRF (k = 60) vs weighted fusion
(alpha 0.3 / 0.5 / 0.7). Gain 2^g − 1, ideal DCG from all judged grades, unjudged = 0 (as the
set's README). Usage: .venv/bin/python scripts/bench_relevance.py
"""

from __future__ import annotations

import csv
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import ipplatform  # noqa: E402,F401  (one BLAS thread, before numpy loads)
import jieba  # noqa: E402
import numpy as np  # noqa: E402

from ipplatform.matching.metrics import ndcg_at, recall_at  # noqa: E402
from ipplatform.search import fusion, text  # noqa: E402
from ipplatform.search.backends.embedded import EmbeddedBackend  # noqa: E402
from ipplatform.search.documents import DocType  # noqa: E402
from ipplatform.search.embeddings import Embedder  # noqa: E402
from ipplatform.search.query import SearchFilters  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
PATENTS = DATA / "cn-patents-titles-ipc" / "patents.csv"
DEV = DATA / "dev-matching"


def precise_tokens(s: str) -> list[str]:
    text._init()
    return [t.lower() for t in jieba.lcut(s) if t.strip() and text._TOKEN_RE.fullmatch(t.strip())
            and t.lower() not in text.STOPWORDS and not (len(t) == 1 and not t.isascii())]


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--window", type=int, default=50, help="hits per leg before fusion (the service uses 50)")
    window = parser.parse_args().window
    with open(PATENTS, encoding="utf-8") as fh:
        patents = [r for r in csv.DictReader(fh) if r["title_zh"].strip()]
    demands = [json.loads(line) for line in open(DEV / "demands.jsonl", encoding="utf-8")]
    qrels: dict[str, dict[str, int]] = {}
    for line in open(DEV / "qrels.jsonl", encoding="utf-8"):
        q = json.loads(line)
        qrels.setdefault(q["query_id"], {})[q["publication_number"]] = q["grade"]
    answerable = [d for d in demands if not d.get("no_answer")]
    pubs = [p["publication_number"] for p in patents]

    embedder = Embedder()
    t0 = time.perf_counter()
    vecs = embedder.encode_documents([p["title_zh"] for p in patents])
    print(f"encoded {len(patents)} titles in {time.perf_counter() - t0:.0f} s")
    qvecs = {d["id"]: embedder.encode_query(d["text"]) for d in demands}

    tmp = Path(tempfile.mkdtemp())
    backends = {}
    for name, seg in (("cut_for_search", text.tokens), ("lcut", precise_tokens)):
        backend = EmbeddedBackend(tmp / f"{name}.sqlite3")
        docs = [{"id": i, "version": 1, "status": "published", "title": p["title_zh"],
                 "title_seg": " ".join(seg(p["title_zh"])), "body_seg": " ".join(p["ipc_subclasses"].lower().split("|")),
                 "mode": [], "suggest": []} for i, p in enumerate(patents)]
        backend.upsert(DocType.OFFER, docs, vecs)
        backends[name] = (backend, seg)

    def legs(backend, seg, d):
        got = backend.retrieve(DocType.OFFER, tokens=tuple(dict.fromkeys(seg(d["text"]))), vector=qvecs[d["id"]],
                               filters=SearchFilters(), window=window, facets=False)
        return got.keyword.hits, got.semantic.hits

    runs: dict[str, list[list[str]]] = {}
    for d in answerable:
        kw_s, sem = legs(*backends["cut_for_search"], d)
        kw_p, _ = legs(*backends["lcut"], d)
        candidates = {
            "keyword (cut_for_search)": kw_s, "keyword (lcut)": kw_p, "dense only": sem,
            "hybrid RRF k=60": fusion.rrf(kw_s, sem),
            "hybrid weighted a=0.3": fusion.weighted(kw_s, sem, 0.3),
            "hybrid weighted a=0.5": fusion.weighted(kw_s, sem, 0.5),
            "hybrid weighted a=0.7": fusion.weighted(kw_s, sem, 0.7),
        }
        for name, ranked in candidates.items():
            runs.setdefault(name, []).append([pubs[i] for i, _ in ranked])

    print(f"\n{len(answerable)} answerable demands, {window} hits per leg; nDCG@10 (all / ordinary / hard), Recall@50")
    print(f"{'run':28s} {'nDCG@10':>8s} {'ordinary':>9s} {'hard':>6s} {'R@50':>6s}")
    for name, ranked_lists in runs.items():
        scores = [ndcg_at(r, qrels.get(d["id"], {})) for r, d in zip(ranked_lists, answerable)]
        hard = [s for s, d in zip(scores, answerable) if d.get("hard")]
        ordinary = [s for s, d in zip(scores, answerable) if not d.get("hard")]
        r50 = np.mean([recall_at(r, qrels.get(d["id"], {}), 50) for r, d in zip(ranked_lists, answerable)])
        print(f"{name:28s} {np.mean(scores):8.3f} {np.mean(ordinary):9.3f} {np.mean(hard):6.3f} {r50:6.3f}")


if __name__ == "__main__":
    main()
