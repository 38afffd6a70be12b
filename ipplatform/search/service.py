"""The search service: one place that turns a SearchRequest into results, whatever the backend.

Steps: validate (SearchRequest) → segment the query (jieba) and embed it (cached) → the backend's
keyword and/or semantic legs, with facets, in one round trip → fuse (RRF by default) → optional sort
by date/price → page → load the page's rows from the database (the source of truth) → highlight.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import numpy as np
from sqlalchemy.orm import Session

from ipplatform import reference
from ipplatform.auth import policy
from ipplatform.auth.policy import Action
from ipplatform.config import get_settings
from ipplatform.common.enums import ListingStatus, TransactionMode
from ipplatform.common.errors import AppError, FieldError
from ipplatform.common.listing_schemas import modes_zh
from ipplatform.credit.rules import flagged_org_ids
from ipplatform.organisations.enums import OrgKind
from ipplatform.patents.enums import LegalStatus, PatentKind
from ipplatform.search import fusion
from ipplatform.search import text as textmod
from ipplatform.search.backends.protocol import BackendUnavailable, SearchBackend, sort_key
from ipplatform.search import hydrate
from ipplatform.search.documents import DocType, load_rows, source_text, title_words
from ipplatform.search.query import MAX_WINDOW, SearchMode, SearchRequest, SortOrder
from ipplatform.search.schemas import FacetValue, SearchHit, SearchResponse
from ipplatform.search.timing import Timings

_IPC_SUBCLASS = re.compile(r"[a-h]\d\d[a-z]")
_EMBED_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="query-embedding")
MIN_WINDOW = 50  # per leg: RRF over the top 50 of each leg (nDCG@10 on the dev set: see README)
SEMANTIC_K = 200  # the semantic leg counts (and pages through) at most this many neighbours above the floor
# The semantic floor per model (Embedder.cache_key): the highest cosine at which dev-set nDCG@10 of
# semantic-only and hybrid search does not drop (scripts/bench_encoder.py calibrates it: m3e-small
# 0.69, nDCG@10 0.4254 / 0.5124 with and without it; since hybrid fuses only the neighbours above the
# floor, 0.71 costs hybrid 0.0035). Other models: no floor unless IPP_SEARCH_SEMANTIC_FLOOR is set.
FLOORS = {"m3e-small": 0.69}
SOURCE_WORDS = 12  # "more like this": the keyword leg asks for at most this many title words


class SearchUnavailable(AppError):
    status_code = 503
    code = "search_unavailable"

    def __init__(self):
        super().__init__("Search is temporarily unavailable; please retry shortly",
                         "检索服务暂时不可用，请稍后重试")


@lru_cache(maxsize=8192)
def _label(field: str, value: str) -> str:
    try:
        if field == "industry_division":
            return reference.industry_name(value, value)
        if field == "ipc_subclass":
            return reference.ipc_label(value)
        if field == "county":
            return reference.region_name(value, value, full=False)
        enum = {"org_kind": OrgKind, "patent_kind": PatentKind, "legal_status": LegalStatus,
                "mode": TransactionMode, "status": ListingStatus}.get(field)
        return enum(value).zh if enum else value
    except ValueError:
        return value


def encode_cursor(key: list | None) -> str | None:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode() if key else None


def decode_cursor(cursor: str | None) -> list | None:
    if not cursor:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()).decode())
        assert isinstance(key, list) and len(key) == 2
        return key
    except Exception:  # noqa: BLE001
        raise FieldError("cursor is not one this service issued", "翻页游标无效，请从第一页重新查询", field="cursor") from None


def source_query(db: Session | None, doc_type: DocType, row, *,
                 embedder=None) -> tuple[tuple[str, ...], np.ndarray | None]:
    """The "more like this" query of an offer or demand row: the first SOURCE_WORDS distinct words of its
    title (for the keyword leg) and, only when ``embedder`` is given, the vector the index holds for
    the row (from its embedded text, so the embedding cache in ``db`` answers without encoding).
    Search's ``similar_to`` and matching (the demands an offer answers) both ask this way."""
    words = title_words(row.title)[:SOURCE_WORDS]
    vector = embedder.encode_documents([source_text(doc_type, row)], db=db)[0] if embedder is not None else None
    return words, vector


