"""The embedded backend's in-memory table: facet counts stay exact through inserts, rewrites and
removals, for small selections (counted from the documents) and large ones (one bincount per field)."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest

from ipplatform.search.backends.embedded_table import Table
from ipplatform.search.documents import FACET_FIELDS

VALUES = {"ipc_subclass": ["H01M", "A23F", "G06F", "B65G", "A01K"], "county": ["411502", "411503", "411521"],
          "mode": ["transfer", "pledge", "ordinary_licence"], "status": ["published", "draft"]}


def random_doc(rng: random.Random, doc_id: int) -> dict:
    doc = {"id": doc_id, "suggest": []}
    for f in FACET_FIELDS:
        pool = VALUES.get(f, ["x", "y"])
        doc[f] = rng.sample(pool, k=rng.randint(0, min(3, len(pool))))
    return doc


def brute_force(docs: dict[int, dict], chosen: set[int]) -> dict[str, dict[str, int]]:
    out = {}
    for f in FACET_FIELDS:
        c = Counter(v for i in chosen for v in set(docs[i][f]))
        out[f] = dict(sorted(c.items(), key=lambda kv: (-kv[1], kv[0])))
    return out


@pytest.mark.parametrize("n", [120, 3000])  # below and above the small-selection threshold
def test_facet_counts_follow_every_change(n):
    rng = random.Random(n)
    table = Table(dims=4, capacity=16)  # small capacity: the arrays grow while documents arrive
    docs: dict[int, dict] = {}
    for step in range(3):
        for doc_id in range(1, n + 1):
            if step == 0 or rng.random() < 0.3:  # insert, then rewrite a third of them
                docs[doc_id] = random_doc(rng, doc_id)
                table.put(docs[doc_id], np.ones(4, dtype=np.float32))
        for doc_id in rng.sample(sorted(docs), k=n // 10):  # and remove some
            table.remove(doc_id)
            del docs[doc_id]
        chosen = {i for i in docs if rng.random() < 0.6}
        selected = np.zeros(table.n, dtype=bool)
        rows = table.rows_of(np.array(sorted(chosen), dtype=np.int64))
        assert (rows >= 0).all()
        selected[rows] = True
        assert table.facet_counts(selected) == brute_force(docs, chosen)


def test_rows_of_answers_minus_one_for_unknown_ids():
    table = Table(dims=4)
    for doc_id in (5, 9, 2):
        table.put({"id": doc_id}, np.ones(4, dtype=np.float32))
    table.remove(9)
    assert table.rows_of(np.array([2, 5, 9, 7, 100], dtype=np.int64)).tolist() == [2, 0, -1, -1, -1]
