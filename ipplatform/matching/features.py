"""Interpretable match features, each in [0, 1] (or [-1, 1] for learned preferences).

- semantic: cosine similarity of the sentence embeddings of the demand's whole text (the vector the
  semantic leg retrieves with) and the offer
  (exact, from the offer's cached vector; without one, from the kNN leg, whose lowest cosine stands in
  for an offer only the keyword leg found)
- need_semantic: cosine of the offer with the demand's *need* (context clauses left out, glossary terms
  added: ``understand.py``)
- clause_max / clause_mean: best and mean cosine of the offer with the need's clauses one by one (a
  long demand often asks for two things; one clause answered well counts); each clause's vector is
  pooled from the need's one encoder pass (``need_vectors.py``)
- keyphrase: share of the need's IDF-weighted words (IDF over the platform's offers) in the offer's text
- title_coverage: share of the offer title's IDF-weighted words that the demand's need contains
- neighbourhood: cosine of the offer with the centroid of the five candidates both legs agree on most
  (the top of the fused ranking): pseudo-relevance feedback in embedding space
- glossary: share of the glossary entries the demand triggered whose technical terms the offer uses
- lexical: the offer's BM25 score for the demand's words, divided by the best candidate's
- coverage: share of the demand's words (weighted by length) found in the offer's text — absolute,
  unlike lexical, so it also serves the "strong match" verdict
- fused: reciprocal-rank-fusion score of the two retrieval legs, divided by the best candidate's
- ipc_coherence: how much of the demand's inferred technical field (the IPC subclasses of its
  nearest candidates, or its preferred IPC) the offer's IPC covers — pseudo-relevance feedback
- field_agreement: the same share, always against the IPC mix of the demand's nearest candidates (never
  the preferred IPC a demand states): low for every offer when those neighbours are scattered over
  unrelated fields — the corpus holds the demand's words but not its technology. Evidence for the
  "strong match" verdict only, not a ranking feature
- industry_affinity: co-occurrence of the demand's GB/T 4754 division with the offer's IPC subclasses,
  learned from the platform's own offers, demands and positive feedback (``Affinity``)
- region: same county 1, Xinyang 0.6, Henan 0.3, elsewhere 0
- mode_fit: the offer allows a transaction mode the demand wants (0.5 when the demand names none)
- price_fit: asking price within budget 1; negotiable or unknown 0.5; over budget decays to 0
- freshness: exp(−age / 180 days)
- credit: verified organisation 1, unverified 0.5, open credit flags or dishonest-list entry 0
- preference: the demanding organisation's feedback on offers of the same IPC subclass (−1 … 1)
"""

from __future__ import annotations

import math
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field

import numpy as np

from ipplatform.matching.understand import Understood, title_coverage, weighted_coverage

TEXT_FEATURES = ("semantic", "need_semantic", "clause_max", "clause_mean", "lexical", "coverage", "keyphrase", "title_coverage",
                 "glossary", "fused", "ipc_coherence")
PLATFORM_FEATURES = ("industry_affinity", "region", "mode_fit", "price_fit", "freshness", "credit", "preference")
VERDICT_FEATURES = ("field_agreement",)  # computed for the verdict's calibration, not ranked on
FEATURES = TEXT_FEATURES + PLATFORM_FEATURES + VERDICT_FEATURES
FEATURES_ZH = {"semantic": "语义相似度", "need_semantic": "需求要点语义相似度", "clause_max": "分句语义（最佳）",
               "clause_mean": "分句语义（平均）", "keyphrase": "关键短语（IDF 加权）", "title_coverage": "专利名称要点覆盖", "neighbourhood": "与最相关结果相近", "glossary": "行业术语对应", "lexical": "关键词匹配", "coverage": "需求词覆盖率", "fused": "综合检索排名", "ipc_coherence": "技术领域（IPC）一致", "field_agreement": "近邻结果技术领域一致",
               "industry_affinity": "行业–IPC 关联", "region": "地域", "mode_fit": "交易方式", "price_fit": "价格与预算",
               "freshness": "发布时间", "credit": "机构信用", "preference": "历史反馈偏好"}