class SearchService:
    def __init__(self, backend: SearchBackend, embedder_provider: Callable, *, fusion_method: str = "rrf",
                 alpha: float = 0.5, semantic_floor: float | None = None):
        self.backend = backend
        self.semantic_floor = semantic_floor
        self._embedder_provider = embedder_provider
        self.fusion_method = fusion_method
        self.alpha = alpha

    def fuse(self, keyword, semantic):
        if self.fusion_method == "weighted":
            return fusion.weighted(keyword, semantic, self.alpha)
        return fusion.rrf(keyword, semantic)

    @staticmethod
    def _scope(db: Session, req: SearchRequest, user) -> SearchRequest:
        """Visibility, decided here for every entry point (query, filters, facets, more like this):
        published listings for everyone; other statuses (an empty status filter means every status)
        only when every organisation filtered on is one whose unpublished listings the user may read
        (its own, those it is custodian for); every status for office staff. A filter on unpublished
        statuses alone means exactly those, among the organisations filtered on (none: all) whose unpublished
        listings the user may read (草稿 → "my drafts"; nothing for a user who may read no one's); with 已发布 among them,
        the published listings."""
        statuses = set(req.filters.status)
        if statuses and statuses <= {ListingStatus.PUBLISHED}:
            return req
        scope = policy.org_scope(db, user, Action.LISTING_READ_UNPUBLISHED)
        if scope is None or (req.filters.org_id and set(req.filters.org_id) <= scope):
            return req
        if statuses and ListingStatus.PUBLISHED not in statuses:
            # among the organisations filtered on, those the user may read; no organisation has id 0
            orgs = (set(req.filters.org_id) & scope) if req.filters.org_id else scope
            filters = req.filters.model_copy(update={"org_id": sorted(orgs) or [0]})
        else:
            filters = req.filters.model_copy(update={"status": [ListingStatus.PUBLISHED]})
        return req.model_copy(update={"filters": filters})

    def floor(self) -> float | None:
        """The semantic floor: IPP_SEARCH_SEMANTIC_FLOOR, else the value calibrated for the model (FLOORS)."""
        if self.semantic_floor is not None:
            return self.semantic_floor
        if get_settings().search_semantic_floor is not None:
            return get_settings().search_semantic_floor
        return FLOORS.get(getattr(self._embedder_provider(), "cache_key", ""))

    def search(self, db: Session, doc_type: DocType, req: SearchRequest, user=None, *,
               source: tuple[DocType, int] | None = None, timings: Timings | None = None) -> SearchResponse:
        """One page of results. Totals do not depend on the page: the keyword leg counts every match,
        the semantic leg the SEMANTIC_K nearest neighbours at or above the floor, hybrid their union."""
        tm = timings or Timings()
        req = self._scope(db, req, user)
        if source is None and req.q and not textmod.has_words(req.q):  # only punctuation or emoji
            return SearchResponse(total=0, page=req.page, page_size=req.page_size, mode=req.mode.value,
                                  sort=req.sort.value, took_ms=round(tm.elapsed(), 2), hits=[], facets={},
                                  tokens=[], unsearchable=True, timings=tm.ms)
        number = source is None and textmod.is_number_query(req.q or "")
        # patent numbers are looked up, whatever the mode: their embedding's neighbours mean nothing
        want_kw = req.mode != SearchMode.SEMANTIC or number
        want_vec = req.mode != SearchMode.KEYWORD and not number
        tokens: tuple[str, ...] = ()
        vector = None
        exclude: set[int] = set()
        reference_row = None
        if source is not None:  # more like this: the source document's title words and vector
            src_type, src_id = source
            with tm.stage("db"):
                reference_row = self._source_row(db, src_type, src_id, user)
            with tm.stage("embed"):
                words, vector = source_query(db, src_type, reference_row,
                                             embedder=self._embedder_provider() if want_vec else None)
            tokens = words if want_kw else ()
            if src_type == doc_type:
                exclude = {src_id}
        elif req.q:
            with tm.stage("seg"):
                tokens = textmod.query_tokens(req.q) if want_kw else ()
            if want_vec and tokens:  # hybrid: the backend awaits the embedding when it needs it (see retrieve)
                vector = self._pending_vector(req.q, tm)
            elif want_vec:
                with tm.stage("embed"):
                    vector = self._embedder_provider().encode_query(req.q)
        try:
            if source is None and not req.q:
                return self._browse(db, doc_type, req, tm, user)
            window = min(MAX_WINDOW, max(MIN_WINDOW, 2 * req.page * req.page_size))
            floor = self.floor() if want_vec else None
            args = dict(filters=req.filters, window=window, exclude=exclude, values=req.sort != SortOrder.RELEVANCE,
                        floor=floor, semantic_k=SEMANTIC_K)
            with tm.stage("engine"):
                got = self.backend.retrieve(doc_type, tokens=tokens, vector=vector, facets=req.facets, **args)
            tm.add("engine", -tm.ms.pop("embed_wait", 0.0))  # waiting for the embedding is not engine time
            tm.add("engine_took", got.engine_ms)
        except BackendUnavailable:
            raise SearchUnavailable() from None
        with tm.stage("fuse"):
            kw = got.keyword.hits if got.keyword else []
            sem = got.semantic.hits if got.semantic else []
            if got.keyword and got.semantic:
                ranked = self.fuse(kw, sem)
                total = got.union_total if got.union_total is not None else len(ranked)
            elif got.keyword:
                ranked, total = kw, got.keyword.total
            else:
                ranked, total = sem, got.semantic.total if got.semantic else 0
            if req.sort != SortOrder.RELEVANCE:
                ranked = sorted(ranked, key=lambda h: (sort_key(req.sort, *got.values.get(h[0], (None, None))), h[0]))
            start = (req.page - 1) * req.page_size
            page = ranked[start:start + req.page_size]
        with tm.stage("seg"):  # semantic mode: the query's words are still marked in the hits
            marked = tokens or textmod.query_tokens(req.q)
        hits = self._hydrate(db, doc_type, page, marked, user, tm)
        reference = None
        if reference_row is not None:
            shown = hydrate.page_rows(db, source[0], [reference_row.id])
            reference = next(iter(self._hits(db, source[0], [(reference_row.id, 1.0)], shown, (), user)), None)
        with tm.stage("facets"):
            facets = self._facets(got.facets)
        semantic_total = got.semantic.total if got.semantic else None
        close = bool(sem)  # the backends return only neighbours at or above the floor
        return SearchResponse(total=total, page=req.page, page_size=req.page_size, mode=req.mode.value,
                              sort=req.sort.value, took_ms=round(tm.elapsed(), 2), hits=hits, facets=facets,
                              tokens=list(tokens), semantic_floor=floor,
                              semantic_total=semantic_total if not got.keyword else None,
                              no_close_match=want_vec and not close,
                              reference=reference, timings=tm.ms)

    def _pending_vector(self, q: str, tm: Timings) -> Callable[[], np.ndarray]:
        """The query's embedding, computed on a worker thread (the encoder releases the GIL) while the
        backend does what it can without it (the embedded backend: its keyword leg); the backend calls the
        result when it needs the vector. ``embed`` is the encoding itself, ``embed_wait`` the time the
        backend then still waited for it."""
        embedder = self._embedder_provider()

        def embed():
            t0 = time.perf_counter()
            try:
                return embedder.encode_query(q)
            finally:
                tm.add("embed", (time.perf_counter() - t0) * 1000)

        pending = _EMBED_POOL.submit(embed)

        def wait() -> np.ndarray:
            t0 = time.perf_counter()
            try:
                return pending.result()
            finally:
                tm.add("embed_wait", (time.perf_counter() - t0) * 1000)

        return wait

    def _browse(self, db, doc_type, req, tm: Timings, user) -> SearchResponse:
        after = decode_cursor(req.cursor)
        with tm.stage("engine"):
            got = self.backend.browse(doc_type, filters=req.filters, sort=req.sort, after=after,
                                      offset=0 if after else (req.page - 1) * req.page_size, size=req.page_size,
                                      facets=req.facets)
        hits = self._hydrate(db, doc_type, [(i, 0.0) for i in got.ids], (), user, tm)
        more = len(got.ids) == req.page_size
        with tm.stage("facets"):
            facets = self._facets(got.facets)
        return SearchResponse(total=got.total, page=req.page, page_size=req.page_size, mode=req.mode.value,
                              sort=req.sort.value, took_ms=round(tm.elapsed(), 2), hits=hits,
                              facets=facets, tokens=[], timings=tm.ms,
                              next_cursor=encode_cursor(got.last_key) if more else None)

    def _source_row(self, db: Session, src_type: DocType, src_id: int, user):
        rows = load_rows(db, src_type, [src_id])
        if not rows or not policy.can_read_listing(user, rows[0]):  # a draft of others is "not found"
            raise FieldError(f"{src_type.value} {src_id} does not exist", "来源信息不存在", field="source")
        return rows[0]

    def _facets(self, raw: dict[str, dict[str, int]]) -> dict[str, list[FacetValue]]:
        return {f: [FacetValue(value=v, label=_label(f, v), count=c) for v, c in values.items()]
                for f, values in raw.items()}

    def _hydrate(self, db: Session, doc_type: DocType, page: list[tuple[int, float]], tokens, user,
                 tm: Timings) -> list[SearchHit]:
        if not page:
            return []
        with tm.stage("db"):
            rows = hydrate.page_rows(db, doc_type, [i for i, _ in page])
            hidden = [r.id for r in rows.values() if r.status != ListingStatus.PUBLISHED]
            if hidden:  # drafts and withdrawn listings: the policy decides on the full rows
                readable = {r.id for r in load_rows(db, doc_type, hidden) if policy.can_read_listing(user, r)}
                rows = {i: r for i, r in rows.items() if r.status == ListingStatus.PUBLISHED or i in readable}
        return self._hits(db, doc_type, page, rows, tokens, user, tm)

    def _hits(self, db: Session, doc_type: DocType, page, rows: dict[int, hydrate.PageRow], tokens, user,
              tm: Timings | None = None) -> list[SearchHit]:
        tm = tm or Timings()
        with tm.stage("db"):
            flagged = flagged_org_ids(db, (r.org_id for r in rows.values()),
                                      under_review=policy.sees_open_credit_flags(user))
        hits = []
        with tm.stage("highlight"):
            for doc_id, score in page:
                row = rows.get(doc_id)
                if row is None:
                    continue  # removed or unpublished in the database; the indexer catches up
                hits.append(SearchHit(
                    id=row.id, doc_type=doc_type.value, score=round(score, 6), title=row.title,
                    title_html=textmod.highlight(row.title, tokens, max_len=200),
                    snippet_html=textmod.highlight(row.body, tokens), organisation=row.org_name,
                    region=reference.region_name(row.county_code), modes=row.modes,
                    modes_zh=modes_zh(row.modes), status=row.status.value, price=row.price,
                    published_at=row.published_at, ipc=row.ipc, url=f"/{doc_type.value}s/{row.id}",
                    credit_warning=row.org_id in flagged))
        return hits

    def suggest(self, doc_type: DocType, prefix: str, size: int = 10) -> list[str]:
        prefix = prefix.strip()
        if not prefix:
            return []
        typed = prefix.lower()
        try:  # a completion equal to what was typed adds nothing -- except a whole IPC subclass, with its title
            found = self.backend.suggest(doc_type, prefix, size + 1)
        except BackendUnavailable:
            raise SearchUnavailable() from None
        whole_code = typed in found and bool(_IPC_SUBCLASS.fullmatch(typed))
        found = ([typed] if whole_code else []) + [s for s in found if s != typed]
        # IPC codes come back with their title: "h01m" → "H01M · PROCESSES OR MEANS, E.G. BATTERIES, …"
        return [reference.ipc_label(s) if _IPC_SUBCLASS.fullmatch(s) else s for s in found[:size]]
