"""Train the learned ranker: ``python -m ipplatform.matching.train``.

    python -m ipplatform.matching.train --corpus PATENTS.csv --demands DEMANDS.jsonl --qrels QRELS.jsonl \\
        [--folds 5] [--backend embedded|elasticsearch] [--feedback] [--store] [--out FILE] [--ship]

Judged demands (the evaluate command's files) are matched against their corpus as the evaluate
command does; with ``--feedback`` the platform's own feedback is added (each rated match of a demand
labelled from its rating and intent). A LightGBM LambdaRank model is fitted over the text features
(monotone: more similarity never lowers a score), and a logistic model over absolute evidence gives
the "strong match" probability. Leave-fold-out cross-validation *by demand* reports, per fold, the
model's nDCG@10 against the plain RRF hybrid of the same run; the verdict's threshold is calibrated on
out-of-fold probabilities. The model is written to ``{IPP_DATA_DIR}/ranker/`` with its provenance;
``--store`` also makes it the database's active model (the matcher loads it), ``--ship`` writes it as
the model shipped with the code (``ipplatform/matching/ranker_model.json``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from ipplatform.config import get_settings
from ipplatform.matching import corpus as corpus_mod
from ipplatform.matching import evaluate, train_feedback
from ipplatform.matching.features import TEXT_FEATURES
from ipplatform.matching.learning import (KINDS, LINEAR_C, PARAMS, ROUNDS, Group, Model, calibrate_threshold,
                                          cross_validate, fit_calibration, platform_scale, to_file,
                                          verdict_by_fold, verdict_table)
from ipplatform.matching.ranker import SHIPPED, LearnedRanker

def judged_groups(judged: list[evaluate.Judged], pub_of: dict[int, str], qrels: dict) -> list[Group]:
    out = []
    for j in judged:
        grades = qrels.get(j.qid, {})
        keys = [pub_of[c.id] for c in j.cands]
        out.append(Group(j.qid, evaluate.subset_of(j.demand), j.feats, [grades.get(k, 0) for k in keys], keys,
                         grades, j.baselines["rrf"]))
    return out



def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--demands", type=Path, required=True)
    parser.add_argument("--qrels", type=Path, required=True)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--backend", choices=["embedded", "elasticsearch"], default="embedded")
    parser.add_argument("--engine-url", default=None)
    parser.add_argument("--cache", type=Path, default=get_settings().data_dir / "evaluate-cache.sqlite3")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--store", action="store_true", help="make it the database's active model")
    parser.add_argument("--feedback", action="store_true", help="add the platform's feedback as training groups")
    parser.add_argument("--kind", action="append", choices=KINDS,
                        help="model kind(s) to cross-validate; the best is kept (default: both)")
    parser.add_argument("--ship", action="store_true", help=f"write it to {SHIPPED.name} (the default model)")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    rows = corpus_mod.read_corpus(args.corpus)
    demands = evaluate.read_jsonl(args.demands, ("id", "text"))
    qrels = evaluate.read_qrels(args.qrels)
    with evaluate.prepare(rows, args.cache, backend=args.backend, engine_url=args.engine_url) as corpus:
        judged = evaluate.collect(corpus, demands, progress=True)
        groups = judged_groups(judged, corpus.pub_of, qrels)
    extra = train_feedback.groups() if args.feedback else []
    features = list(TEXT_FEATURES)
    # feedback groups are not judged against a corpus: training only, never scored
    cvs = {kind: cross_validate(groups, features, args.folds, kind=kind) for kind in (args.kind or KINDS)}
    mean = {k: sum(r["matcher"] * r["scored"] for r in cv["folds"]) / max(1, sum(r["scored"] for r in cv["folds"]))
            for k, cv in cvs.items()}
    kind = max(mean, key=mean.get)
    cv = cvs[kind]
    tau = calibrate_threshold(groups, cv["confidence"])
    model = Model(kind, groups + extra, features)
    cal = fit_calibration(groups + extra)
    report = {"trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "corpus": str(args.corpus),
              "demands": str(args.demands), "judged_groups": len(groups), "feedback_groups": len(extra),
              "encoder": corpus.embedder.model_name, "kind": kind, "cv_mean": mean, "folds": cv["folds"],
              "folds_by_kind": {k: c["folds"] for k, c in cvs.items()}, "threshold": tau,
              "verdict_out_of_fold": verdict_table(groups, cv["rank"], cv["confidence"], tau["threshold"]),
              "verdict_by_fold": verdict_by_fold(groups, cv, tau["threshold"]),
              "params": {"lambdarank": {**PARAMS, "rounds": ROUNDS}, "logistic": {"C": LINEAR_C}},
              "platform_scale": round(platform_scale(model, groups), 3),
              "seconds": round(time.perf_counter() - t0, 1)}
    data = to_file(model, groups + extra, cal, tau["threshold"], report)
    out = args.out or get_settings().data_dir / "ranker" / f"ranker-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"\nleave-fold-out by demand, nDCG@10 (kept: {kind})")
    print(f"{'fold':>4s} {'demands':>7s} " + " ".join(f"{k:>10s}" for k in cvs) + f" {'plain rrf':>10s}")
    for i, r in enumerate(cv["folds"]):
        print(f"{r['fold']:4d} {r['demands']:7d} " + " ".join(f"{c['folds'][i]['matcher']:10.3f}" for c in cvs.values())
              + f" {r['rrf']:10.3f}")
    print("mean " + " ".join(f"{k} {v:.3f}" for k, v in mean.items()))
    print(f"verdict threshold {tau['threshold']:.3f} ({tau['basis']}); out of fold: {report['verdict_out_of_fold']}")
    print("verdict per fold (flagged; no grade-2 anywhere: hits / demands; none in the top 10: hits / demands)")
    for v in report["verdict_by_fold"]:
        print(f"{v['fold']:4d} flagged {v['flagged']}; anywhere {v['hits']}/{v['truly_without_answer']}; "
              f"top 10 {v['hits_top10']}/{v['without_answer_in_top10']}")
    print(f"model written to {out}")
    if args.ship:
        SHIPPED.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"shipped as {SHIPPED}")
    if args.store:
        row_id = train_feedback.store(data, source=str(out))
        print(f"stored as ranker_model #{row_id} (active)")
    LearnedRanker.from_dict(data)  # the file loads
    return 0


if __name__ == "__main__":
    sys.exit(main())
