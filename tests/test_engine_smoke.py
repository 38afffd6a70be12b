"""The dev/CI search engine is a real Elasticsearch 8.19 node that the Python client accepts:
index with a dense_vector, bulk index, kNN with a filter, full-text with jieba-segmented text, terms
aggregation, alias swap."""

from __future__ import annotations

import math

import pytest
from elasticsearch import Elasticsearch, helpers

DIMS = 16


def unit(i: int, wobble: float = 0.0) -> list[float]:
    v = [0.0] * DIMS
    v[i] = 1.0
    v[(i + 1) % DIMS] = wobble
    norm = math.sqrt(sum(x * x for x in v))
    return [x / norm for x in v]


@pytest.fixture
def es(es_url):
    client = Elasticsearch(es_url, request_timeout=30)
    yield client
    client.indices.delete(index="smoke-*", ignore_unavailable=True)
    client.close()


def test_engine_info_and_health(es):
    info = es.info()
    assert info["version"]["number"].startswith("8.19")
    assert es.cluster.health(wait_for_status="yellow", timeout="10s")["status"] in ("green", "yellow")


def test_vector_text_and_aggregation(es):
    es.indices.create(index="smoke-v1", mappings={
        "_source": {"excludes": ["vec"]},
        "properties": {
            "title": {"type": "text", "analyzer": "whitespace"},
            "county": {"type": "keyword"},
            "price": {"type": "double"},
            "vec": {"type": "dense_vector", "dims": DIMS, "index": True, "similarity": "cosine"},
        }})
    docs = [
        ("1", "锂电池 储能 系统 热 管理", "411503", 10.0, unit(1)),
        ("2", "茶叶 杀青 装置", "411524", 20.0, unit(2)),
        ("3", "茶叶 揉捻 机", "411524", 30.0, unit(3)),
        ("4", "羽绒 清洗 工艺", "411522", 40.0, unit(4)),
    ]
    ok, errors = helpers.bulk(es, ({"_index": "smoke-v1", "_id": i, "title": t, "county": c, "price": p, "vec": v}
                                   for i, t, c, p, v in docs), refresh=True)
    assert ok == 4 and not errors

    knn = es.search(index="smoke-v1", knn={"field": "vec", "query_vector": unit(2, 0.3), "k": 2,
                                           "num_candidates": 10})
    assert [h["_id"] for h in knn["hits"]["hits"]] == ["2", "3"]
    assert "vec" not in knn["hits"]["hits"][0]["_source"]  # vectors stay out of _source

    filtered = es.search(index="smoke-v1", knn={"field": "vec", "query_vector": unit(2), "k": 3, "num_candidates": 10,
                                                "filter": {"term": {"county": "411522"}}})
    assert [h["_id"] for h in filtered["hits"]["hits"]] == ["4"]

    text = es.search(index="smoke-v1", query={"match": {"title": "茶叶"}}, highlight={"fields": {"title": {}}})
    assert {h["_id"] for h in text["hits"]["hits"]} == {"2", "3"}
    assert "<em>茶叶</em>" in text["hits"]["hits"][0]["highlight"]["title"][0]

    aggs = es.search(index="smoke-v1", size=0, aggs={"by_county": {"terms": {"field": "county"}},
                                                     "avg_price": {"avg": {"field": "price"}}})
    buckets = {b["key"]: b["doc_count"] for b in aggs["aggregations"]["by_county"]["buckets"]}
    assert buckets == {"411524": 2, "411503": 1, "411522": 1}
    assert aggs["aggregations"]["avg_price"]["value"] == 25.0


def test_alias_swap_is_atomic(es):
    es.indices.create(index="smoke-a", mappings={"properties": {"n": {"type": "integer"}}})
    es.indices.create(index="smoke-b", mappings={"properties": {"n": {"type": "integer"}}})
    es.index(index="smoke-a", id="1", document={"n": 1}, refresh=True)
    es.index(index="smoke-b", id="1", document={"n": 2}, refresh=True)
    es.indices.put_alias(index="smoke-a", name="smoke-live")
    assert es.get(index="smoke-live", id="1")["_source"]["n"] == 1
    es.indices.update_aliases(actions=[{"remove": {"index": "smoke-a", "alias": "smoke-live"}},
                                       {"add": {"index": "smoke-b", "alias": "smoke-live"}}])
    assert es.get(index="smoke-live", id="1")["_source"]["n"] == 2
    assert list(es.indices.get_alias(name="smoke-live")) == ["smoke-b"]
