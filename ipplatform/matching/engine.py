"""The matcher: candidates through the search protocol (hybrid retrieval), re-ranked with
interpretable features, explained with evidence a user can check.

The same code serves the app (demands and offers in the database) and the evaluate command (a corpus
loaded into a throwaway database and index).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ipplatform import reference
from ipplatform.common.enums import TransactionMode
from ipplatform.demands.models import Demand
from ipplatform.matching.features import Affinity, Candidate, DemandCtx, compute
from ipplatform.matching.ranker import Ranker
from ipplatform.offers.models import Offer
from ipplatform.search import fusion
from ipplatform.search import text as textmod
from ipplatform.search.backends.base import SearchBackend
from ipplatform.search.documents import DocType, embed_text, offer_body
from ipplatform.search.query import SearchFilters

CANDIDATES_PER_LEG = 100


@dataclass
class Ranked:
    candidate: Candidate
    score: float
    features: dict[str, float]


def demand_text(demand: Demand) -> str:
    return f"{demand.title}。{demand.description}"


class Matcher:
    def __init__(self, backend: SearchBackend, embedder_provider, *, ranker: Ranker | None = None,
                 affinity: Affinity | None = None, per_leg: int = CANDIDATES_PER_LEG):
        self.backend = backend
        self._embedder = embedder_provider
        self.ranker = ranker or Ranker()
        self.affinity = affinity or Affinity()
        self.affinity_learned_at: float | None = None  # monotonic time of the last learn_affinity
        self.per_leg = per_leg

    @property
    def embedder(self):
        return self._embedder()

    # ---- contexts ---------------------------------------------------------------------------
    def context_for_text(self, key, text: str, **kw) -> DemandCtx:
        return DemandCtx(id=key, text=text, tokens=textmod.query_tokens(text[:500]),
                         vector=self.embedder.encode_query(text[:500]), **kw)

    def context_for_demand(self, db: Session, demand: Demand, preferences: dict[str, float] | None = None) -> DemandCtx:
        org = demand.organisation
        text = demand_text(demand)
        vector = self.embedder.encode_documents([embed_text(demand.title, demand.description or "")], db=db)[0]
        return DemandCtx(id=demand.id, text=text, tokens=textmod.query_tokens(text[:500]), vector=vector,
                         org_id=demand.org_id, industry=demand.industry_code or org.industry_code,
                         region=demand.region_code or org.county_code, modes=list(demand.modes),
                         budget_min=float(demand.budget_min) if demand.budget_min is not None else None,
                         budget_max=float(demand.budget_max) if demand.budget_max is not None else None,
                         preferred_ipc=list(demand.preferred_ipc or []), preferences=preferences or {})

    # ---- candidates ----------------------------------------------------------------------------
    def candidates(self, db: Session, ctx: DemandCtx, filters: SearchFilters | None = None) -> list[Candidate]:
        got = self.backend.retrieve(DocType.OFFER, tokens=ctx.tokens, vector=ctx.vector,
                                    filters=filters or SearchFilters(), window=self.per_leg, facets=False)
        kw = got.keyword.hits if got.keyword else []
        sem = got.semantic.hits if got.semantic else []
        fused = dict(fusion.rrf(kw, sem))
        kw_scores = dict(kw)
        offers = {o.id: o for o in db.scalars(select(Offer).where(Offer.id.in_(list(fused)))
                                              .options(selectinload(Offer.patents))).unique()}
        from ipplatform.credit.rules import flagged_org_ids

        flagged = flagged_org_ids(db, (o.owner_org_id for o in offers.values()))
        sem_scores = dict(sem)
        floor = min(sem_scores.values()) if sem_scores else 0.0
        out = []
        for i in (i for i in fused if i in offers):
            o = offers[i]
            out.append(Candidate(
                id=i, title=o.title, text=embed_text(o.title, offer_body(o)), semantic=sem_scores.get(i, floor),
                ipc=sorted({c[:4] for p in o.patents for c in p.ipc_codes}),
                county=o.owner.county_code, modes=list(o.modes),
                price=float(o.asking_price) if o.asking_price is not None else None,
                published_at=o.published_at.timestamp() if o.published_at else None, verified=o.owner.verified,
                flagged=o.owner_org_id in flagged,
                org_id=o.owner_org_id, kw_score=kw_scores.get(i, 0.0), fused=fused[i]))
        return out

    def rank(self, ctx: DemandCtx, cands: list[Candidate], now: float | None = None) -> list[Ranked]:
        feats = compute(ctx, cands, self.affinity, now=now)
        ranked = [Ranked(c, self.ranker.score(f), f) for c, f in zip(cands, feats)]
        return sorted(ranked, key=lambda r: (-r.score, r.candidate.id))

    # ---- explanations ------------------------------------------------------------------------------
    def explain(self, ctx: DemandCtx, r: Ranked) -> dict:
        c = r.candidate
        lowered = c.text.lower()
        shared = sorted({t for t in ctx.tokens if len(t) >= 2 and t in lowered}, key=lambda t: (-len(t), t))[:12]
        words = tuple(shared)
        industry = reference.industries().get((ctx.industry or "")[:2])
        region_c = reference.regions().get(c.county or "")
        modes_shared = [TransactionMode(m).zh for m in c.modes if m in ctx.modes]
        price_text = "面议" if c.price is None else f"{c.price / 10000:g} 万元"
        budget_text = "未填写" if ctx.budget_max is None else f"{(ctx.budget_min or 0) / 10000:g}–{ctx.budget_max / 10000:g} 万元"
        return {
            "shared_terms": shared,
            "demand_html": textmod.highlight(ctx.text, words, max_len=200),
            "offer_html": textmod.highlight(c.text, words, max_len=200),
            "ipc": c.ipc,
            "ipc_industry": (f"{industry.name}（{ctx.industry[:2]}）↔ {'、'.join(c.ipc[:3])}" if industry else None),
            "region": region_c.full_name if region_c else None,
            "modes": modes_shared,
            "price": f"报价 {price_text}，预算 {budget_text}",
            "contributions": self.ranker.contributions(r.features),
            "credit_warning": c.flagged,
            "strong": self.ranker.strong(r.features),
            "confidence": round(self.ranker.confidence(r.features), 4),
        }

