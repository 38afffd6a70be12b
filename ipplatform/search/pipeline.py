"""The bulk indexing pipeline: documents are built (database reads, jieba segmentation: Python, under
the GIL) one batch ahead on a worker thread while the encoder (which releases the GIL) embeds the
current batch; the backend writes each encoded batch on its own thread (``SearchBackend.rebuild``).
So the encoder, the slowest stage, never waits for the builder. ``reindex`` and
``scripts/bench_search.py`` (pipeline vs bare encoder) both run it."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator

import numpy as np

_DONE = object()


def prefetched(items: Iterable, depth: int = 1) -> Iterator:
    """``items``, produced on a worker thread up to ``depth`` ahead of the consumer. An exception in the
    producer is raised in the consumer; a consumer that stops early stops the producer."""
    slots: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce():
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        slots.put((item, None), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            slots.put((_DONE, None))
        except BaseException as exc:  # noqa: BLE001  (handed to the consumer)
            slots.put((_DONE, exc))

    worker = threading.Thread(target=produce, name="index-build", daemon=True)
    worker.start()
    try:
        while True:
            item, error = slots.get()
            if item is _DONE:
                if error is not None:
                    raise error
                return
            yield item
    finally:
        stop.set()
        worker.join()


def encoded(batches: Iterable[list[dict]], encode: Callable[[list[dict]], np.ndarray]
            ) -> Iterator[tuple[list[dict], np.ndarray]]:
    """(documents, vectors) per batch, the next batch built while this one is encoded."""
    for docs in prefetched(batches):
        yield docs, encode(docs)
