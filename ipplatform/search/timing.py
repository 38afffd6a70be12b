"""Where a search request's time goes: named stages, summed per request, reported in the benchmark
(scripts/bench_search.py) and as a ``Server-Timing`` response header (the browser's dev tools show it).

Stages (milliseconds): ``seg`` segmentation, ``embed`` query encoding (in hybrid mode it runs beside the
keyword leg, so it overlaps ``engine``), ``engine`` the backend's work as the client sees it, less any
wait for that embedding, ``engine_took`` what the engine itself reported, ``fuse`` fusion / sorting / paging,
``facets`` facet labels, ``db`` loading the page's rows, ``highlight`` snippets and hit building,
``render`` JSON or HTML, ``total`` the whole request.
"""

from __future__ import annotations

import time
from contextlib import contextmanager

STAGES = ("seg", "embed", "engine", "engine_took", "fuse", "facets", "db", "highlight", "render", "total")


class Timings:
    def __init__(self):
        self.ms: dict[str, float] = {}
        self._start = time.perf_counter()

    def add(self, stage: str, ms: float) -> None:
        self.ms[stage] = self.ms.get(stage, 0.0) + ms

    @contextmanager
    def stage(self, name: str):
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.add(name, (time.perf_counter() - t0) * 1000)

    def elapsed(self) -> float:
        return (time.perf_counter() - self._start) * 1000

    def finish(self) -> dict[str, float]:
        self.ms["total"] = self.elapsed()
        return self.ms

    def header(self) -> str:
        """``Server-Timing`` value: ``seg;dur=0.31, embed;dur=9.8, …``."""
        return ", ".join(f"{k};dur={v:.2f}" for k, v in sorted(self.ms.items(), key=lambda kv: _order(kv[0])))


def _order(stage: str) -> int:
    return STAGES.index(stage) if stage in STAGES else len(STAGES)
