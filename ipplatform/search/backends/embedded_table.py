"""The embedded backend's in-memory columns of one document type: ids, vectors, prices and dates as
arrays; a boolean row mask per keyword value (filters are mask arithmetic); facet values as
(row, code, row version) pairs so that counting the facets of any set of rows is one ``bincount``
per field; title/IPC completions in a sorted list."""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter

import numpy as np

from ipplatform.search.documents import FACET_FIELDS, KEYWORD_FIELDS
from ipplatform.search.query import SearchFilters

MASK_FIELDS = tuple(dict.fromkeys(KEYWORD_FIELDS + FACET_FIELDS))


class Table:
    """In-memory columns of one document type."""

    def __init__(self, dims: int, capacity: int = 1024):
        self.dims = dims
        self.cap = capacity
        self.n = 0
        self.row_of: dict[int, int] = {}
        self.ids = np.zeros(capacity, dtype=np.int64)
        self.alive = np.zeros(capacity, dtype=bool)
        self.vecs = np.zeros((capacity, dims), dtype=np.float32)
        self.price = np.full(capacity, np.nan)
        self.published = np.full(capacity, np.nan)
        self.masks: dict[str, dict[str, np.ndarray]] = {f: {} for f in MASK_FIELDS}
        self.docs: list[dict | None] = [None] * capacity
        self.suggest = Counter()
        self._suggest_sorted: list[str] | None = None
        self._lookup: tuple[np.ndarray, np.ndarray] | None = None  # (sorted ids, their rows), rebuilt after changes
        self.ver = np.zeros(capacity, dtype=np.int64)  # bumped whenever a row's document changes
        self._codes: dict[str, dict[str, int]] = {f: {} for f in FACET_FIELDS}  # facet value → code
        self._values: dict[str, list[str]] = {f: [] for f in FACET_FIELDS}  # code → facet value
        self._pending: dict[str, list[tuple[int, int, int]]] = {f: [] for f in FACET_FIELDS}
        empty = np.empty(0, dtype=np.int64)
        self._pairs = {f: (empty, empty, empty) for f in FACET_FIELDS}  # rows, codes, row versions

    def _grow(self) -> None:
        new = self.cap * 2

        def grow(a, fill):
            b = np.full((new, *a.shape[1:]), fill, dtype=a.dtype)
            b[: self.cap] = a
            return b

        self.ids, self.alive, self.ver = grow(self.ids, 0), grow(self.alive, False), grow(self.ver, 0)
        self.vecs = grow(self.vecs, 0.0)
        self.price, self.published = grow(self.price, np.nan), grow(self.published, np.nan)
        for values in self.masks.values():
            for v in list(values):
                values[v] = grow(values[v], False)
        self.docs.extend([None] * (new - self.cap))
        self.cap = new

    def _unset(self, row: int) -> None:
        old = self.docs[row]
        if old is None:
            return
        for f in MASK_FIELDS:
            for v in old.get(f, []):
                self.masks[f][v][row] = False
        self.suggest.subtract(old.get("suggest", []))
        self._suggest_sorted = None

    def put(self, doc: dict, vec: np.ndarray) -> None:
        row = self.row_of.get(doc["id"])
        if row is None:
            if self.n == self.cap:
                self._grow()
            row = self.n
            self.n += 1
            self.row_of[doc["id"]] = row
            self._lookup = None
        else:
            self._unset(row)
        self.ids[row] = doc["id"]
        self.alive[row] = True
        self.vecs[row] = vec
        self.price[row] = np.nan if doc.get("price") is None else doc["price"]
        self.published[row] = np.nan if doc.get("published_at") is None else doc["published_at"]
        kept = {f: [str(v) for v in (doc.get(f) if isinstance(doc.get(f), list) else [doc.get(f)]) if v is not None]
                for f in MASK_FIELDS}
        for f, values in kept.items():
            for v in values:
                mask = self.masks[f].get(v)
                if mask is None:
                    mask = self.masks[f][v] = np.zeros(self.cap, dtype=bool)
                mask[row] = True
        self.ver[row] += 1
        for f in FACET_FIELDS:
            codes = self._codes[f]
            for v in dict.fromkeys(kept[f]):
                code = codes.get(v)
                if code is None:
                    code = codes[v] = len(self._values[f])
                    self._values[f].append(v)
                self._pending[f].append((row, code, int(self.ver[row])))
        kept["suggest"] = [s.lower() for s in doc.get("suggest", [])]
        self.suggest.update(kept["suggest"])
        self._suggest_sorted = None
        self.docs[row] = kept

    def remove(self, doc_id: int) -> None:
        row = self.row_of.pop(doc_id, None)
        if row is None:
            return
        self._lookup = None
        self._unset(row)
        self.alive[row] = False
        self.ver[row] += 1
        self.docs[row] = None

    def rows_of(self, doc_ids: np.ndarray) -> np.ndarray:
        """The row of each document id, -1 for ids not held."""
        if self._lookup is None:
            keys = np.fromiter(self.row_of.keys(), dtype=np.int64, count=len(self.row_of))
            vals = np.fromiter(self.row_of.values(), dtype=np.int64, count=len(self.row_of))
            order = np.argsort(keys)
            self._lookup = keys[order], vals[order]
        keys, vals = self._lookup
        if not keys.size:
            return np.full(doc_ids.shape, -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(keys, doc_ids), keys.size - 1)
        return np.where(keys[at] == doc_ids, vals[at], -1)

    def filter_mask(self, filters: SearchFilters) -> np.ndarray:
        mask = self.alive[: self.n].copy()
        for f, values in filters.terms().items():
            any_of = np.zeros(self.n, dtype=bool)
            for v in values:
                m = self.masks[f].get(v)
                if m is not None:
                    any_of |= m[: self.n]
            mask &= any_of
        for f, (lo, hi) in filters.ranges().items():
            col = (self.price if f == "price" else self.published)[: self.n]
            with np.errstate(invalid="ignore"):
                mask &= ~np.isnan(col)
                if lo is not None:
                    mask &= col >= lo
                if hi is not None:
                    mask &= col <= hi
        return mask

    def _facet_pairs(self, f: str) -> tuple[np.ndarray, np.ndarray]:
        """(rows, codes) of the current facet values of field ``f``: pairs of rewritten or removed rows
        are dropped (their version is behind the row's), the table compacted when half of it is stale."""
        rows, codes, vers = self._pairs[f]
        if self._pending[f]:
            new = np.array(self._pending[f], dtype=np.int64).reshape(-1, 3)
            rows, codes, vers = (np.concatenate([rows, new[:, 0]]), np.concatenate([codes, new[:, 1]]),
                                 np.concatenate([vers, new[:, 2]]))
            self._pending[f] = []
        live = vers == self.ver[rows]
        if np.count_nonzero(live) * 2 < live.size:
            rows, codes, vers = rows[live], codes[live], vers[live]
            live = np.ones(rows.size, dtype=bool)
        self._pairs[f] = rows, codes, vers
        return rows[live], codes[live]

    def facet_counts(self, selected: np.ndarray) -> dict[str, dict[str, int]]:
        """Per facet field, value → number of selected rows holding it, largest first (ties by value)."""
        rows = np.flatnonzero(selected)
        counted = {}
        for f in FACET_FIELDS:
            if rows.size < 500:  # few rows: count their values rather than scan every pair
                c = Counter(v for r in rows.tolist() for v in set(self.docs[r].get(f, ())))
                counted[f] = dict(c)
                continue
            pair_rows, pair_codes = self._facet_pairs(f)
            counts = np.bincount(pair_codes[selected[pair_rows]], minlength=len(self._values[f]))
            values = self._values[f]
            counted[f] = {values[i]: int(counts[i]) for i in np.flatnonzero(counts)}
        return {f: dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))) for f, counts in counted.items()}

    def suggestions(self, prefix: str, size: int) -> list[str]:
        if self._suggest_sorted is None:
            self._suggest_sorted = sorted(t for t, c in self.suggest.items() if c > 0)
        terms = self._suggest_sorted
        i = bisect_left(terms, prefix)
        found = []
        while i < len(terms) and terms[i].startswith(prefix) and len(found) < 200:
            found.append(terms[i])
            i += 1
        found.sort(key=lambda t: (-self.suggest[t], len(t), t))
        return found[:size]
