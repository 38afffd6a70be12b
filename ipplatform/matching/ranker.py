"""Match scores: a learned ranker (LightGBM LambdaRank over the text features) plus designed weights
for the platform features, the per-feature contributions that explain a score, and the calibrated
"strong match" verdict.

- ``LearnedRanker``: trained by ``python -m ipplatform.matching.train`` on judged demands and the
  platform's feedback, either a logistic regression (the cross-validation winner on the development
  set) or a LightGBM LambdaRank model; the text features' contributions are coefficient × (value −
  training mean), or LightGBM's ``pred_contrib`` (SHAP values), and the platform features' (region,
  mode, price, freshness, credit, industry affinity, learned preference), which a judged title corpus
  cannot teach, come from their designed weights, added on top.
- The verdict: a logistic model over *absolute* evidence (cosines, key-phrase and glossary coverage,
  field agreement — how much of the technical field the demand's nearest offers agree on the offer
  covers, low for all of them when those neighbours are scattered over unrelated fields; never scores
  relative to the best candidate, which always crown some top result) gives the probability that an
  offer directly answers the demand; "no strong match" when the best of the top 10 is below a
  threshold calibrated out of fold.
- ``Ranker``: the previous linear score, kept as the fallback and the point of comparison.

Where the model comes from (``load_ranker``): the newest active ``ranker_model`` row, else the model
shipped with the code (``ranker_model.json``, trained on the development set), else ``Ranker``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sqlalchemy import select

from ipplatform.matching.glossary_models import RankerModel
from ipplatform.matching.features import FEATURES, FEATURES_ZH, PLATFORM_FEATURES

SHIPPED = Path(__file__).resolve().parent / "ranker_model.json"
DEFAULT_WEIGHTS = {  # the linear ranker's text weights from scripts/tune_matcher.py; platform weights by design
    "semantic": 2.0, "lexical": 0.35, "coverage": 0.0, "fused": 0.5, "ipc_coherence": 0.6, "industry_affinity": 0.2, "region": 0.1,
    "mode_fit": 0.1, "price_fit": 0.05, "freshness": 0.02, "credit": 0.05, "preference": 0.4,
}
DEFAULT_THRESHOLD = 0.80  # on confidence(), not on the ranking score
CONFIDENCE_WEIGHTS = {"semantic": 1.0, "coverage": 0.5}  # confidence() = Σ weight · feature
# Platform features on top of a learned score: the designed weights, scaled to the model's score spread
PLATFORM_WEIGHTS = {f: DEFAULT_WEIGHTS[f] for f in PLATFORM_FEATURES}


@dataclass
class Ranker:
    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    threshold: float = DEFAULT_THRESHOLD

    def score(self, feats: dict[str, float]) -> float:
        return sum(self.weights.get(f, 0.0) * feats.get(f, 0.0) for f in FEATURES)

    def score_many(self, rows: list[dict[str, float]]) -> list[float]:
        return [self.score(f) for f in rows]

    def contributions(self, feats: dict[str, float]) -> list[dict]:
        rows = [{"feature": f, "label": FEATURES_ZH[f], "value": round(feats.get(f, 0.0), 4),
                 "weight": self.weights.get(f, 0.0),
                 "contribution": round(self.weights.get(f, 0.0) * feats.get(f, 0.0), 4)} for f in FEATURES
                if self.weights.get(f, 0.0)]
        return sorted(rows, key=lambda r: -abs(r["contribution"]))

    def confidence(self, feats: dict[str, float]) -> float:
        """Absolute evidence that an offer answers the demand: the embedding cosine plus half the share
        of the demand's words the offer contains."""
        return sum(w * feats.get(f, 0.0) for f, w in CONFIDENCE_WEIGHTS.items())

    def strong(self, feats: dict[str, float]) -> bool:
        return self.confidence(feats) >= self.threshold


@dataclass
class Calibration:
    """P(an offer directly answers the demand) = logistic(w · x + b) over absolute features."""

    features: list[str]
    coef: list[float]
    intercept: float
    threshold: float  # strong when the probability reaches it

    def probability(self, feats: dict[str, float]) -> float:
        z = self.intercept + sum(c * feats.get(f, 0.0) for f, c in zip(self.features, self.coef))
        return 1.0 / (1.0 + math.exp(-z))

    def to_dict(self) -> dict:
        return {"features": self.features, "coef": self.coef, "intercept": self.intercept, "threshold": self.threshold}


