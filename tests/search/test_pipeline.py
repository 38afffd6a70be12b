"""The indexing pipeline's prefetch: order kept, the builder runs ahead on its own thread, its errors
reach the consumer, and a consumer that stops early stops it."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from ipplatform.search.pipeline import encoded, prefetched


def test_items_arrive_in_order_built_on_another_thread():
    threads = []

    def build():
        for i in range(50):
            threads.append(threading.current_thread().name)
            yield i

    assert list(prefetched(build())) == list(range(50))
    assert set(threads) == {"index-build"}


def test_the_next_batch_is_built_while_this_one_is_encoded():
    built = threading.Event()
    seen = []

    def batches():
        yield [{"n": 1}]
        built.set()  # reached only while the consumer still works on the first batch
        yield [{"n": 2}]

    def encode(docs):
        if docs[0]["n"] == 1:
            assert built.wait(5), "the second batch was not built during the first one's encoding"
        seen.append(docs[0]["n"])
        return np.zeros((len(docs), 3), dtype=np.float32)

    out = list(encoded(batches(), encode))
    assert [d[0]["n"] for d, _ in out] == seen == [1, 2]


def test_a_builder_error_reaches_the_consumer():
    def build():
        yield 1
        raise ValueError("row 7 cannot be read")

    got = []
    with pytest.raises(ValueError, match="row 7"):
        for item in prefetched(build()):
            got.append(item)
    assert got == [1]


def test_stopping_early_stops_the_builder():
    produced = []

    def build():
        for i in range(1000):
            produced.append(i)
            yield i

    for item in prefetched(build()):
        if item == 3:
            break
    assert len(produced) <= 6  # at most the item in hand, the one queued and the one being put
