"""Elasticsearch 8/9 dialect. Portable by construction: only built-in analyzers (``whitespace`` over
text segmented by jieba in Python, ``keyword`` for completion), ``dense_vector`` with HNSW, term/range
filters, terms aggregations, aliases. No painless, no reindex API, no RRF retriever: so the same code
runs on the dev/CI node (scripts/engine.py) and on a stock cluster.

One index per document type behind an alias (``{prefix}-{type}``); a rebuild creates
``{prefix}-{type}-{timestamp}``, fills it, and swaps the alias in one atomic request. Writes use
external versioning, so an older snapshot can never overwrite a newer one. The vector is excluded
from ``_source`` (it would be 75 % of the index and dominate fetch time); the database can rebuild it.
Searches load no stored fields at all: a hit's id (and its sort values) come from doc values, so the
fetch phase never decompresses a document's ``_source`` (−2.5 to −3 ms per request at 6.8k offers).
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import numpy as np
import orjson
from elasticsearch import ApiError, ConnectionError, ConnectionTimeout, Elasticsearch, NotFoundError, helpers
from elasticsearch.serializer import DEFAULT_SERIALIZERS

from ipplatform.search.backends.protocol import SORT_FIELD, BackendUnavailable, Browsed, Leg, Retrieved, resolve
from ipplatform.search.documents import FACET_FIELDS, KEYWORD_FIELDS, DocType
from ipplatform.search.query import SearchFilters

FACET_SIZE = 50
SEMANTIC_ONLY = "semantic_only"  # the aggregation over neighbours the keyword query does not match
SORT_VALUES = ["published_at", "price"]


class _Orjson:
    """orjson for the JSON and NDJSON bodies: numpy vectors are written as they are (no ``tolist``), several
    times faster than the standard library on 512 floats, which is most of a bulk request."""

    def json_dumps(self, data) -> bytes:
        return orjson.dumps(data, default=self.default, option=orjson.OPT_SERIALIZE_NUMPY)

    def json_loads(self, data: bytes):
        return orjson.loads(data)


SERIALIZERS = {mime: type(f"Orjson{type(base).__name__}", (_Orjson, type(base)), {})()
               for mime, base in DEFAULT_SERIALIZERS.items() if "json" in mime}


def _vector(v) -> np.ndarray:
    return np.ascontiguousarray(v, dtype=np.float32)


def _fetch(values: bool) -> dict:
    """What a search returns per hit: the id (and with ``values`` the sort values) from doc values."""
    return {"stored_fields": "_none_", "docvalue_fields": ["id", *SORT_VALUES] if values else ["id"]}


def _hit_id(hit: dict) -> int:
    return int(hit["fields"]["id"][0])


def mapping(dims: int) -> dict:
    props = {f: {"type": "keyword"} for f in dict.fromkeys(KEYWORD_FIELDS + FACET_FIELDS)}
    props.update({
        "id": {"type": "long"}, "version": {"type": "long"}, "doc_type": {"type": "keyword"},
        "title": {"type": "keyword", "index": False, "doc_values": False},
        "title_seg": {"type": "text", "analyzer": "whitespace", "similarity": "BM25"},
        "body_seg": {"type": "text", "analyzer": "whitespace", "similarity": "BM25"},
        "price": {"type": "double"}, "published_at": {"type": "double"}, "synthetic": {"type": "boolean"},
        "suggest": {"type": "completion", "analyzer": "keyword", "search_analyzer": "keyword"},
        "vec": {"type": "dense_vector", "dims": dims, "index": True, "similarity": "cosine",
                "index_options": {"type": "hnsw", "m": 16, "ef_construction": 100}},
    })
    return {"_source": {"excludes": ["vec", "embed_text"]}, "dynamic": "strict",
            "properties": {**props, "embed_text": {"type": "text", "index": False}}}


def filter_clauses(filters: SearchFilters) -> list[dict]:
    clauses = [{"terms": {f: values}} for f, values in filters.terms().items()]
    for f, (lo, hi) in filters.ranges().items():
        rng = {}
        if lo is not None:
            rng["gte"] = lo
        if hi is not None:
            rng["lte"] = hi
        clauses.append({"range": {f: rng}})
    return clauses


def _aggs(size: int = FACET_SIZE) -> dict:
    return {f: {"terms": {"field": f, "size": size}} for f in FACET_FIELDS}


def _facets(aggs: dict) -> dict[str, dict[str, int]]:
    return {f: {b["key"]: b["doc_count"] for b in aggs[f]["buckets"]} for f in FACET_FIELDS if f in aggs}


def _merge(a: dict[str, dict[str, int]], b: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """Facets of two disjoint sets of documents: counts added, the FACET_SIZE largest kept per field."""
    out = {}
    for f in dict.fromkeys([*a, *b]):
        counts = dict(a.get(f, {}))
        for v, c in b.get(f, {}).items():
            counts[v] = counts.get(v, 0) + c
        out[f] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:FACET_SIZE])
    return out


class ElasticsearchBackend:
    name = "elasticsearch"

    def __init__(self, url: str, *, prefix: str = "ipplatform", timeout: float = 10.0, dims: int = 512,
                 client: Elasticsearch | None = None):
        self.url = url
        self.prefix = prefix
        self.dims = dims
        self._ensured: set[DocType] = set()
        self.es = client or Elasticsearch(url, request_timeout=timeout, max_retries=0, retry_on_timeout=False,
                                             serializers=SERIALIZERS)
        # a rebuild's bulk requests (500 documents with their vectors) may take longer than a query
        self._bulk_client = self.es.options(request_timeout=max(timeout, 120.0))

    def alias(self, doc_type: DocType) -> str:
        return f"{self.prefix}-{doc_type.value}"

    def _call(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (ConnectionError, ConnectionTimeout) as exc:
            raise BackendUnavailable(f"Elasticsearch at {self.url} is unreachable: {exc}") from exc

    def _new_index(self, doc_type: DocType, dims: int, *, loading: bool = False) -> str:
        name = f"{self.alias(doc_type)}-{datetime.now(timezone.utc).strftime('%Y%m%d%H%M%S%f')}"
        settings = {"number_of_shards": 1, "number_of_replicas": 0,
                    "refresh_interval": "-1" if loading else "1s"}
        self._call(self.es.indices.create, index=name, mappings=mapping(dims), settings=settings)
        return name

    def _indices(self, alias: str) -> list[str]:
        """The physical indices behind ``alias`` (none when it does not exist)."""
        try:
            return list(self.es.indices.get_alias(name=alias))
        except NotFoundError:
            return []

    def ensure(self, doc_type: DocType, dims: int | None = None) -> None:
        if doc_type in self._ensured:
            return
        alias = self.alias(doc_type)
        if self._call(self.es.indices.exists_alias, name=alias):
            self._ensured.add(doc_type)
            return
        name = self._new_index(doc_type, dims or self.dims)
        try:
            self._call(self.es.indices.put_alias, index=name, name=alias)
        except ApiError:  # another process won the race
            self._call(self.es.indices.delete, index=name, ignore_unavailable=True)
        self._ensured.add(doc_type)

    def _actions(self, index: str, docs: list[dict], vectors: np.ndarray):
        for doc, vec in zip(docs, vectors):
            yield {"_op_type": "index", "_index": index, "_id": str(doc["id"]),
                   "_source": {**doc, "vec": _vector(vec)},
                   "version": doc["version"], "version_type": "external"}

    def upsert(self, doc_type: DocType, docs: list[dict], vectors: np.ndarray) -> int:
        self.ensure(doc_type)
        if not docs:
            return 0
        ok, errors = self._call(helpers.bulk, self.es, self._actions(self.alias(doc_type), docs, vectors),
                                raise_on_error=False, raise_on_exception=False, chunk_size=500)
        real = [e for e in errors if (e.get("index") or {}).get("status") != 409]  # 409: stored version newer
        if real:
            if any((e.get("index") or {}).get("status") is None for e in real):
                raise BackendUnavailable(f"bulk write failed: {real[:2]}")
            raise RuntimeError(f"bulk write rejected {len(real)} documents: {real[:2]}")
        return ok

    def delete(self, doc_type: DocType, ids: list[int], version: int) -> None:
        actions = ({"_op_type": "delete", "_index": self.alias(doc_type), "_id": str(i), "version": version,
                    "version_type": "external"} for i in ids)
        _, errors = self._call(helpers.bulk, self.es, actions, raise_on_error=False, raise_on_exception=False)
        real = [e for e in errors if (e.get("delete") or {}).get("status") not in (404, 409)]
        if real:
            raise RuntimeError(f"bulk delete failed: {real[:2]}")

    def retrieve(self, doc_type, *, tokens, vector, filters, window, facets, exclude=frozenset(),
                 values=False, floor=None, semantic_k=None) -> Retrieved:
        """Both legs with knn run once: the keyword leg (with the facets of its matches) and the semantic
        leg (the floored neighbours, plus the count and facets of those the keyword query does not match:
        a ``filter`` aggregation), so the union's size and facets are sums. Both go in one ``_msearch``,
        which the node runs side by side, once the vector is there (a callable is awaited first). Sending
        the keyword request while the query was still being embedded was slower on 2 cores: the engine's
        work slowed the encoder more than it hid (interleaved A/B, 6.8k offers, hybrid p95 33.3-33.5 ms
        overlapping vs 29.0-32.0 ms encoding first)."""
        self.ensure(doc_type)
        fetch = _fetch(values)
        alias = self.alias(doc_type)
        flt = filter_clauses(filters)
        if exclude:
            flt = [*flt, {"bool": {"must_not": {"ids": {"values": [str(i) for i in exclude]}}}}]
        match = {"multi_match": {"query": " ".join(tokens), "fields": ["title_seg^2", "body_seg"],
                                 "type": "most_fields", "operator": "or"}} if tokens else None
        keyword = semantic = None
        if match:
            body = {"query": {"bool": {"must": [match], "filter": flt}}, "size": window, **fetch,
                    "track_total_hits": True}
            if facets:
                body["aggs"] = _aggs(FACET_SIZE * 2)
            keyword = ("keyword", body)
        vector = resolve(vector)
        if vector is not None:
            k = max(semantic_k or window, window)
            knn = {"field": "vec", "query_vector": _vector(vector), "k": k,
                   "num_candidates": min(max(2 * k, 100), 10000), "filter": flt}
            if floor is not None:  # the raw cosine, not the (1 + cos) / 2 score
                knn["similarity"] = float(floor)
            body = {"knn": knn, "size": window, **fetch, "track_total_hits": True}
            if match:  # the neighbours the keyword query misses: counted, with their facets (at most k values)
                agg = {"filter": {"bool": {"must_not": [match]}}}
                if facets:
                    agg["aggs"] = _aggs(k)
                body["aggs"] = {SEMANTIC_ONLY: agg}
            elif facets:
                body["aggs"] = _aggs()
            semantic = ("semantic", body)
        out, only = self._run(alias, [s for s in (keyword, semantic) if s], values)
        if out.keyword is not None and out.semantic is not None:
            out.union_total = out.keyword.total + only[0]
        if facets:
            out.facets = _merge(out.facets, only[1])
        return out

    def _run(self, alias: str, searches: list[tuple[str, dict]], values: bool) -> tuple[Retrieved, tuple[int, dict]]:
        """One ``_msearch`` (its searches run side by side on the node): the legs, and the count and facets
        of the semantic neighbours the keyword query does not match."""
        out, only = Retrieved(), (0, {})
        if not searches:
            return out, only
        lines = []
        for _, body in searches:
            lines.extend([{"index": alias}, body])
        resp = self._call(self.es.msearch, searches=lines)
        out.engine_ms = max(float(r.get("took", 0)) for r in resp["responses"])
        for (kind, _), r in zip(searches, resp["responses"]):
            if "error" in r:
                raise RuntimeError(f"search failed: {r['error']}")
            raw = r["hits"]["hits"]
            # ties broken by id, as the embedded backend does: Lucene's own order of equal scores follows
            # segment layout, which a merge changes
            hits = sorted(((_hit_id(h), float(h["_score"])) for h in raw), key=lambda h: (-h[1], h[0]))
            for h in raw if values else ():
                got = h.get("fields") or {}
                out.values[_hit_id(h)] = tuple((got.get(f) or [None])[0] for f in SORT_VALUES)
            aggs = r.get("aggregations") or {}
            if kind == "keyword":
                out.keyword = Leg(hits, r["hits"]["total"]["value"])
                out.facets = _merge(out.facets, _facets(aggs))
            else:  # Elasticsearch scores cosine as (1 + cos) / 2: report the cosine itself
                out.semantic = Leg([(i, 2.0 * s - 1.0) for i, s in hits], r["hits"]["total"]["value"])
                if SEMANTIC_ONLY in aggs:
                    only = (int(aggs[SEMANTIC_ONLY]["doc_count"]), _facets(aggs[SEMANTIC_ONLY]))
                elif aggs:
                    out.facets = _merge(out.facets, _facets(aggs))
        return out, only

    def browse(self, doc_type, *, filters, sort, after, offset, size, facets) -> Browsed:
        self.ensure(doc_type)
        field, descending = SORT_FIELD[sort]
        order = "desc" if descending else "asc"
        body = {"query": {"bool": {"filter": filter_clauses(filters)}}, "size": size, **_fetch(False),
                "sort": [{field: {"order": order, "missing": "_last"}}, {"id": "asc"}], "track_total_hits": True}
        if after:
            body["search_after"] = after
        elif offset:
            body["from"] = offset
        if facets:
            body["aggs"] = _aggs()
        r = self._call(self.es.search, index=self.alias(doc_type), **body)
        hits = r["hits"]["hits"]
        return Browsed([_hit_id(h) for h in hits], r["hits"]["total"]["value"],
                       hits[-1]["sort"] if hits else None, _facets(r.get("aggregations") or {}))

    def suggest(self, doc_type, prefix, size) -> list[str]:
        self.ensure(doc_type)
        r = self._call(self.es.search, index=self.alias(doc_type), _source=False, suggest={
            "s": {"prefix": prefix.lower(), "completion": {"field": "suggest", "size": size, "skip_duplicates": True}}})
        return [o["text"] for o in r["suggest"]["s"][0]["options"]]

    def count(self, doc_type) -> int:
        self.ensure(doc_type)
        return int(self._call(self.es.count, index=self.alias(doc_type))["count"])

    def versions(self, doc_type) -> dict[int, int]:
        self.ensure(doc_type)
        out: dict[int, int] = {}
        for hit in self._call(helpers.scan, self.es, index=self.alias(doc_type), query={"query": {"match_all": {}}},
                              _source=False, version=True, size=2000):
            out[int(hit["_id"])] = int(hit["_version"])
        return out

    def rebuild(self, doc_type, batches: Iterable[tuple[list[dict], np.ndarray]], dims: int) -> None:
        alias = self.alias(doc_type)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="bulk-write") as pool:
            # The writer thread creates the index while the caller builds and encodes the first batch, then
            # writes batch i while batch i + 1 is built and encoded (the encoder is the bottleneck).
            creating = pool.submit(self._new_index, doc_type, dims, loading=True)
            try:
                pending = None
                for docs, vectors in batches:
                    if pending is not None:
                        pending.result()
                    pending = pool.submit(self._write_batch, creating.result(), docs, vectors)
                if pending is not None:
                    pending.result()
                name = creating.result()
                self.es.indices.put_settings(index=name, settings={"refresh_interval": "1s"})
                self.es.indices.refresh(index=name)
            except BaseException:
                if creating.exception() is None:  # waits for it: the index is there, and goes
                    self.es.indices.delete(index=creating.result(), ignore_unavailable=True)
                raise
        old = self._indices(alias)
        actions = [{"remove": {"index": o, "alias": alias}} for o in old] + [{"add": {"index": name, "alias": alias}}]
        self.es.indices.update_aliases(actions=actions)  # atomic: queries see old, then new
        self._ensured.add(doc_type)
        for o in old:
            self.es.indices.delete(index=o, ignore_unavailable=True)

    def _write_batch(self, name: str, docs: list[dict], vectors: np.ndarray) -> None:
        helpers.bulk(self._bulk_client, list(self._actions(name, docs, vectors)), chunk_size=500)

    def refresh(self, doc_type) -> None:
        self.ensure(doc_type)
        self._call(self.es.indices.refresh, index=self.alias(doc_type))

    def optimize(self, doc_type) -> None:
        """One segment: a bulk load leaves several, and a knn search walks one HNSW graph per segment
        (merging 100k vectors takes minutes, hence the long timeout; searches keep answering meanwhile)."""
        self.ensure(doc_type)
        self._call(self.es.options(request_timeout=3600).indices.forcemerge, index=self.alias(doc_type),
                   max_num_segments=1)
        self._call(self.es.indices.refresh, index=self.alias(doc_type))

    def drop(self, doc_type) -> None:
        for name in self._indices(self.alias(doc_type)):
            self.es.indices.delete(index=name, ignore_unavailable=True)
        self._ensured.discard(doc_type)

    def close(self) -> None:
        self.es.close()
