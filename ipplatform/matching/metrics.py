"""Ranking metrics (graded gain 2^g − 1; ideal DCG from every judged grade of the query)."""

from __future__ import annotations

import math


def ndcg_at(ranked: list[str], grades: dict[str, int], k: int = 10) -> float:
    dcg = sum((2 ** grades.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted(grades.values(), reverse=True)[:k]
    idcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def recall_at(ranked: list[str], grades: dict[str, int], k: int, min_grade: int = 1) -> float:
    relevant = {d for d, g in grades.items() if g >= min_grade}
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0


def mrr_at(ranked: list[str], grades: dict[str, int], k: int = 10, min_grade: int = 1) -> float:
    for i, d in enumerate(ranked[:k]):
        if grades.get(d, 0) >= min_grade:
            return 1.0 / (i + 1)
    return 0.0


def summary(runs: dict[str, list[str]], qrels: dict[str, dict[str, int]]) -> dict[str, float]:
    """Means over queries that have at least one relevant judgement (grade ≥ 1)."""
    qs = [q for q in runs if any(g >= 1 for g in qrels.get(q, {}).values())]
    if not qs:
        return {"queries": 0, "ndcg@10": 0.0, "recall@10": 0.0, "recall@50": 0.0, "mrr@10": 0.0}
    n = len(qs)
    return {
        "queries": n,
        "ndcg@10": sum(ndcg_at(runs[q], qrels[q]) for q in qs) / n,
        "recall@10": sum(recall_at(runs[q], qrels[q], 10) for q in qs) / n,
        "recall@50": sum(recall_at(runs[q], qrels[q], 50) for q in qs) / n,
        "mrr@10": sum(mrr_at(runs[q], qrels[q]) for q in qs) / n,
    }
