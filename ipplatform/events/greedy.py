"""The first-fit greedy baseline (for the benchmark) and the fair start the CP-SAT solver is hinted with."""

from __future__ import annotations

import time
from collections import defaultdict

from ipplatform.events.instance import PRIORITY, Instance, Prepared, Schedule, prepare, result_of


def greedy_choice(prep: Prepared) -> set[tuple[int, str]]:
    """First fit: pairs by (forced, accepted, proposed) then value; each in the first slot where both are
    free, under their caps, and a table is left."""
    busy: set[tuple[str, str]] = set()
    load: dict[str, int] = defaultdict(int)
    tables: dict[str, int] = defaultdict(int)
    chosen = set()
    ranked = sorted(range(len(prep.pairs)), key=lambda k: (PRIORITY[prep.pairs[k].status], -prep.pairs[k].value, k))
    for k in ranked:
        p = prep.pairs[k]
        if load[p.a] >= prep.cap[p.a] or load[p.b] >= prep.cap[p.b]:
            continue
        for s in prep.slots_of[k]:
            if (p.a, s) not in busy and (p.b, s) not in busy and tables[s] < prep.inst.tables:
                busy.update(((p.a, s), (p.b, s)))
                load[p.a] += 1
                load[p.b] += 1
                tables[s] += 1
                chosen.add((k, s))
                break
    return chosen


def fair_choice(prep: Prepared) -> set[tuple[int, str]]:
    """A start for the solver: first one meeting for each participant (fewest candidates first, their best
    pair that still fits), then first fit by value. Only a hint: the solver proves and improves on it."""
    busy: set[tuple[str, str]] = set()
    load: dict[str, int] = defaultdict(int)
    tables: dict[str, int] = defaultdict(int)
    chosen: set[tuple[int, str]] = set()
    placed: set[int] = set()

    def place(k: int) -> bool:
        p = prep.pairs[k]
        if k in placed or load[p.a] >= prep.cap[p.a] or load[p.b] >= prep.cap[p.b]:
            return False
        for s in sorted(prep.slots_of[k], key=lambda s: tables[s]):
            if (p.a, s) not in busy and (p.b, s) not in busy and tables[s] < prep.inst.tables:
                busy.update(((p.a, s), (p.b, s)))
                load[p.a] += 1
                load[p.b] += 1
                tables[s] += 1
                chosen.add((k, s))
                placed.add(k)
                return True
        return False

    for k in (k for k, p in enumerate(prep.pairs) if p.status == "forced"):
        place(k)
    for pid in sorted(prep.schedulable, key=lambda pid: len(prep.by_participant[pid])):
        if load[pid]:
            continue
        ks = sorted(prep.by_participant[pid], key=lambda k: (load[prep.pairs[k].a] + load[prep.pairs[k].b],
                                                               -prep.pairs[k].value))
        any(place(k) for k in ks)
    for k in sorted(range(len(prep.pairs)), key=lambda k: (PRIORITY[prep.pairs[k].status], -prep.pairs[k].value)):
        place(k)
    return chosen


def greedy(inst: Instance) -> Schedule:
    started = time.perf_counter()
    prep = prepare(inst)
    chosen = greedy_choice(prep)
    placed = {k for k, _ in chosen}
    missing = [p for k, p in enumerate(prep.pairs) if p.status == "forced" and k not in placed]
    result = result_of(prep, [(prep.pairs[k], s) for k, s in chosen], "feasible", started, fair=False)
    if missing:
        p = missing[0]
        result.status = "infeasible"
        result.explanation = f"greedy could not place forced pair {p.a}–{p.b}"
        result.explanation_zh = f"贪心排程无法安排指定配对 {p.a}–{p.b}"
    return result
