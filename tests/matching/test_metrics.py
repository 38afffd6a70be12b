"""The evaluation metrics on tiny hand-made rankings whose answers are worked out by hand."""

from __future__ import annotations

import math

import pytest

from ipplatform.matching.metrics import mrr_at, ndcg_at, recall_at, summary

QRELS = {"q1": {"a": 2, "b": 1, "c": 0, "d": 2}, "q2": {"x": 1}, "q3": {"z": 0}}


def test_ndcg_perfect_and_by_hand():
    assert ndcg_at(["a", "d", "b", "c"], QRELS["q1"]) == pytest.approx(1.0)
    # b (gain 1) at rank 1, a (gain 3) at rank 2, d missing: DCG = 1 + 3/log2(3); IDCG = 3 + 3/log2(3) + 1/2
    dcg = 1 + 3 / math.log2(3)
    idcg = 3 + 3 / math.log2(3) + 1 / 2
    assert ndcg_at(["b", "a", "c"], QRELS["q1"]) == pytest.approx(dcg / idcg)
    assert ndcg_at(["c", "unjudged"], QRELS["q1"]) == 0.0


def test_recall_and_mrr():
    assert recall_at(["c", "b", "zz"], QRELS["q1"], 10) == pytest.approx(1 / 3)
    assert recall_at(["a", "b", "d"], QRELS["q1"], 2) == pytest.approx(2 / 3)
    assert mrr_at(["c", "zz", "b"], QRELS["q1"]) == pytest.approx(1 / 3)
    assert mrr_at(["c"] * 10 + ["a"], QRELS["q1"]) == 0.0  # beyond the cut-off


def test_summary_skips_queries_without_relevant_judgements():
    runs = {"q1": ["a", "d", "b"], "q2": ["y", "x"], "q3": ["z"]}
    s = summary(runs, QRELS)
    assert s["queries"] == 2
    assert s["mrr@10"] == pytest.approx((1 + 1 / 2) / 2)
    assert s["recall@10"] == pytest.approx(1.0)
    assert s["ndcg@10"] == pytest.approx((1.0 + 1 / math.log2(3)) / 2)
