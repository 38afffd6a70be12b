"""Combining the keyword and the semantic ranking in the application (the engine needs no RRF licence).

- ``rrf``: reciprocal rank fusion, score = Σ 1 / (k + rank); robust, needs no score calibration.
- ``weighted``: min-max normalised scores, ``alpha`` × semantic + (1 − alpha) × keyword.
Both are measured in scripts/bench_relevance.py; the service uses the one configured.
"""

from __future__ import annotations

from collections.abc import Sequence

Ranked = Sequence[tuple[int, float]]  # (doc id, score), best first


def rrf(*legs: Ranked, k: int = 60) -> list[tuple[int, float]]:
    scores: dict[int, float] = {}
    for leg in legs:
        for rank, (doc_id, _score) in enumerate(leg, start=1):
            scores[doc_id] = scores.get(doc_id, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


def _normalise(leg: Ranked) -> dict[int, float]:
    if not leg:
        return {}
    values = [s for _, s in leg]
    lo, hi = min(values), max(values)
    span = hi - lo
    return {d: (s - lo) / span if span > 0 else 1.0 for d, s in leg}


def weighted(keyword: Ranked, semantic: Ranked, alpha: float = 0.5) -> list[tuple[int, float]]:
    kw, sem = _normalise(keyword), _normalise(semantic)
    ids = set(kw) | set(sem)
    scores = {d: alpha * sem.get(d, 0.0) + (1 - alpha) * kw.get(d, 0.0) for d in ids}
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
