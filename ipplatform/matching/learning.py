"""Learning to rank matches: LightGBM LambdaRank over the text features, a logistic "strong match"
probability over absolute evidence, leave-fold-out cross-validation by demand, and the calibration of
the verdict's threshold. Used by the training command (``train.py``) and scripts/tune_matcher.py."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import lightgbm as lgb
import numpy as np
from sklearn.linear_model import LogisticRegression

from ipplatform.matching.metrics import ndcg_at, verdict
from ipplatform.matching.ranker import Calibration, Ranker

# The verdict's evidence. All absolute (no share of the best candidate's score): cosines, key-phrase and
# glossary coverage, and field agreement, the share of the technical field of the demand's nearest offers
# that the offer covers — low for every offer when those neighbours are scattered over unrelated fields, i.e.
# when the corpus holds the demand's words but not its technology (out of fold on the development set:
# precision of "no strong match" against "no grade-2 anywhere" 0.43 without it, 0.60–0.75 with it over
# eight fold splits, recall 1.0).
CONFIDENCE_FEATURES = ["semantic", "need_semantic", "clause_max", "keyphrase", "glossary", "coverage", "field_agreement"]
PARAMS = {"objective": "lambdarank", "metric": "ndcg", "eval_at": [10], "label_gain": [0, 1, 3],
          "lambdarank_truncation_level": 30, "num_leaves": 7, "min_data_in_leaf": 30, "learning_rate": 0.05,
          "feature_fraction": 0.9, "bagging_fraction": 0.8, "bagging_freq": 1, "lambda_l2": 1.0,
          "verbose": -1, "num_threads": 1, "deterministic": True, "seed": 7}
ROUNDS = 150
LINEAR_C = 10.0  # inverse L2 strength of the linear ranker (chosen by cross-validation, README)
KINDS = ("logistic", "lambdarank")


@dataclass
class Group:
    """One demand's candidates: feature rows, labels (0/1/2), identifiers."""

    qid: str
    subset: str
    feats: list[dict]
    labels: list[int]
    keys: list[str]  # publication numbers (judged set) or offer ids (feedback)
    grades: dict[str, int] = field(default_factory=dict)  # every judgement of the demand (for nDCG's ideal)
    baseline: list[str] = field(default_factory=list)  # the plain RRF hybrid's ranking


def matrix(feats: list[dict], names: list[str]) -> np.ndarray:
    return np.array([[f.get(n, 0.0) for n in names] for f in feats], dtype=np.float64)


def fit_ranker(groups: list[Group], features: list[str], params: dict | None = None, rounds: int = ROUNDS) -> lgb.Booster:
    p = {**PARAMS, **(params or {}), "monotone_constraints": [1] * len(features)}
    X = np.vstack([matrix(g.feats, features) for g in groups])
    y = np.concatenate([g.labels for g in groups])
    data = lgb.Dataset(X, y, group=[len(g.feats) for g in groups], feature_name=features, free_raw_data=False)
    return lgb.train(p, data, num_boost_round=rounds)


def fit_linear(groups: list[Group], features: list[str], c: float = LINEAR_C) -> LogisticRegression:
    """Pointwise logistic regression: P(an offer is at least related, grade ≥ 1) from the features."""
    X = np.vstack([matrix(g.feats, features) for g in groups])
    y = np.concatenate([[int(lab >= 1) for lab in g.labels] for g in groups])
    return LogisticRegression(C=c, max_iter=5000).fit(X, y)


class Model:
    """A fitted ranking model of either kind, scoring feature rows."""

    def __init__(self, kind: str, groups: list[Group], features: list[str], params: dict | None = None):
        self.kind, self.features = kind, features
        if kind == "lambdarank":
            self.booster = fit_ranker(groups, features, params)
        else:
            self.linear = fit_linear(groups, features)

    def scores(self, feats: list[dict]) -> np.ndarray:
        X = matrix(feats, self.features)
        return self.booster.predict(X) if self.kind == "lambdarank" else self.linear.decision_function(X)

    def to_dict(self, groups: list[Group]) -> dict:
        if self.kind == "lambdarank":
            return {"kind": "lambdarank", "model_text": self.booster.model_to_string()}
        X = np.vstack([matrix(g.feats, self.features) for g in groups])
        return {"kind": "logistic", "coef": [float(c) for c in self.linear.coef_[0]],
                "intercept": float(self.linear.intercept_[0]), "means": [float(m) for m in X.mean(axis=0)]}


def fit_calibration(groups: list[Group], features: list[str] | None = None) -> LogisticRegression:
    X = np.vstack([matrix(g.feats, features or CONFIDENCE_FEATURES) for g in groups])
    y = np.concatenate([[int(lab >= 2) for lab in g.labels] for g in groups])
    return LogisticRegression(C=1.0, max_iter=1000).fit(X, y)