class LearnedRanker:
    """A trained model over the text features: ``logistic`` (scikit-learn's logistic regression, scored
    by its linear predictor; contributions coefficient × (value − training mean)) or ``lambdarank``
    (LightGBM; contributions from ``pred_contrib``). Platform features are added with designed weights."""

    def __init__(self, data: dict, calibration: Calibration, platform_weights: dict[str, float] | None = None,
                 source: str = ""):
        self.kind = data.get("kind", "lambdarank")
        self.features = list(data["features"])
        if self.kind == "lambdarank":
            import lightgbm as lgb  # heavy import, only when such a model is used

            self.booster = lgb.Booster(model_str=data["model_text"])
        else:
            self.coef = np.array(data["coef"], dtype=np.float64)
            self.intercept = float(data["intercept"])
            self.means = np.array(data.get("means") or [0.0] * len(self.features), dtype=np.float64)
        self.calibration = calibration
        self.platform_weights = dict(PLATFORM_WEIGHTS if platform_weights is None else platform_weights)
        self.platform_scale = float(data.get("platform_scale", 1.0))  # the model's score spread vs the linear one's
        self.source = source
        self.threshold = calibration.threshold

    def _learned(self, X: np.ndarray) -> np.ndarray:
        return self.booster.predict(X) if self.kind == "lambdarank" else X @ self.coef + self.intercept

    def _matrix(self, rows: list[dict[str, float]]) -> np.ndarray:
        return np.array([[r.get(f, 0.0) for f in self.features] for r in rows], dtype=np.float64)

    def _platform(self, feats: dict[str, float]) -> float:
        return self.platform_scale * sum(w * feats.get(f, 0.0) for f, w in self.platform_weights.items()
                                         if f not in self.features)

    def score_many(self, rows: list[dict[str, float]]) -> list[float]:
        if not rows:
            return []
        learned = self._learned(self._matrix(rows))
        return [float(s) + self._platform(f) for s, f in zip(learned, rows)]

    def score(self, feats: dict[str, float]) -> float:
        return self.score_many([feats])[0]

    def contributions(self, feats: dict[str, float]) -> list[dict]:
        """Each feature's share of the score, summing to it: the learned part's SHAP values (or coefficient
        × distance from the training mean) and its base value (an average candidate's score), then
        weight × value of the platform features."""
        X = self._matrix([feats])
        if self.kind == "lambdarank":
            shap = self.booster.predict(X, pred_contrib=True)[0]
            parts, base, weights = shap[:-1], float(shap[-1]), [None] * len(self.features)
        else:
            parts = self.coef * (X[0] - self.means)
            base = self.intercept + float(self.coef @ self.means)
            weights = [round(float(c), 4) for c in self.coef]
        rows = [{"feature": f, "label": FEATURES_ZH[f], "value": round(feats.get(f, 0.0), 4), "weight": w,
                 "contribution": round(float(v), 4)} for f, v, w in zip(self.features, parts, weights)]
        rows.append({"feature": "baseline", "label": "基准分（平均候选）", "value": None, "weight": None,
                     "contribution": round(base, 4)})
        rows += [{"feature": f, "label": FEATURES_ZH[f], "value": round(feats.get(f, 0.0), 4),
                  "weight": round(self.platform_scale * w, 4),
                  "contribution": round(self.platform_scale * w * feats.get(f, 0.0), 4)}
                 for f, w in self.platform_weights.items() if f not in self.features and w]
        return sorted(rows, key=lambda r: -abs(r["contribution"]))

    def probability(self, feats: dict[str, float]) -> float:
        """Calibrated probability that the offer directly answers the demand (a grade-2 answer)."""
        return self.calibration.probability(feats)

    def confidence(self, feats: dict[str, float]) -> float:
        """The probability on the platform's 0–1 confidence scale (匹配度 / 100), piecewise linear so
        that the strong-match threshold lands on 0.80, as the linear ranker's threshold did."""
        p, tau = self.probability(feats), self.threshold
        if p < tau:
            return DEFAULT_THRESHOLD * p / tau if tau > 0 else 0.0
        return DEFAULT_THRESHOLD + (1 - DEFAULT_THRESHOLD) * (p - tau) / (1 - tau) if tau < 1 else 1.0

    def strong(self, feats: dict[str, float]) -> bool:
        return self.probability(feats) >= self.threshold

    # ---- storage --------------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: dict, source: str = "") -> LearnedRanker:
        return cls(data, Calibration(**data["calibration"]), data.get("platform_weights"), source)


def load_ranker(db=None) -> Ranker | LearnedRanker:
    """The newest active trained model in ``db`` (a Session), else the shipped one, else the linear ranker."""
    if db is not None:
        row = db.scalars(select(RankerModel).where(RankerModel.active).order_by(RankerModel.id.desc())).first()
        if row is not None:
            return LearnedRanker.from_dict({**json.loads(row.model_text), "features": row.features,
                                            "calibration": row.calibration["logistic"]},
                                           source=f"ranker_model #{row.id}")
    if SHIPPED.exists():
        return LearnedRanker.from_dict(json.loads(SHIPPED.read_text(encoding="utf-8")), source=str(SHIPPED.name))
    return Ranker()
