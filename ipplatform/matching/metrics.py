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
        return {"queries": 0, "ndcg@10": 0.0, "recall@10": 0.0, "recall@50": 0.0, "mrr@10": 0.0, "judged@10": 0.0}
    n = len(qs)
    return {
        "queries": n,
        "ndcg@10": sum(ndcg_at(runs[q], qrels[q]) for q in qs) / n,
        "recall@10": sum(recall_at(runs[q], qrels[q], 10) for q in qs) / n,
        "recall@50": sum(recall_at(runs[q], qrels[q], 50) for q in qs) / n,
        "mrr@10": sum(mrr_at(runs[q], qrels[q]) for q in qs) / n,
        "judged@10": sum(judged_at(runs[q], qrels[q]) for q in qs) / n,
    }


def judged_at(ranked: list[str], grades: dict[str, int], k: int = 10) -> float:
    """Share of the top k that were judged at all (unjudged documents count as 0 in every metric)."""
    top = ranked[:k]
    return sum(d in grades for d in top) / len(top) if top else 1.0


def verdict(flags: dict[str, bool], runs: dict[str, list[str]], qrels: dict[str, dict[str, int]]) -> dict:
    """Precision and recall of "no strong match" (``flags[q]`` True = said) against both definitions:
    no grade-2 answer in the judged corpus at all, and none in the run's top 10."""
    qs = [q for q in runs if q in qrels]
    flagged = {q for q in qs if flags.get(q)}
    answerless = {q for q in qs if not any(g >= 2 for g in qrels[q].values())}
    missed = {q for q in qs if not any(qrels[q].get(p, 0) >= 2 for p in runs[q][:10])}

    def pr(truth: set) -> tuple[float | None, float | None]:
        hit = len(flagged & truth)
        return (hit / len(flagged) if flagged else None), (hit / len(truth) if truth else None)

    p_any, r_any = pr(answerless)
    p_top, r_top = pr(missed)
    return {"flagged": len(flagged), "truly_without_answer": len(answerless), "precision": p_any, "recall": r_any,
            "without_answer_in_top10": len(missed), "precision_top10": p_top, "recall_top10": r_top}