def ranked_keys(model, g: Group) -> tuple[list[str], np.ndarray]:
    s = model.scores(g.feats)
    order = sorted(range(len(s)), key=lambda i: (-s[i], g.keys[i]))
    return [g.keys[i] for i in order], np.array(order)


def cross_validate(groups: list[Group], features: list[str], folds: int, params: dict | None = None,
                   kind: str = "lambdarank", confidence_features: list[str] | None = None,
                   seed: int | None = None) -> dict:
    """Leave-fold-out by demand: per fold, nDCG@10 of the model and of the plain RRF hybrid; out-of-fold
    rankings and best strong-match probabilities per demand (for the verdict's calibration). Demands are
    dealt to folds in identifier order, or shuffled with ``seed``."""
    cf = confidence_features or CONFIDENCE_FEATURES
    qids = sorted(g.qid for g in groups)
    if seed is not None:
        random.Random(seed).shuffle(qids)
    fold_of = {q: i % folds for i, q in enumerate(qids)}
    rows, oof_rank, oof_conf = [], {}, {}
    for k in range(folds):
        train = [g for g in groups if fold_of[g.qid] != k]
        held = [g for g in groups if fold_of[g.qid] == k]
        model = Model(kind, train, features, params)
        cal = fit_calibration(train, cf)
        m, b = [], []
        for g in held:
            keys, order = ranked_keys(model, g)
            oof_rank[g.qid] = keys
            probs = cal.predict_proba(matrix([g.feats[i] for i in order[:10]], cf))[:, 1]
            oof_conf[g.qid] = float(probs.max()) if len(probs) else 0.0
            if any(v >= 1 for v in g.grades.values()):
                m.append(ndcg_at(keys, g.grades))
                b.append(ndcg_at(g.baseline, g.grades))
        rows.append({"fold": k + 1, "demands": len(held), "scored": len(m), "matcher": float(np.mean(m)) if m else 0.0,
                     "rrf": float(np.mean(b)) if b else 0.0})
    return {"folds": rows, "rank": oof_rank, "confidence": oof_conf, "fold_of": fold_of}


def calibrate_threshold(groups: list[Group], confidence: dict[str, float]) -> dict:
    """The threshold that flags every demand without any grade-2 answer (recall 1.0 by that definition)
    with the fewest answerable ones: midway between the most confident answerless demand and the next
    answerable one above it."""
    answerless = [confidence[g.qid] for g in groups if not any(v >= 2 for v in g.grades.values())]
    answerable = sorted(confidence[g.qid] for g in groups if any(v >= 2 for v in g.grades.values()))
    if not answerless:
        return {"threshold": 0.5, "basis": "no answerless demand to calibrate on"}
    top = max(answerless)
    above = [c for c in answerable if c > top]
    tau = (top + above[0]) / 2 if above else top + 1e-6
    return {"threshold": float(tau), "basis": f"{len(answerless)} answerless, {len(answerable)} answerable demands (out of fold)"}


def verdict_table(groups: list[Group], rank: dict[str, list[str]], confidence: dict[str, float], tau: float) -> dict:
    return verdict({g.qid: confidence[g.qid] < tau for g in groups}, rank, {g.qid: g.grades for g in groups})


def verdict_by_fold(groups: list[Group], cv: dict, tau: float) -> list[dict]:
    """The out-of-fold verdict (threshold ``tau``) fold by fold, against both definitions."""
    out = []
    for k in sorted(set(cv["fold_of"].values())):
        v = verdict_table([g for g in groups if cv["fold_of"][g.qid] == k], cv["rank"], cv["confidence"], tau)
        out.append({"fold": k + 1, **v, "hits": round((v["precision"] or 0) * v["flagged"]),
                    "hits_top10": round((v["precision_top10"] or 0) * v["flagged"])})
    return out


def platform_scale(model: Model, groups: list[Group]) -> float:
    """How much wider the model's scores spread within a demand's candidates than the linear ranker's (median
    over the demands of the ratio of standard deviations): the designed platform weights (region, credit,
    learned preference …) were set against the linear scores, so they are scaled by it to keep their
    intended pull (logistic on the development set: about 6)."""
    linear = Ranker()
    ratios = []
    for g in groups:
        a, b = np.std(model.scores(g.feats)), np.std(linear.score_many(g.feats))
        if len(g.feats) > 1 and b > 1e-9:
            ratios.append(a / b)
    return float(np.median(ratios)) if ratios else 1.0


def to_file(model: Model, groups: list[Group], cal: LogisticRegression, tau: float, report: dict) -> dict:
    return {**model.to_dict(groups), "features": model.features,
            "calibration": Calibration(CONFIDENCE_FEATURES, [float(c) for c in cal.coef_[0]], float(cal.intercept_[0]),
                                       tau).to_dict(),
            "platform_scale": report.get("platform_scale", 1.0), "report": report}


