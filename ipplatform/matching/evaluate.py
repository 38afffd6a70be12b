"""Measure match quality on your own data.

    python -m ipplatform.matching.evaluate --corpus PATENTS.csv --queries DEMANDS.jsonl --out RUN.jsonl \\
        [--backend embedded|elasticsearch] [--top 100] [--qrels QRELS.jsonl] [--engine-url URL]

PATENTS.csv: publication_number, kind, title_zh, ipc_subclasses (``|``-separated) [, abstract_zh].
DEMANDS.jsonl: {"id": "...", "text": "..."} per line. The corpus is indexed as offers in a fresh,
isolated index (embedded: a temporary folder; elasticsearch: indices with a unique prefix, deleted
afterwards). Each line of RUN.jsonl:
{"query_id": "...", "strong_match": true, "results": [{"publication_number": "...", "score": 0.0}, ...]}.
With --qrels ({"query_id", "publication_number", "grade"} per line) it prints nDCG@10, Recall@10/50
and MRR@10 of the matcher and of two baselines run in the same process: jieba-BM25 (the keyword leg
alone) and dense-only (the embedding leg alone), plus the precision of the "no strong match" verdict.
Embeddings are cached in --cache (default .data/evaluate-cache.sqlite3), so re-runs are quick.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import sessionmaker

import ipplatform.models  # noqa: F401  (every mapper: relationships name their targets by string)
from ipplatform import migrate
from ipplatform.config import get_settings
from ipplatform.database import make_engine, session_factory
from ipplatform.matching import corpus as corpus_mod
from ipplatform.matching.matcher import Matcher
from ipplatform.matching.metrics import summary
from ipplatform.search.backends.elasticsearch import ElasticsearchBackend
from ipplatform.search.backends.embedded import EmbeddedBackend
from ipplatform.search.backends.protocol import SearchBackend
from ipplatform.search.documents import DocType
from ipplatform.search.embeddings import Embedder, get_embedder


def read_jsonl(path: Path, required: tuple[str, ...]) -> list[dict]:
    rows = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise SystemExit(f"{path}:{n}: not JSON ({exc.msg})") from None
            missing = [k for k in required if k not in row]
            if missing:
                raise SystemExit(f"{path}:{n}: missing {', '.join(missing)}")
            rows.append(row)
    return rows


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    for row in read_jsonl(path, ("query_id", "publication_number", "grade")):
        qrels.setdefault(str(row["query_id"]), {})[row["publication_number"]] = int(row["grade"])
    return qrels


@dataclass
class Prepared:
    """A patent corpus loaded as published offers into a throwaway database and search index."""

    factory: sessionmaker
    pub_of: dict[int, str]  # offer id → publication number
    backend: SearchBackend
    embedder: Embedder


@contextmanager
def prepare(rows: list[dict], cache: Path, *, backend: str = "embedded", engine_url: str | None = None,
            progress: bool = True) -> Iterator[Prepared]:
    """Load and index ``rows`` (from ``corpus.read_corpus``), embeddings cached in the SQLite file
    ``cache``; on exit the index is dropped and closed, the database disposed and its folder removed."""
    cache.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ipp-evaluate-") as tmp:
        factory, pub_of = corpus_mod.load(rows, f"sqlite:///{Path(tmp) / 'corpus.sqlite3'}")
        cache_url = f"sqlite:///{cache}"
        cache_engine = None
        try:
            migrate.upgrade(cache_url)
            cache_engine = make_engine(cache_url)
            embedder = get_embedder()
            if backend == "elasticsearch":
                index = ElasticsearchBackend(engine_url or get_settings().engine_url,
                                             prefix=f"evaluate-{uuid.uuid4().hex[:8]}", timeout=120)
            else:
                index = EmbeddedBackend(Path(tmp) / "index.sqlite3")
            try:
                corpus_mod.index(factory, index, embedder, len(rows), session_factory(cache_engine),
                                 progress=progress)
                yield Prepared(factory, pub_of, index, embedder)
            finally:
                if backend == "elasticsearch":
                    index.drop(DocType.OFFER)
                index.close()
        finally:
            if cache_engine is not None:
                cache_engine.dispose()
            factory.kw["bind"].dispose()


def run(args) -> dict:
    rows = corpus_mod.read_corpus(args.corpus)
    demands = read_jsonl(args.queries, ("id", "text"))
    with prepare(rows, args.cache, backend=args.backend, engine_url=args.engine_url,
                 progress=not args.quiet) as corpus:
        pub_of = corpus.pub_of
        matcher = Matcher(corpus.backend, lambda: corpus.embedder, per_leg=max(100, args.top))
        runs, bm25, dense, verdicts, times = {}, {}, {}, {}, []
        with open(args.out, "w", encoding="utf-8") as out, corpus.factory() as db:
            for d in demands:
                t0 = time.perf_counter()
                ctx = matcher.context_for_text(str(d["id"]), d["text"])
                cands = matcher.candidates(db, ctx)
                ranked = matcher.rank(ctx, cands)[: args.top]
                times.append((time.perf_counter() - t0) * 1000)
                qid = str(d["id"])
                strong = any(matcher.ranker.strong(r.features) for r in ranked[:10])
                runs[qid] = [pub_of[r.candidate.id] for r in ranked]
                verdicts[qid] = strong
                bm25[qid] = [pub_of[c.id] for c in sorted(cands, key=lambda c: (-c.kw_score, c.id)) if c.kw_score > 0]
                dense[qid] = [pub_of[c.id] for c in sorted(cands, key=lambda c: (-c.semantic, c.id))]
                out.write(json.dumps({"query_id": qid, "strong_match": strong, "results": [
                    {"publication_number": pub_of[r.candidate.id], "score": round(r.score, 6)} for r in ranked]},
                    ensure_ascii=False) + "\n")
    report = {"demands": len(demands), "corpus": len(rows), "ms_per_demand": sum(times) / max(1, len(times))}
    if args.qrels:
        qrels = read_qrels(args.qrels)
        report["matcher"] = summary(runs, qrels)
        report["bm25"] = summary(bm25, qrels)
        report["dense"] = summary(dense, qrels)
        # The verdict "no strong match": right when no judged grade-2 answer exists for the demand.
        flagged = [q for q in runs if not verdicts[q] and q in qrels]
        answerless = {q for q in runs if q in qrels and not any(g >= 2 for g in qrels[q].values())}
        missed = {q for q in runs if q in qrels and not any(qrels[q].get(p, 0) >= 2 for p in runs[q][:10])}
        report["no_strong_match"] = {
            "flagged": len(flagged), "truly_without_answer": len(answerless),
            "precision": (sum(q in answerless for q in flagged) / len(flagged)) if flagged else None,
            "recall": (sum(q in answerless for q in flagged) / len(answerless)) if answerless else None,
            "without_answer_in_top10": len(missed),
            "precision_top10": (sum(q in missed for q in flagged) / len(flagged)) if flagged else None,
            "recall_top10": (sum(q in missed for q in flagged) / len(missed)) if missed else None}
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--queries", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--backend", choices=["embedded", "elasticsearch"], default="embedded")
    parser.add_argument("--engine-url", default=None)
    parser.add_argument("--top", type=int, default=100)
    parser.add_argument("--qrels", type=Path)
    parser.add_argument("--cache", type=Path, default=get_settings().data_dir / "evaluate-cache.sqlite3")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    for p in (args.corpus, args.queries, *( [args.qrels] if args.qrels else [])):
        if not p.exists():
            parser.error(f"{p} does not exist")
    report = run(args)
    print(f"\n{report['demands']} demands against {report['corpus']} patents; "
          f"{report['ms_per_demand']:.1f} ms per demand; run written to {args.out}")
    if "matcher" in report:
        print(f"\n{'run':10s} {'queries':>7s} {'nDCG@10':>8s} {'R@10':>6s} {'R@50':>6s} {'MRR@10':>7s}")
        for name in ("matcher", "bm25", "dense"):
            m = report[name]
            print(f"{name:10s} {m['queries']:7d} {m['ndcg@10']:8.3f} {m['recall@10']:6.3f} {m['recall@50']:6.3f} "
                  f"{m['mrr@10']:7.3f}")
        f = report["no_strong_match"]
        prec = "n/a" if f["precision"] is None else f"{f['precision']:.2f}"
        rec = "n/a" if f["recall"] is None else f"{f['recall']:.2f}"
        print(f"\n'no strong match' flagged on {f['flagged']} demands; {f['truly_without_answer']} have no grade-2 "
              f"answer in the corpus: precision {prec}, recall {rec}")
        p10 = "n/a" if f["precision_top10"] is None else f"{f['precision_top10']:.2f}"
        r10 = "n/a" if f["recall_top10"] is None else f"{f['recall_top10']:.2f}"
        print(f"{f['without_answer_in_top10']} have no grade-2 answer in the matcher's top 10: precision {p10}, "
              f"recall {r10}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
