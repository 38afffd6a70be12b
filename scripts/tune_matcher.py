"""Cross-validated ablation of the matcher on the judged development set.

    .venv/bin/python scripts/tune_matcher.py [--folds 5] [--backend embedded|elasticsearch]

Loads the 7,798 real patents into a throwaway index (the evaluate command's path) and collects every
demand's candidates and features under several configurations of query understanding (full; without
the glossary; without setting context clauses aside; with the semantic leg on the need instead of the
whole text; with each clause encoded on its own instead of from the need's one encoder pass), then
scores, by leave-fold-out cross-validation by demand, the learned rankers (logistic regression and
LightGBM LambdaRank) with all features and with each feature group left out, against the plain RRF
hybrid of the same run, overall and on the ordinary and hard demands; then the "no strong match"
verdict out of fold with each evidence set (precision and recall against both definitions, overall and
per fold). Prints the tables the README shows. The model itself is trained by
``python -m ipplatform.matching.train``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import ipplatform.models  # noqa: E402,F401
import numpy as np  # noqa: E402

from ipplatform.config import get_settings  # noqa: E402
from ipplatform.matching import corpus as corpus_mod  # noqa: E402
from ipplatform.matching import evaluate, learning, train  # noqa: E402
from ipplatform.matching.features import TEXT_FEATURES  # noqa: E402
from ipplatform.matching.matcher import Matcher  # noqa: E402
from ipplatform.matching.metrics import ndcg_at  # noqa: E402
from ipplatform.matching.understand import Glossary  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
DROPS = {"clause similarity": ["clause_max", "clause_mean"], "need similarity": ["need_semantic"],
         "key phrases (IDF)": ["keyphrase", "title_coverage"], "glossary feature": ["glossary"],
         "IPC coherence": ["ipc_coherence"], "fused rank": ["fused"], "lexical (BM25)": ["lexical", "coverage"]}
VERDICT_EVIDENCE = {"cosines, key phrases, glossary, coverage": [f for f in learning.CONFIDENCE_FEATURES
                                                                 if f != "field_agreement"],
                    "the same + field agreement (shipped)": learning.CONFIDENCE_FEATURES,
                    "shipped + title coverage": learning.CONFIDENCE_FEATURES + ["title_coverage"],
                    "shipped + lexical": learning.CONFIDENCE_FEATURES + ["lexical"]}
SPLITS = 8  # fold splits the verdict's precision is also measured over (demands shuffled)


def configured(corpus, name: str) -> Matcher:
    m = Matcher(corpus.backend, lambda: corpus.embedder, vector_db=corpus.cache_factory)
    prepare = m.prepare_corpus
    if name == "no glossary":
        m.prepare_corpus = lambda db: (prepare(db), setattr(m, "glossary", Glossary()))
    elif name == "no context split":
        m.split_context = False
    elif name == "need on the semantic leg":
        m.retrieve_whole = False
    elif name == "clauses encoded on their own":
        m.late_clauses = False
    return m


def means(groups, rank) -> dict[str, float]:
    out = {}
    for subset in ("all", "ordinary", "hard"):
        gs = [g for g in groups if (subset == "all" or g.subset == subset) and any(v >= 1 for v in g.grades.values())]
        out[subset] = float(np.mean([ndcg_at(rank[g.qid], g.grades) for g in gs]))
    return out


def line(label: str, m: dict, base: dict | None = None) -> str:
    rel = f"  ({(m['all'] / base['all'] - 1) * 100:+.1f} % vs RRF)" if base else ""
    return f"  {label:44s} {m['all']:.3f} {m['ordinary']:.3f} {m['hard']:.3f}{rel}"


def verdict_lines(groups, features) -> None:
    def pr(p, r):
        return "n/a" if p is None else f"{p:.2f}/{r:.2f}"

    for label, evidence in VERDICT_EVIDENCE.items():
        cv = learning.cross_validate(groups, features, 5, kind="logistic", confidence_features=evidence)
        tau = learning.calibrate_threshold(groups, cv["confidence"])["threshold"]
        v = learning.verdict_table(groups, cv["rank"], cv["confidence"], tau)
        folds = ", ".join(f"{f['flagged']} flagged {f['hits']}/{f['truly_without_answer']} {f['hits_top10']}/"
                          f"{f['without_answer_in_top10']}" for f in learning.verdict_by_fold(groups, cv, tau))
        print(f"  {label:44s} flagged {v['flagged']:2d}; anywhere P/R {pr(v['precision'], v['recall'])}; "
              f"top 10 P/R {pr(v['precision_top10'], v['recall_top10'])}  ({folds})")
        split = []
        for seed in range(SPLITS):
            s = learning.cross_validate(groups, features, 5, kind="logistic", confidence_features=evidence, seed=seed)
            t = learning.calibrate_threshold(groups, s["confidence"])["threshold"]
            split.append(learning.verdict_table(groups, s["rank"], s["confidence"], t)["precision"] or 0.0)
        print(f"  {'':44s} precision over {SPLITS} shuffled fold splits: {' '.join(f'{p:.2f}' for p in split)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--backend", choices=["embedded", "elasticsearch"], default="embedded")
    args = parser.parse_args()
    rows = corpus_mod.read_corpus(DATA / "cn-patents-titles-ipc" / "patents.csv")
    demands = evaluate.read_jsonl(DATA / "dev-matching" / "demands.jsonl", ("id", "text"))
    qrels = evaluate.read_qrels(DATA / "dev-matching" / "qrels.jsonl")
    configs = ["full", "no glossary", "no context split", "need on the semantic leg", "clauses encoded on their own"]
    collected = {}
    with evaluate.prepare(rows, get_settings().data_dir / "evaluate-cache.sqlite3", backend=args.backend) as corpus:
        for name in configs:
            judged = evaluate.collect(corpus, demands, matcher=configured(corpus, name))
            collected[name] = train.judged_groups(judged, corpus.pub_of, qrels)
    full = collected["full"]
    rrf = means(full, {g.qid: g.baseline for g in full})
    features = list(TEXT_FEATURES)
    print(f"\nnDCG@10, {args.folds}-fold leave-fold-out by demand        all   ordin. hard")
    print(line("plain RRF hybrid (BM25 + dense, whole text)", rrf))
    print(line("RRF of the understood query's legs (no model)", means(full, {
        g.qid: [g.keys[i] for i in sorted(range(len(g.keys)), key=lambda i: -g.feats[i]["fused"])] for g in full}), rrf))
    for kind in learning.KINDS:
        cv = learning.cross_validate(full, features, args.folds, kind=kind)
        print(line(f"{kind}, all features", means(full, cv["rank"]), rrf))
        if kind == "logistic":
            print("    per fold (matcher / RRF): " + ", ".join(f"{r['matcher']:.3f}/{r['rrf']:.3f}" for r in cv["folds"]))
    print("\nablation (logistic ranker, cross-validated):")
    for name in configs[1:]:
        groups = collected[name]
        print(line(f"{name}", means(groups, learning.cross_validate(groups, features, args.folds, kind="logistic")["rank"]),
                   rrf))
    for label, drop in DROPS.items():
        kept = [f for f in features if f not in drop]
        print(line(f"without {label}", means(full, learning.cross_validate(full, kept, args.folds, kind="logistic")["rank"]),
                   rrf))
    print("\n'no strong match' out of fold (threshold at recall 1.0 against no grade-2 anywhere), by evidence;"
          "\n  per fold: flagged, hits / demands without grade-2 anywhere, hits / demands without one in the top 10:")
    verdict_lines(full, features)


if __name__ == "__main__":
    main()
