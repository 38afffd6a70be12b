"""A demand's need and clause vectors from one encoder pass (real model), kept in process, and awaited by
the features while retrieval runs."""

from __future__ import annotations

import numpy as np

from ipplatform.matching.features import Candidate, DemandCtx, compute
from ipplatform.matching.matcher import Matcher
from ipplatform.matching.need_vectors import clause_spans, encode_need, pooled_spans
from ipplatform.matching.understand import Glossary, GlossaryEntry

CLAUSES = ["我们是一家茶叶加工厂", "想找茶叶烘干设备", "鱼塘夜里缺氧需要增氧机"]
NEED = "，".join(CLAUSES)


def test_spans_are_the_clauses_in_the_joined_need():
    assert [NEED[a:b] for a, b in clause_spans(CLAUSES)] == CLAUSES


def test_one_pass_gives_the_need_vector_and_a_vector_per_clause(embedder):
    before = embedder.encoded
    vecs = encode_need(embedder, NEED + "。增氧", CLAUSES)
    assert embedder.encoded - before == 1  # one text through the model, not 1 + 3
    assert vecs.shape == (1 + len(CLAUSES), embedder.dims)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    alone = embedder.encode_documents([NEED + "。增氧", *CLAUSES])
    assert float(vecs[0] @ alone[0]) > 0.9999  # the need's vector is the usual one for that text
    offers = embedder.encode_documents(["一种茶叶烘干机", "一种池塘增氧机"])
    sims = vecs[2:] @ offers.T  # each clause, read in the context of the need, still prefers what it asks for
    assert sims[0, 0] > sims[0, 1] and sims[1, 1] > sims[1, 0]


def test_a_clause_cut_off_by_truncation_falls_back_to_the_whole_text():
    states = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], dtype=np.float32)
    got = pooled_spans(states, [(0, 0), (0, 2), (0, 0)], [1, 0, 1], [(0, 2), (5, 9)])
    assert np.allclose(got[0], [0.0, 1.0])
    whole = states.mean(axis=0)
    assert np.allclose(got[1], whole / np.linalg.norm(whole))


def test_the_need_is_encoded_once_per_demand_and_awaited_by_the_features(embedder):
    glossary = Glossary([GlossaryEntry(1, "aquaculture", ("缺氧",), ("增氧",))])
    matcher = Matcher(backend=None, embedder_provider=lambda: embedder, glossary=glossary, ranker=None)
    text = "我们是息县的养鱼合作社，鱼塘夏天夜里缺氧，想找自动增氧的设备，预算十万左右。"
    offer = embedder.encode_documents(["一种池塘自动增氧机"])[0]
    before = embedder.encoded
    ctx = matcher.context_for_text("d1", text)
    feats = compute(ctx, [Candidate(1, "一种池塘自动增氧机", "一种池塘自动增氧机", 0.8, ["A01K"], vector=offer)])
    assert ctx.pending is None and ctx.need_vector is not None and len(ctx.clause_vectors) == len(ctx.understood.clauses)
    assert feats[0]["need_semantic"] == float(offer @ ctx.need_vector)
    first = embedder.encoded - before  # the whole text (no database cache here) and the need: two texts
    again = matcher.context_for_text("d1", text).resolve()
    assert embedder.encoded - before - first == 1  # only the whole text again: the need's vectors are kept
    assert np.array_equal(again.need_vector, ctx.need_vector)
    assert first == 2


def test_a_context_without_pending_vectors_resolves_to_itself():
    ctx = DemandCtx(id=1, text="x", tokens=(), vector=np.ones(2, dtype=np.float32))
    assert ctx.resolve() is ctx and ctx.need_vector is None
