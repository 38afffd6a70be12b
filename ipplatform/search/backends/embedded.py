"""The zero-service default: SQLite FTS5 over jieba-segmented text plus exact vector search in numpy.

Documents persist in one SQLite file (``{type}_doc`` rows with the JSON document and the float32
vector, ``{type}_fts`` an FTS5 table over the segmented title and body). On start the filter fields
and vectors are loaded into memory: each keyword value gets a boolean row mask, numbers a float
array, vectors one float32 matrix. Filters are mask arithmetic, semantic search one matrix-vector
product. Exact search costs ~0.5 ms per 10k documents and grows linearly (~8 ms at 100k, 2 BLAS
threads); memory is ~2 KB per document for the vector. Past ~100k documents use Elasticsearch.

Scoring differs from Elasticsearch in the keyword leg only: FTS5's bm25() (title weighted 2, body 1)
instead of Lucene BM25 summed over fields; the semantic leg is exact cosine where Elasticsearch uses
approximate HNSW.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from ipplatform.search.backends.protocol import SORT_FIELD, Browsed, Leg, Retrieved, resolve
from ipplatform.search.backends.embedded_table import Table
from ipplatform.search.documents import DocType


def fts_query(tokens: Iterable[str]) -> str:
    """An FTS5 MATCH expression that treats every token literally (quotes doubled)."""
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in tokens)


class EmbeddedBackend:
    name = "embedded"

    def __init__(self, path: Path | str, dims: int = 512):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._lock = threading.RLock()
        self._tables: dict[DocType, Table] = {}
        self.default_dims = dims

    # ---- storage --------------------------------------------------------------------------------
    def _create(self, t: str) -> None:
        self._conn.execute(f"CREATE TABLE IF NOT EXISTS {t}_doc (id INTEGER PRIMARY KEY, version INTEGER NOT NULL, "
                           "doc TEXT NOT NULL, vec BLOB NOT NULL)")
        self._conn.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS {t}_fts USING fts5(title_seg, body_seg, "
                           "tokenize='unicode61 remove_diacritics 0')")

    def ensure(self, doc_type: DocType, dims: int | None = None) -> None:
        with self._lock:
            if doc_type in self._tables:
                return
            t = doc_type.value
            self._create(t)
            table = Table(dims or self.default_dims)
            for doc_json, vec in self._conn.execute(f"SELECT doc, vec FROM {t}_doc ORDER BY id"):
                table.put(json.loads(doc_json), np.frombuffer(vec, dtype=np.float32))
            self._tables[doc_type] = table

    def _table(self, doc_type: DocType) -> Table:
        if doc_type not in self._tables:
            self.ensure(doc_type)
        return self._tables[doc_type]

    def _write(self, t: str, table: Table, docs: list[dict], vectors: np.ndarray, *, live: bool) -> int:
        """Write documents into ``{t}_doc``/``{t}_fts`` and ``table`` in one transaction (caller holds the lock).

        ``live``: the tables in use, where a stored newer version wins and an existing text row is replaced;
        otherwise fresh tables being rebuilt."""
        written = 0
        self._conn.execute("BEGIN")
        try:
            for doc, vec in zip(docs, vectors):
                if live:
                    stored = self._conn.execute(f"SELECT version FROM {t}_doc WHERE id = ?", (doc["id"],)).fetchone()
                    if stored is not None and stored[0] >= doc["version"]:
                        continue  # an older snapshot never overwrites a newer one
                body = {k: v for k, v in doc.items() if k not in ("title_seg", "body_seg", "embed_text")}
                self._conn.execute(f"INSERT OR REPLACE INTO {t}_doc (id, version, doc, vec) VALUES (?, ?, ?, ?)",
                                   (doc["id"], doc["version"], json.dumps(body, ensure_ascii=False),
                                    np.asarray(vec, dtype=np.float32).tobytes()))
                if live:
                    self._conn.execute(f"DELETE FROM {t}_fts WHERE rowid = ?", (doc["id"],))
                self._conn.execute(f"INSERT INTO {t}_fts (rowid, title_seg, body_seg) VALUES (?, ?, ?)",
                                   (doc["id"], doc["title_seg"], doc["body_seg"]))
                table.put(body, vec)
                written += 1
            self._conn.execute("COMMIT")
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        return written

    def upsert(self, doc_type: DocType, docs: list[dict], vectors: np.ndarray) -> int:
        table = self._table(doc_type)
        with self._lock:
            return self._write(doc_type.value, table, docs, vectors, live=True)

    def delete(self, doc_type: DocType, ids: list[int], version: int) -> None:
        t = doc_type.value
        table = self._table(doc_type)
        with self._lock:
            self._conn.execute("BEGIN")
            for doc_id in ids:
                self._conn.execute(f"DELETE FROM {t}_doc WHERE id = ? AND version < ?", (doc_id, version))
                self._conn.execute(f"DELETE FROM {t}_fts WHERE rowid = ?", (doc_id,))
                table.remove(doc_id)
            self._conn.execute("COMMIT")

    # ---- queries -------------------------------------------------------------------------------
    def retrieve(self, doc_type, *, tokens, vector, filters, window, facets, exclude=frozenset(),
                 values=False, floor=None, semantic_k=None) -> Retrieved:
        table = self._table(doc_type)
        with self._lock:
            mask = table.filter_mask(filters)
            for doc_id in exclude:
                row = table.row_of.get(doc_id)
                if row is not None:
                    mask[row] = False
            out = Retrieved()
            selected = np.zeros(table.n, dtype=bool)
            if tokens:  # FTS5 runs outside the GIL: a vector being computed meanwhile overlaps it
                found = np.array(self._conn.execute(
                    f"SELECT rowid, -bm25({doc_type.value}_fts, 2.0, 1.0) FROM {doc_type.value}_fts "
                    f"WHERE {doc_type.value}_fts MATCH ?", (fts_query(tokens),)).fetchall(), dtype=np.float64)
                rows, scores = np.empty(0, dtype=np.int64), np.empty(0)
                if found.size:
                    rows, scores = table.rows_of(found[:, 0].astype(np.int64)), found[:, 1]
                    keep = rows >= 0
                    keep[keep] = mask[rows[keep]]
                    rows, scores = rows[keep], scores[keep]
                selected[rows] = True
                best = _best(rows, scores, table.ids, window)
                out.keyword = Leg([(int(table.ids[r]), float(scores[i])) for i, r in best], int(rows.size))
            vector = resolve(vector)
            if vector is not None:
                rows = np.flatnonzero(mask)
                hits, counted = [], 0
                if rows.size:
                    q = np.asarray(vector, dtype=np.float32)
                    if rows.size < table.n / 4:  # a narrow filter: multiply only the selected rows
                        sims = table.vecs[rows] @ q
                    else:  # copying most rows out costs more than the product over all of them (55 vs 16 ms at 100k)
                        sims = (table.vecs[: table.n] @ q)[rows]
                    k = min(max(semantic_k or window, window), rows.size)
                    top = np.argpartition(-sims, k - 1)[:k]
                    top = top[np.lexsort((table.ids[rows[top]], -sims[top]))]
                    if floor is not None:
                        top = top[sims[top] >= floor]
                    hits = [(int(table.ids[rows[i]]), float(sims[i])) for i in top[:window]]
                    selected[rows[top]] = True
                    counted = int(top.size)
                out.semantic = Leg(hits, counted)
                if tokens:
                    out.union_total = int(np.count_nonzero(selected))
            if facets:
                out.facets = table.facet_counts(selected)
            for leg in (out.keyword, out.semantic) if values else ():
                for doc_id, _ in leg.hits if leg else ():
                    r = table.row_of[doc_id]
                    out.values[doc_id] = (_num(table.published[r]), _num(table.price[r]))
            return out

    def browse(self, doc_type, *, filters, sort, after, offset, size, facets) -> Browsed:
        table = self._table(doc_type)
        with self._lock:
            mask = table.filter_mask(filters)
            rows = np.flatnonzero(mask)
            field, descending = SORT_FIELD[sort]
            col = (table.price if field == "price" else table.published)[rows]
            keys = np.where(np.isnan(col), np.inf, -col if descending else col)
            ids = table.ids[rows]
            order = np.lexsort((ids, keys))
            keys, ids = keys[order], ids[order]
            start = offset
            if after:
                k0, id0 = float(after[0]), int(after[1])
                start = int(np.count_nonzero((keys < k0) | ((keys == k0) & (ids <= id0))))
            page_ids = [int(i) for i in ids[start:start + size]]
            last = [float(keys[start + len(page_ids) - 1]), page_ids[-1]] if page_ids else None
            return Browsed(page_ids, int(rows.size), last, table.facet_counts(mask) if facets else {})

    def suggest(self, doc_type, prefix, size) -> list[str]:
        with self._lock:
            return self._table(doc_type).suggestions(prefix.lower(), size)

    def count(self, doc_type) -> int:
        return len(self._table(doc_type).row_of)

    def versions(self, doc_type) -> dict[int, int]:
        self._table(doc_type)
        with self._lock:
            return dict(self._conn.execute(f"SELECT id, version FROM {doc_type.value}_doc"))

    def rebuild(self, doc_type, batches, dims) -> None:
        t, new = doc_type.value, f"{doc_type.value}_next"
        with self._lock:
            self._conn.execute(f"DROP TABLE IF EXISTS {new}_doc")
            self._conn.execute(f"DROP TABLE IF EXISTS {new}_fts")
            self._create(new)
        table = Table(dims)

        def write(docs, vectors):
            with self._lock:
                self._write(new, table, docs, vectors, live=False)

        # Built beside the live table (queries keep using the old one); batch i is written while the
        # caller encodes batch i + 1 (ONNX Runtime releases the GIL).
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="bulk-write") as pool:
            pending = None
            for docs, vectors in batches:
                if pending is not None:
                    pending.result()
                pending = pool.submit(write, docs, vectors)
            if pending is not None:
                pending.result()
        with self._lock:  # the swap: one transaction, then one reference assignment
            self._conn.execute("BEGIN")
            self._conn.execute(f"DROP TABLE IF EXISTS {t}_doc")
            self._conn.execute(f"DROP TABLE IF EXISTS {t}_fts")
            self._conn.execute(f"ALTER TABLE {new}_doc RENAME TO {t}_doc")
            self._conn.execute(f"ALTER TABLE {new}_fts RENAME TO {t}_fts")
            self._conn.execute("COMMIT")
            self._tables[doc_type] = table

    def refresh(self, doc_type) -> None:
        return None  # writes are visible at once

    def optimize(self, doc_type) -> None:
        self.ensure(doc_type)
        t = doc_type.value
        with self._lock:
            self._conn.execute(f"INSERT INTO {t}_fts ({t}_fts) VALUES ('optimize')")  # one b-tree per index

    def drop(self, doc_type) -> None:
        with self._lock:
            self._conn.execute(f"DROP TABLE IF EXISTS {doc_type.value}_doc")
            self._conn.execute(f"DROP TABLE IF EXISTS {doc_type.value}_fts")
            self._tables.pop(doc_type, None)

    def close(self) -> None:
        self._conn.close()


def _best(rows: np.ndarray, scores: np.ndarray, ids: np.ndarray, window: int) -> list[tuple[int, int]]:
    """(index into ``rows``, row) of the ``window`` best scores, ties broken by document id."""
    if rows.size > window:  # everything tied with the window-th score stays in, so ties break by id alone
        cut = np.partition(-scores, window - 1)[window - 1]
        idx = np.flatnonzero(-scores <= cut)
    else:
        idx = np.arange(rows.size)
    idx = idx[np.lexsort((ids[rows[idx]], -scores[idx]))][:window]
    return [(int(i), int(rows[i])) for i in idx]


def _num(x: float) -> float | None:
    return None if np.isnan(x) else float(x)
