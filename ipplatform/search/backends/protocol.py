"""The search backend protocol: what the search service needs from an index, and nothing more.

Both backends take the same neutral inputs (segmented tokens, a normalised query vector,
``SearchFilters``) and return ranked ``(id, score)`` legs; fusion, sorting of ranked sets, paging,
highlighting and hydration from the database happen once, in ``ipplatform.search.service``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

from ipplatform.search.documents import DocType
from ipplatform.search.query import SearchFilters, SortOrder


VectorSource = np.ndarray | Callable[[], np.ndarray] | None


def resolve(vector: VectorSource) -> np.ndarray | None:
    """The vector itself, waiting for it when it is still being computed."""
    return vector() if callable(vector) else vector


@dataclass
class Leg:
    hits: list[tuple[int, float]]  # (id, score), best first
    total: int  # documents that matched (keyword), or the neighbours at or above the floor (vector leg)


@dataclass
class Retrieved:
    keyword: Leg | None = None
    semantic: Leg | None = None
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    values: dict[int, tuple[float | None, float | None]] = field(default_factory=dict)  # id → (published_at, price)
    union_total: int | None = None  # both legs asked: |keyword matches ∪ semantic neighbours above the floor|
    engine_ms: float = 0.0  # time the engine itself reported (Elasticsearch's ``took``); 0 in process


@dataclass
class Browsed:
    ids: list[int]
    total: int
    last_key: list | None  # sort key of the last hit: the next page's cursor
    facets: dict[str, dict[str, int]] = field(default_factory=dict)


class BackendUnavailable(RuntimeError):
    """The search engine cannot be reached; the indexer retries later, queries report 503."""


@runtime_checkable
class SearchBackend(Protocol):
    name: str

    def ensure(self, doc_type: DocType, dims: int) -> None:
        """Create the index (behind its alias) if it does not exist."""

    def upsert(self, doc_type: DocType, docs: list[dict], vectors: np.ndarray) -> int:
        """Write documents; a document whose stored version is newer is left alone. Returns writes done."""

    def delete(self, doc_type: DocType, ids: list[int], version: int) -> None:
        """Remove documents (ids absent from the index are fine)."""

    def retrieve(self, doc_type: DocType, *, tokens: tuple[str, ...], vector: VectorSource,
                 filters: SearchFilters, window: int, facets: bool, exclude: set[int] = frozenset(),
                 values: bool = False, floor: float | None = None, semantic_k: int | None = None) -> Retrieved:
        """Keyword leg when ``tokens``; semantic leg when ``vector``: the ``semantic_k`` (default
        ``window``) nearest neighbours within the filters whose cosine is at least ``floor``, the best
        ``window`` of them returned, all of them counted in its ``total``. ``vector`` may be a callable
        (a query embedding still being computed), called when the backend needs the vector: the embedded
        backend first runs its keyword leg (FTS5 outside the GIL, so the two overlap), Elasticsearch awaits
        it and then sends both legs in one ``_msearch``. Facets and ``union_total`` are over the union of
        the legs; with ``values``, each hit's (published_at, price) for sorting."""

    def browse(self, doc_type: DocType, *, filters: SearchFilters, sort: SortOrder, after: list | None,
               offset: int, size: int, facets: bool) -> Browsed:
        """Filter-only listing in a total order (sort key, then id) with search-after paging."""

    def suggest(self, doc_type: DocType, prefix: str, size: int) -> list[str]:
        """Completions of a title or IPC prefix."""

    def count(self, doc_type: DocType) -> int: ...

    def versions(self, doc_type: DocType) -> dict[int, int]:
        """Every indexed id with its version (for reconciliation with the database)."""

    def rebuild(self, doc_type: DocType, batches: Iterable[tuple[list[dict], np.ndarray]], dims: int) -> None:
        """Build a fresh index from ``batches`` and switch to it atomically; queries keep answering."""

    def refresh(self, doc_type: DocType) -> None: ...

    def optimize(self, doc_type: DocType) -> None:
        """Merge the index into its most compact form for reading (after a rebuild, before traffic settles):
        Elasticsearch merges it to one segment (one HNSW graph instead of one per segment; searches keep
        answering meanwhile), the embedded backend merges its FTS5 b-trees (holding its lock: searches in the
        same process wait). The same documents match; scores may shift a little as deleted documents leave
        the BM25 statistics, and approximate neighbours may differ at the margin."""

    def close(self) -> None: ...


# The document field each order sorts by and whether descending; relevance falls back to newest first.
SORT_FIELD: dict[SortOrder, tuple[str, bool]] = {
    SortOrder.PRICE_ASC: ("price", False),
    SortOrder.PRICE_DESC: ("price", True),
    SortOrder.NEWEST: ("published_at", True),
    SortOrder.RELEVANCE: ("published_at", True),
}


def sort_key(sort: SortOrder, published_at: float | None, price: float | None) -> float:
    """The primary sort value (ascending order everywhere; missing values last)."""
    field, descending = SORT_FIELD[sort]
    value = price if field == "price" else published_at
    if value is None:
        return float("inf")
    return -value if descending else value
