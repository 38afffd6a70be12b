"""The matcher: candidates through the search protocol (hybrid retrieval), re-ranked with
interpretable features, explained with evidence a user can check.

The same code serves the app (demands and offers in the database) and the evaluate command (a corpus
loaded into a throwaway database and index).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from sqlalchemy import select
from sqlalchemy.orm import Session

from ipplatform import reference
from ipplatform.common.enums import ListingStatus, TransactionMode
from ipplatform.credit.rules import flagged_org_ids
from ipplatform.demands.models import Demand
from ipplatform.matching.enums import INTENT_WEIGHT
from ipplatform.matching.features import (Affinity, Candidate, DemandCtx, compute, ipc_subclasses,
                                          offer_ipc_subclasses)
from ipplatform.matching.models import Match, MatchFeedback
from ipplatform.matching import glossary_service
from ipplatform.matching.need_vectors import encode_need
from ipplatform.matching.ranker import Ranker, load_ranker
from ipplatform.matching.understand import Glossary, Idf, understand
from ipplatform.offers.models import Offer, offer_patent
from ipplatform.organisations.models import Organisation
from ipplatform.patents.models import Patent
from ipplatform.search import fusion
from ipplatform.search import text as textmod
from ipplatform.search.backends.protocol import SearchBackend
from ipplatform.search.documents import EMBED_CHARS, DocType, body_text, embed_text, offer_body
from ipplatform.search.embeddings import content_hash
from ipplatform.search.query import SearchFilters

CANDIDATES_PER_LEG = 100
TOKEN_CHARS = 500  # a demand's words are taken from this much of its text
AFFINITY_MAX_AGE_S = 3600  # the affinity reads every published offer, so it is not relearned for each match
GLOSSARY_MAX_AGE_S = 60  # staff edits to the glossary apply within a minute (at once in this process)
DERIVED_VECTORS = 10_000  # demands whose need and clause vectors are kept in process (~100 MB at 512 dims)
OFFER_VECTORS = 20_000  # candidate offers' vectors kept in process (~40 MB at 512 dims)
IDF_OFFERS = 50_000  # IDF is counted over the newest published offers, at most this many
# A new demand's need is encoded here while the matcher retrieves (the semantic leg with the whole
# text's vector, which the index already holds), loads the candidates and their cached vectors (ONNX
# Runtime and SQLite release the GIL): the first match waits only for what is left of the encoding
# when the features need it.
_ENCODE_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="need-encoding")


@dataclass
class Ranked:
    candidate: Candidate
    score: float
    features: dict[str, float]


def demand_text(demand: Demand) -> str:
    """A demand's whole text; its first EMBED_CHARS characters are the text the index embeds it by."""
    return demand.title + "。" + body_text(DocType.DEMAND, demand)


def learn_affinity(db: Session) -> Affinity:
    """Industry division ↔ IPC subclass co-occurrence in the platform's own data (plain SQL: it reads
    every published offer, 100k in ~1 s)."""
    aff = Affinity()
    rows = db.execute(select(Organisation.industry_code, Patent.ipc_codes)
                      .select_from(Offer).join(Organisation, Organisation.id == Offer.owner_org_id)
                      .join(offer_patent, offer_patent.c.offer_id == Offer.id)
                      .join(Patent, Patent.id == offer_patent.c.patent_id)
                      .where(Offer.status == ListingStatus.PUBLISHED, Organisation.industry_code.is_not(None)))
    for industry, ipc_codes in rows:
        for ipc in ipc_subclasses(ipc_codes):
            aff.add(industry, ipc)
    for demand in db.scalars(select(Demand)).unique():  # few compared to offers
        for ipc in demand.preferred_ipc or []:
            aff.add(demand.industry_code or demand.organisation.industry_code, ipc, 2.0)
    for fb, demand in db.execute(select(MatchFeedback, Demand).join(Match, Match.id == MatchFeedback.match_id)
                                 .join(Demand, Demand.id == Match.demand_id)):
        if INTENT_WEIGHT[fb.intent] > 0:
            for ipc in fb.ipc_subclasses:
                aff.add(demand.industry_code or demand.organisation.industry_code, ipc, 3.0)
    return aff