@dataclass
class DemandCtx:
    id: int | str
    text: str
    tokens: tuple[str, ...]
    vector: np.ndarray
    org_id: int | None = None
    industry: str | None = None
    region: str | None = None
    modes: list[str] = field(default_factory=list)
    budget_min: float | None = None
    budget_max: float | None = None
    preferred_ipc: list[str] = field(default_factory=list)
    preferences: dict[str, float] = field(default_factory=dict)  # IPC subclass → −1 … 1
    understood: Understood | None = None  # need vs context, key phrases, glossary hits
    need_vector: np.ndarray | None = None  # of understood.query_text
    clause_vectors: np.ndarray | None = None  # one row per need clause
    pending: Future | None = None  # the need and clause vectors while they are being encoded (rows: need, clauses)

    def resolve(self) -> DemandCtx:
        """Wait for the need and clause vectors when they are still being encoded."""
        pending, self.pending = self.pending, None
        if pending is not None:
            vecs = pending.result()
            self.need_vector, self.clause_vectors = vecs[0], vecs[1:]
        return self

    def resolve_if_done(self) -> DemandCtx:
        return self.resolve() if self.pending is not None and self.pending.done() else self

    def need_vector_now(self) -> np.ndarray | None:
        return self.resolve().need_vector


@dataclass
class Candidate:
    id: int
    title: str
    text: str
    semantic: float  # cosine with the demand (from the semantic leg; below its last hit when absent)
    ipc: list[str]
    county: str | None = None
    modes: list[str] = field(default_factory=list)
    price: float | None = None
    published_at: float | None = None
    verified: bool = True
    flagged: bool = False  # open credit flags or on the dishonest list
    org_id: int | None = None
    kw_score: float = 0.0
    fused: float = 0.0
    vector: np.ndarray | None = None  # the offer's embedding (exact cosines; None: use ``semantic``)


def ipc_subclasses(codes: Iterable[str] | None) -> list[str]:
    """The IPC subclasses (first four characters, e.g. ``A23F``) of IPC codes, sorted, without repeats."""
    return sorted({c[:4] for c in codes or ()})


def offer_ipc_subclasses(offer) -> list[str]:
    """The IPC subclasses of all the patents of an offer."""
    return ipc_subclasses(c for p in offer.patents for c in p.ipc_codes or ())


class Affinity:
    """How strongly an industry division goes with an IPC subclass: co-occurrence weight relative to
    the division's most frequent subclass."""

    def __init__(self):
        self.counts: dict[str, Counter] = defaultdict(Counter)

    def add(self, division: str | None, ipc: str, weight: float = 1.0) -> None:
        if division and ipc:
            self.counts[division[:2]][ipc[:4]] += weight

    def score(self, division: str | None, ipcs: list[str]) -> float:
        if not division or not ipcs or division[:2] not in self.counts:
            return 0.0
        row = self.counts[division[:2]]
        best = max(row.values(), default=0.0)
        return max(row.get(i[:4], 0.0) for i in ipcs) / best if best else 0.0


def region_score(demand_region: str | None, county: str | None) -> float:
    if not demand_region or not county:
        return 0.0
    if demand_region == county:
        return 1.0
    if demand_region[:4] == county[:4] == "4115":
        return 0.6
    if demand_region[:2] == county[:2] == "41":
        return 0.3
    return 0.0


def mode_fit(wanted: list[str], offered: list[str]) -> float:
    if not wanted:
        return 0.5
    return 1.0 if set(wanted) & set(offered) else 0.0


def price_fit(price: float | None, budget_min: float | None, budget_max: float | None) -> float:
    if price is None or budget_max is None:
        return 0.5
    if price <= budget_max:
        return 1.0
    return max(0.0, 1.0 - (price - budget_max) / budget_max)


def freshness(published_at: float | None, now: float | None = None) -> float:
    if published_at is None:
        return 0.5
    age_days = max(0.0, ((now or time.time()) - published_at) / 86400)
    return math.exp(-age_days / 180)


