"""Measure match quality on your own data.

    python -m ipplatform.matching.evaluate --corpus PATENTS.csv --queries DEMANDS.jsonl --out RUN.jsonl \\
        [--backend embedded|elasticsearch] [--top 100] [--qrels QRELS.jsonl] [--engine-url URL]

PATENTS.csv: publication_number, kind, title_zh, ipc_subclasses (``|``-separated) [, abstract_zh].
DEMANDS.jsonl: {"id": "...", "text": "..."} per line. The corpus is indexed as offers in a fresh,
isolated index (embedded: a temporary folder; elasticsearch: indices with a unique prefix, deleted
afterwards). Each line of RUN.jsonl:
{"query_id": "...", "strong_match": true, "results": [{"publication_number": "...", "score": 0.0}, ...]}.
With --qrels ({"query_id", "publication_number", "grade"} per line) it prints nDCG@10, Recall@10/50,
MRR@10 and the judged share of the top 10 of the matcher and of three baselines queried in the same run
with the demand's whole text: jieba-BM25 (the keyword leg alone), dense-only (the embedding leg alone)
and their plain RRF hybrid; overall and, when the demands carry ``hard`` / ``no_answer`` flags, per
subset (ordinary / hard / no-answer); plus precision and recall of the "no strong match" verdict
against both definitions (no grade-2 answer in the corpus; none in the matcher's top 10).
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
from tqdm import tqdm

import ipplatform.models  # noqa: F401  (every mapper: relationships name their targets by string)
from ipplatform import migrate
from ipplatform.config import get_settings
from ipplatform.database import make_engine, session_factory
from ipplatform.matching import corpus as corpus_mod
from ipplatform.matching.features import Candidate, compute
from ipplatform.matching.matcher import Matcher
from ipplatform.matching.metrics import summary, verdict
from ipplatform.matching.ranker import LearnedRanker
from ipplatform.search import fusion
from ipplatform.search.backends.elasticsearch import ElasticsearchBackend
from ipplatform.search.backends.embedded import EmbeddedBackend
from ipplatform.search.backends.protocol import SearchBackend
from ipplatform.search.documents import DocType
from ipplatform.search.embeddings import Embedder, get_embedder
from ipplatform.search.query import SearchFilters


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
    cache_factory: sessionmaker | None = None  # the embedding cache (the offers' vectors)


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
                yield Prepared(factory, pub_of, index, embedder, session_factory(cache_engine))
            finally:
                if backend == "elasticsearch":
                    index.drop(DocType.OFFER)
                index.close()
        finally:
            if cache_engine is not None:
                cache_engine.dispose()
            factory.kw["bind"].dispose()


@dataclass
class Judged:
    """One demand's candidates and features (matcher) and the plain baselines of the same run."""

    qid: str
    demand: dict
    cands: list[Candidate]
    feats: list[dict]
    baselines: dict[str, list[str]]  # bm25, dense, rrf → publication numbers
    ms: float = 0.0  # understanding, retrieval and features of the matcher


SUBSETS = ("ordinary", "hard", "no_answer")


def subset_of(demand: dict) -> str:
    return "no_answer" if demand.get("no_answer") else "hard" if demand.get("hard") else "ordinary"


def collect(corpus: Prepared, demands: list[dict], *, per_leg: int = 100, matcher: Matcher | None = None,
            progress: bool = False) -> list[Judged]:
    """Candidates and features of every demand, and, from the same index, the baselines anyone gets by
    querying its two legs with the demand's whole text: BM25, dense, and their plain RRF hybrid."""
    matcher = matcher or Matcher(corpus.backend, lambda: corpus.embedder, per_leg=per_leg,
                                 vector_db=corpus.cache_factory)
    plain = Matcher(corpus.backend, lambda: corpus.embedder, per_leg=per_leg, legacy=True)
    out = []
    with corpus.factory() as db:
        matcher.prepare_corpus(db)
        for d in tqdm(demands, desc="match demands", unit="demand", disable=not progress):
            qid = str(d["id"])
            t0 = time.perf_counter()
            ctx = matcher.context_for_text(qid, d["text"])
            cands = matcher.candidates(db, ctx)
            feats = compute(ctx, cands, matcher.affinity)
            ms = (time.perf_counter() - t0) * 1000
            base = plain.context_for_text(qid, d["text"])
            got = corpus.backend.retrieve(DocType.OFFER, tokens=base.tokens, vector=base.vector, filters=SearchFilters(),
                                          window=per_leg, facets=False)
            kw = got.keyword.hits if got.keyword else []
            sem = got.semantic.hits if got.semantic else []
            pubs = corpus.pub_of
            out.append(Judged(qid, d, cands, feats, {"bm25": [pubs[i] for i, _ in kw], "dense": [pubs[i] for i, _ in sem],
                                                     "rrf": [pubs[i] for i, _ in fusion.rrf(kw, sem)]}, ms))
    return out


