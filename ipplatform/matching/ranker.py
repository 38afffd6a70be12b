"""A linear, explainable score over the match features, and the 'strong match' threshold.

Weights were tuned by coordinate ascent on nDCG@10 of the development set (scripts/tune_matcher.py,
README "Matching"); the threshold was calibrated on the same set so that a demand is told "no strong
match yet" when its best offer is unlikely to be a real answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ipplatform.matching.features import FEATURES, FEATURES_ZH

DEFAULT_WEIGHTS = {  # text weights from scripts/tune_matcher.py; the platform-data weights are set by design
    "semantic": 2.0, "lexical": 0.35, "coverage": 0.0, "fused": 0.5, "ipc_coherence": 0.6, "industry_affinity": 0.2, "region": 0.1,
    "mode_fit": 0.1, "price_fit": 0.05, "freshness": 0.02, "credit": 0.05, "preference": 0.4,
}
DEFAULT_THRESHOLD = 0.80  # on confidence(), not on the ranking score; calibrated by scripts/tune_matcher.py
CONFIDENCE_WEIGHTS = {"semantic": 1.0, "coverage": 0.5}  # confidence() = Σ weight · feature


@dataclass
class Ranker:
    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    threshold: float = DEFAULT_THRESHOLD

    def score(self, feats: dict[str, float]) -> float:
        return sum(self.weights.get(f, 0.0) * feats.get(f, 0.0) for f in FEATURES)

    def contributions(self, feats: dict[str, float]) -> list[dict]:
        rows = [{"feature": f, "label": FEATURES_ZH[f], "value": round(feats.get(f, 0.0), 4),
                 "weight": self.weights.get(f, 0.0),
                 "contribution": round(self.weights.get(f, 0.0) * feats.get(f, 0.0), 4)} for f in FEATURES]
        return sorted(rows, key=lambda r: -abs(r["contribution"]))

    @staticmethod
    def confidence(feats: dict[str, float]) -> float:
        """Absolute evidence that an offer answers the demand: the embedding cosine plus half the share
        of the demand's words the offer contains. Ranking features relative to the candidate set (lexical,
        fused, ipc_coherence) always crown some top result, so they cannot say "no strong match"."""
        return sum(w * feats.get(f, 0.0) for f, w in CONFIDENCE_WEIGHTS.items())

    def strong(self, feats: dict[str, float]) -> bool:
        return self.confidence(feats) >= self.threshold