def coverage(tokens: tuple[str, ...], text: str) -> float:
    words = [t for t in tokens if len(t) >= 2]
    total = sum(len(t) for t in words)
    if not total:
        return 0.0
    lowered = text.lower()
    return sum(len(t) for t in words if t in lowered) / total


def ipc_profile(ctx: DemandCtx, cands: list[Candidate], sims: np.ndarray, k: int = 10, *,
                preferred: bool = True) -> Counter:
    """The demand's technical field: preferred IPC if given (and ``preferred``), else its k nearest
    candidates' IPC mix."""
    profile: Counter = Counter()
    if preferred and ctx.preferred_ipc:
        for code in ctx.preferred_ipc:
            profile[code[:4]] += 1.0
        return profile
    order = np.argsort(-sims)[:k]
    for i in order:
        for code in set(c[:4] for c in cands[i].ipc):
            profile[code] += max(float(sims[i]), 0.0)
    return profile


def compute(ctx: DemandCtx, cands: list[Candidate], affinity: Affinity | None = None,
            now: float | None = None) -> list[dict[str, float]]:
    if not cands:
        return []
    u = ctx.resolve().understood
    vecs = [c.vector for c in cands]
    exact = ctx.vector is not None and all(v is not None for v in vecs)
    V = np.stack(vecs) if exact else None
    sims = V @ ctx.vector if exact else np.array([c.semantic for c in cands])
    need = V @ ctx.need_vector if exact and ctx.need_vector is not None else sims
    if exact and ctx.clause_vectors is not None and len(ctx.clause_vectors):
        per_clause = V @ ctx.clause_vectors.T
        c_max, c_mean = per_clause.max(axis=1), per_clause.mean(axis=1)
    else:
        c_max = c_mean = need
    keyphrases = u.keyphrases if u else [(t, 1.0) for t in ctx.tokens]
    if exact:
        top = np.argsort([-c.fused for c in cands], kind="stable")[:5]
        centroid = V[top].mean(axis=0)
        hood = V @ (centroid / (np.linalg.norm(centroid) or 1.0))
    else:
        hood = sims
    hits = u.hits if u else []
    need_text = ((u.need + "。" + " ".join(u.technical)) if u else ctx.text).lower()
    top_kw = max((c.kw_score for c in cands), default=0.0) or 1.0
    top_fused = max((c.fused for c in cands), default=0.0) or 1.0
    profile = ipc_profile(ctx, cands, sims)
    mass = sum(profile.values()) or 1.0
    field = ipc_profile(ctx, cands, sims, preferred=False) if ctx.preferred_ipc else profile
    field_mass = sum(field.values()) or 1.0
    out = []
    for n, (c, sim) in enumerate(zip(cands, sims)):
        ipcs = {x[:4] for x in c.ipc}
        lowered = c.text.lower()
        prefs = [ctx.preferences[i] for i in ipcs if i in ctx.preferences]
        out.append({
            "semantic": float(sim),
            "need_semantic": float(need[n]),
            "clause_max": float(c_max[n]),
            "clause_mean": float(c_mean[n]),
            "lexical": c.kw_score / top_kw,
            "keyphrase": weighted_coverage(keyphrases, lowered),
            "title_coverage": title_coverage(c.title, need_text, u.idf if u else None),
            "glossary": (sum(any(t.lower() in lowered for t in h.technical) for h in hits) / len(hits)) if hits else 0.0,
            "coverage": coverage(ctx.tokens, c.text),
            "fused": c.fused / top_fused,
            "ipc_coherence": sum(profile[i] for i in ipcs) / mass,
            "field_agreement": sum(field[i] for i in ipcs) / field_mass,
            "neighbourhood": float(hood[n]),
            "industry_affinity": affinity.score(ctx.industry, list(ipcs)) if affinity else 0.0,
            "region": region_score(ctx.region, c.county),
            "mode_fit": mode_fit(ctx.modes, c.modes),
            "price_fit": price_fit(c.price, ctx.budget_min, ctx.budget_max),
            "freshness": freshness(c.published_at, now),
            "credit": 0.0 if c.flagged else 1.0 if c.verified else 0.5,
            "preference": max(prefs, key=abs) if prefs else 0.0,
        })
    return out