def rank_judged(ranker, j: Judged) -> list[tuple[Candidate, float, dict]]:
    scores = ranker.score_many(j.feats)
    return sorted(zip(j.cands, scores, j.feats), key=lambda x: (-x[1], x[0].id))


def report_runs(runs: dict[str, dict[str, list[str]]], demands: list[dict], qrels: dict) -> dict:
    """Every run's summary over all demands and per subset (ordinary / hard / no-answer)."""
    by_subset = {s: {str(d["id"]) for d in demands if subset_of(d) == s} for s in SUBSETS}
    out = {}
    for name, run in runs.items():
        out[name] = {"all": summary(run, qrels)}
        if any(by_subset[s] for s in ("hard", "no_answer")):
            for s in SUBSETS:
                out[name][s] = summary({q: r for q, r in run.items() if q in by_subset[s]}, qrels)
    return out


def run(args) -> dict:
    rows = corpus_mod.read_corpus(args.corpus)
    demands = read_jsonl(args.queries, ("id", "text"))
    with prepare(rows, args.cache, backend=args.backend, engine_url=args.engine_url,
                 progress=not args.quiet) as corpus:
        matcher = Matcher(corpus.backend, lambda: corpus.embedder, per_leg=max(100, args.top),
                          vector_db=corpus.cache_factory, ranker=load_ranker_file(args.ranker) if args.ranker else None)
        judged = collect(corpus, demands, per_leg=max(100, args.top), matcher=matcher, progress=not args.quiet)
        pub_of = corpus.pub_of
    runs: dict[str, dict[str, list[str]]] = {"matcher": {}, "bm25": {}, "dense": {}, "rrf": {}}
    verdicts = {}
    with open(args.out, "w", encoding="utf-8") as out:
        for j in judged:
            ranked = rank_judged(matcher.ranker, j)[: args.top]
            strong = any(matcher.ranker.strong(f) for _, _, f in ranked[:10])
            runs["matcher"][j.qid] = [pub_of[c.id] for c, _, _ in ranked]
            for name, r in j.baselines.items():
                runs[name][j.qid] = r
            verdicts[j.qid] = strong
            out.write(json.dumps({"query_id": j.qid, "strong_match": strong, "results": [
                {"publication_number": pub_of[c.id], "score": round(s, 6)} for c, s, _ in ranked]},
                ensure_ascii=False) + "\n")
    report = {"demands": len(demands), "corpus": len(rows), "ranker": getattr(matcher.ranker, "source", "linear"),
              "ms_per_demand": sum(j.ms for j in judged) / max(1, len(judged))}
    if args.qrels:
        qrels = read_qrels(args.qrels)
        report["runs"] = report_runs(runs, demands, qrels)
        report["no_strong_match"] = verdict({q: not v for q, v in verdicts.items()}, runs["matcher"], qrels)
    return report


def load_ranker_file(path: Path):
    return LearnedRanker.from_dict(json.loads(Path(path).read_text(encoding="utf-8")), source=str(path))


def print_report(report: dict) -> None:
    print(f"\n{report['demands']} demands against {report['corpus']} patents; ranker: {report['ranker']}; "
          f"{report['ms_per_demand']:.1f} ms per demand (understanding, retrieval, features)")
    if "runs" not in report:
        return
    print(f"\n{'run':8s} {'subset':10s} {'queries':>7s} {'nDCG@10':>8s} {'R@10':>6s} {'R@50':>6s} {'MRR@10':>7s} {'judged@10':>9s}")
    for name, parts in report["runs"].items():
        for subset, m in parts.items():
            print(f"{name:8s} {subset:10s} {m['queries']:7d} {m['ndcg@10']:8.3f} {m['recall@10']:6.3f} "
                  f"{m['recall@50']:6.3f} {m['mrr@10']:7.3f} {m['judged@10']:9.2f}")
    f = report["no_strong_match"]

    def fmt(x):
        return "n/a" if x is None else f"{x:.2f}"

    print(f"\n'no strong match' flagged on {f['flagged']} demands; {f['truly_without_answer']} have no grade-2 "
          f"answer in the corpus: precision {fmt(f['precision'])}, recall {fmt(f['recall'])}")
    print(f"{f['without_answer_in_top10']} have no grade-2 answer in the matcher's top 10: precision "
          f"{fmt(f['precision_top10'])}, recall {fmt(f['recall_top10'])}")


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
    parser.add_argument("--ranker", type=Path, help="a ranker file written by ipplatform.matching.train "
                        "(default: the database's newest, else the shipped model)")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    for p in (args.corpus, args.queries, *( [args.qrels] if args.qrels else [])):
        if not p.exists():
            parser.error(f"{p} does not exist")
    report = run(args)
    print_report(report)
    print(f"run written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