def learn_idf(db: Session, limit: int = IDF_OFFERS) -> Idf:
    """Document frequencies of search words over the newest published offers' titles and descriptions."""
    rows = db.execute(select(Offer.title, Offer.description).where(Offer.status == ListingStatus.PUBLISHED)
                      .order_by(Offer.id.desc()).limit(limit))
    return Idf.from_texts(f"{t}。{d or ''}" for t, d in rows)


class Matcher:
    """``legacy=True`` ranks as before the matching-quality work (the whole text on both legs, the linear
    ranker): the benchmark's and the evaluate command's point of comparison."""

    def __init__(self, backend: SearchBackend, embedder_provider, *, ranker: Ranker | None = None,
                 affinity: Affinity | None = None, per_leg: int = CANDIDATES_PER_LEG,
                 glossary: Glossary | None = None, idf: Idf | None = None, legacy: bool = False,
                 vector_db=None):
        self.backend = backend
        self._embedder = embedder_provider
        self.legacy = legacy
        # The semantic leg queries with the whole text's vector (True; cross-validated nDCG@10 0.547 against
        # 0.537 with the need's, see scripts/tune_matcher.py) and the need's vector is a feature; False: the need's.
        self.retrieve_whole = True
        self.split_context = True  # set budget and cooperation clauses aside (False: for the ablation)
        self.late_clauses = True  # clause vectors from the need's one encoder pass (False: each clause on its own)
        self.ranker = ranker or (Ranker() if legacy else load_ranker())
        self._ranker_given = ranker is not None or legacy
        self.glossary, self.idf = glossary, idf
        self._glossary_at: float | None = time.monotonic() if glossary is not None else None
        self._glossary_version = glossary_service.version()
        self.vector_db = vector_db  # a session factory holding the offers' cached vectors (default: the db)
        self._vectors: OrderedDict[tuple, np.ndarray] = OrderedDict()  # (need, clauses) → need + clause vectors
        self._offers: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()  # (model, content hash) → vector
        self._vectors_lock = threading.Lock()
        self.affinity = affinity or Affinity()
        # monotonic time of the last learn_affinity; an affinity given here counts as fresh
        self.affinity_learned_at: float | None = time.monotonic() if affinity is not None else None
        self._affinity_lock = threading.Lock()
        self.per_leg = per_leg

    @property
    def embedder(self):
        return self._embedder()

    def ensure_affinity(self, db: Session, max_age_s: float = AFFINITY_MAX_AGE_S) -> None:
        """Relearn the industry ↔ IPC affinity when it is older than ``max_age_s`` or was never learned
        (``max_age_s=0`` forces it, as the nightly run does). Threads ranking at once learn it once."""
        def stale() -> bool:
            learned = self.affinity_learned_at
            return learned is None or time.monotonic() - learned >= max_age_s

        now = time.monotonic()
        if (self._glossary_at is None or now - self._glossary_at >= min(max_age_s, GLOSSARY_MAX_AGE_S)
                or self._glossary_version != glossary_service.version()):
            self._glossary_version = glossary_service.version()
            self.glossary, self._glossary_at = glossary_service.active_glossary(db), now
        if not stale():
            return
        with self._affinity_lock:
            if stale():
                self.affinity = learn_affinity(db)
                self.idf = learn_idf(db)
                if not self._ranker_given:  # a model trained since, if any
                    self.ranker = load_ranker(db)
                self.affinity_learned_at = time.monotonic()

    def prepare_corpus(self, db: Session) -> None:
        """Glossary and IDF of a corpus database (the evaluate command's), without the affinity."""
        self.glossary, self._glossary_at = glossary_service.active_glossary(db), time.monotonic()
        self.idf = learn_idf(db)

    # ---- contexts ---------------------------------------------------------------------------
    def context_for_text(self, key, text: str, *, db: Session | None = None, **kw) -> DemandCtx:
        """The matching context of a demand's text (``demand_text``: the evaluate command passes its
        queries as such): words of its first TOKEN_CHARS characters, and the vector of its first
        EMBED_CHARS, which is the vector the index holds for a demand with this text (taken from the
        embedding cache in ``db`` when there)."""
        if self.legacy:
            return DemandCtx(id=key, text=text, tokens=textmod.query_tokens(text[:TOKEN_CHARS]),
                             vector=self.embedder.encode_documents([text[:EMBED_CHARS]], db=db)[0], **kw)
        u = understand(text, self.glossary, self.idf, max_chars=TOKEN_CHARS, split_context=self.split_context)
        pending = self._derived_vectors(u.query_text[:EMBED_CHARS], [c[:EMBED_CHARS] for c in u.clauses])
        whole = self.embedder.encode_documents([text[:EMBED_CHARS]], db=db)[0]  # the index's own, cached
        return DemandCtx(id=key, text=text, tokens=u.tokens or textmod.query_tokens(text[:TOKEN_CHARS]),
                         vector=whole, understood=u, pending=pending, **kw).resolve_if_done()

    def _derived_vectors(self, need: str, clauses: list[str]) -> Future:
        """The need's vector and its clauses' (``need_vectors.encode_need``: one encoder pass, on a worker
        thread when not known yet), kept in this process (re-matching encodes nothing) but never written
        to the database cache: ranking threads would otherwise all write at once."""
        key = (need, tuple(clauses), self.late_clauses)
        with self._vectors_lock:
            got = self._vectors.get(key)
            if got is not None:
                self._vectors.move_to_end(key)
                done: Future = Future()
                done.set_result(got)
                return done

        def encode() -> np.ndarray:
            vecs = (encode_need(self.embedder, need, clauses) if self.late_clauses
                    else self.embedder.encode_documents([need, *clauses]))
            with self._vectors_lock:
                self._vectors[key] = vecs
                while len(self._vectors) > DERIVED_VECTORS:
                    self._vectors.popitem(last=False)
            return vecs

        return _ENCODE_POOL.submit(encode)

    def _offer_vectors(self, db: Session, texts: list[str]) -> list[np.ndarray]:
        """The candidates' vectors (rows aligned with ``texts``): kept in process by content hash, the rest
        from the embedding cache (``vector_db`` or ``db``), where the indexer left them."""
        keys = [(self.embedder.cache_key, content_hash(t)) for t in texts]
        with self._vectors_lock:
            got = {k: self._offers[k] for k in keys if k in self._offers}
            for k in got:
                self._offers.move_to_end(k)
        missing = [t for k, t in dict(zip(keys, texts)).items() if k not in got]
        if missing:
            if self.vector_db is not None:
                with self.vector_db() as vdb:
                    fresh = self.embedder.encode_documents(missing, db=vdb)
            else:
                fresh = self.embedder.encode_documents(missing, db=db)
            new = {(self.embedder.cache_key, content_hash(t)): v for t, v in zip(missing, fresh)}
            got.update(new)
            with self._vectors_lock:
                self._offers.update(new)
                while len(self._offers) > OFFER_VECTORS:
                    self._offers.popitem(last=False)
        return [got[k] for k in keys]

    def context_for_demand(self, db: Session, demand: Demand, preferences: dict[str, float] | None = None) -> DemandCtx:
        org = demand.organisation
        return self.context_for_text(
            demand.id, demand_text(demand), db=db, org_id=demand.org_id,
            industry=demand.industry_code or org.industry_code, region=demand.region_code or org.county_code,
            modes=list(demand.modes),
            budget_min=float(demand.budget_min) if demand.budget_min is not None else None,
            budget_max=float(demand.budget_max) if demand.budget_max is not None else None,
            preferred_ipc=list(demand.preferred_ipc or []), preferences=preferences or {})

    # ---- candidates ----------------------------------------------------------------------------
    def candidates(self, db: Session, ctx: DemandCtx, filters: SearchFilters | None = None) -> list[Candidate]:
        """Offers retrieved for the demand, fused over both legs; the demanding organisation's own offers
        (``ctx.org_id``) are left out of retrieval, so they neither take slots nor shape the normalisers."""
        own: set[int] = set()
        if ctx.org_id is not None:
            own = set(db.scalars(select(Offer.id).where(Offer.owner_org_id == ctx.org_id,
                                                        Offer.status == ListingStatus.PUBLISHED)))
        # the need's vector (retrieve_whole=False) is waited for only when the semantic leg needs it
        vector = (ctx.vector if self.retrieve_whole or (ctx.need_vector is None and ctx.pending is None)
                  else ctx.need_vector_now)
        got = self.backend.retrieve(DocType.OFFER, tokens=ctx.tokens, vector=vector,
                                    filters=filters or SearchFilters(), window=self.per_leg, facets=False,
                                    exclude=own)
        kw = got.keyword.hits if got.keyword else []
        sem = got.semantic.hits if got.semantic else []
        offers = {o.id: o for o in db.scalars(select(Offer).where(Offer.id.in_(sorted({i for i, _ in kw + sem}))))
                  .unique()}
        if ctx.org_id is not None:  # and any the index still holds as published (it may lag the database)
            own = {i for i, o in offers.items() if o.owner_org_id == ctx.org_id}
            kw, sem = [h for h in kw if h[0] not in own], [h for h in sem if h[0] not in own]
        fused = dict(fusion.rrf(kw, sem))
        kw_scores = dict(kw)
        flagged = flagged_org_ids(db, (offers[i].owner_org_id for i in fused if i in offers))
        sem_scores = dict(sem)
        floor = min(sem_scores.values()) if sem_scores else 0.0
        out = []
        ids = [i for i in fused if i in offers]
        texts = [embed_text(offers[i].title, offer_body(offers[i])) for i in ids]
        vectors: list = [None] * len(ids) if self.legacy else self._offer_vectors(db, texts)
        for i, vec, text in zip(ids, vectors, texts):
            o = offers[i]
            out.append(Candidate(vector=vec,
                id=i, title=o.title, text=text, semantic=sem_scores.get(i, floor),
                ipc=offer_ipc_subclasses(o), county=o.owner.county_code, modes=list(o.modes),
                price=float(o.asking_price) if o.asking_price is not None else None,
                published_at=o.published_at.timestamp() if o.published_at else None, verified=o.owner.verified,
                flagged=o.owner_org_id in flagged,
                org_id=o.owner_org_id, kw_score=kw_scores.get(i, 0.0), fused=fused[i]))
        return out

    def rank(self, ctx: DemandCtx, cands: list[Candidate], now: float | None = None) -> list[Ranked]:
        feats = compute(ctx, cands, self.affinity, now=now)
        ranked = [Ranked(c, s, f) for c, f, s in zip(cands, feats, self.ranker.score_many(feats))]
        return sorted(ranked, key=lambda r: (-r.score, r.candidate.id))

    # ---- explanations ------------------------------------------------------------------------------
    def explain(self, ctx: DemandCtx, r: Ranked) -> dict:
        c = r.candidate
        lowered = c.text.lower()
        shared = sorted({t for t in ctx.tokens if len(t) >= 2 and t in lowered}, key=lambda t: (-len(t), t))[:12]
        words = tuple(shared)
        industry = reference.industry_name((ctx.industry or "")[:2])
        modes_shared = [TransactionMode(m).zh for m in c.modes if m in ctx.modes]
        price_text = "面议" if c.price is None else f"{c.price / 10000:g} 万元"
        budget_text = "未填写" if ctx.budget_max is None else f"{(ctx.budget_min or 0) / 10000:g}–{ctx.budget_max / 10000:g} 万元"
        return {
            "shared_terms": shared,
            "demand_html": textmod.highlight(ctx.text, words, max_len=200),
            "offer_html": textmod.highlight(c.text, words, max_len=200),
            "ipc": c.ipc,
            "ipc_industry": (f"{industry}（{ctx.industry[:2]}）↔ {'、'.join(c.ipc[:3])}" if industry else None),
            "region": reference.region_name(c.county),
            "modes": modes_shared,
            "price": f"报价 {price_text}，预算 {budget_text}",
            "glossary": [h.explanation for h in (ctx.understood.hits if ctx.understood else [])
                         if any(t.lower() in lowered for t in h.technical)],
            "need": ctx.understood.need if ctx.understood else None,
            "contributions": self.ranker.contributions(r.features),
            "credit_warning": c.flagged,
            "strong": self.ranker.strong(r.features),
            "confidence": round(self.ranker.confidence(r.features), 4),  # 匹配度 / 100: 0.80 and above is strong
            "probability": (round(self.ranker.probability(r.features), 4) if hasattr(self.ranker, "probability")
                            else None),
        }

