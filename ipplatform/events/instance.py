"""The schedule problem as plain data: slots, tables, participants (cap, availability), pairs (value, status),
meetings to keep; the prepared form the solvers share (merged pairs, usable slots) and the table numbering.
Solved by ``ipplatform.events.optimiser`` (CP-SAT) or ``ipplatform.events.greedy`` (the baseline)."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field

STATUSES = ("proposed", "accepted", "forced", "declined")
PRIORITY = {"forced": 0, "accepted": 1, "proposed": 2}
SCALE = 1000  # pair values (0 … 1, or any non-negative number) are scaled to integers for CP-SAT


class InstanceError(ValueError):
    """The instance is malformed (unknown participant or slot, bad value)."""


class Infeasible(Exception):
    """Forced pairs cannot all be placed. ``participant`` is the one the explanation names."""

    def __init__(self, message: str, message_zh: str, participant: str | None = None):
        super().__init__(message)
        self.message, self.message_zh, self.participant = message, message_zh, participant


@dataclass(frozen=True)
class Participant:
    id: str
    max_meetings: int
    available: frozenset[str] | None = None  # None: every slot


@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    value: float
    status: str = "proposed"


@dataclass(frozen=True)
class Meeting:
    a: str
    b: str
    slot: str
    table: int


@dataclass
class Instance:
    slots: list[str]
    tables: int
    participants: list[Participant]
    pairs: list[Pair]
    keep: list[Meeting] = field(default_factory=list)  # already-notified meetings to keep where possible

    @classmethod
    def from_json(cls, data: dict) -> Instance:
        try:
            slots = [str(s) for s in data["slots"]]
            tables = int(data["tables"])
            parts = [Participant(str(p["id"]), int(p.get("max_meetings", len(slots))),
                                 frozenset(map(str, p["available"])) if p.get("available") is not None else None)
                     for p in data["participants"]]
            pairs = [Pair(str(p["a"]), str(p["b"]), float(p.get("value", 0)), str(p.get("status", "proposed")))
                     for p in data["pairs"]]
            keep = [Meeting(str(m["a"]), str(m["b"]), str(m["slot"]), int(m.get("table", 0)))
                    for m in data.get("keep", [])]
        except (KeyError, TypeError, ValueError) as exc:
            raise InstanceError(f"malformed instance: {exc!r}") from exc
        inst = cls(slots, tables, parts, pairs, keep)
        inst.validate()
        return inst

    def validate(self) -> None:
        if len(set(self.slots)) != len(self.slots):
            raise InstanceError("slot ids repeat")
        if self.tables < 0:
            raise InstanceError("tables must be ≥ 0")
        ids = [p.id for p in self.participants]
        if len(set(ids)) != len(ids):
            raise InstanceError("participant ids repeat")
        known = set(self.slots)
        for p in self.participants:
            if p.max_meetings < 0:
                raise InstanceError(f"participant {p.id}: max_meetings must be ≥ 0")
            if p.available is not None and not p.available <= known:
                raise InstanceError(f"participant {p.id}: unknown slots {sorted(p.available - known)}")
        for pair in self.pairs:
            for side in (pair.a, pair.b):
                if side not in set(ids):
                    raise InstanceError(f"pair {pair.a}–{pair.b}: unknown participant {side}")
            if pair.status not in STATUSES:
                raise InstanceError(f"pair {pair.a}–{pair.b}: status must be one of {', '.join(STATUSES)}")
            if pair.value < 0:
                raise InstanceError(f"pair {pair.a}–{pair.b}: value must be ≥ 0")


@dataclass
class Schedule:
    meetings: list[Meeting]
    total_value: float
    unmet: list[str]
    status: str  # optimal | feasible | infeasible
    explanation: str = ""
    explanation_zh: str = ""
    objective: float | None = None  # the solver's objective (value, accepted/kept weighted up; None: greedy)
    bound: float | None = None  # the solver's proven bound on that objective
    seconds: float = 0.0
    fair: bool = True  # every schedulable participant met (or as many as feasible)

    def to_json(self) -> dict:
        return {"meetings": [{"a": m.a, "b": m.b, "slot": m.slot, "table": m.table} for m in self.meetings],
                "total_value": round(self.total_value, 6), "unmet": self.unmet, "status": self.status,
                "explanation": self.explanation}


@dataclass
class Prepared:
    """The instance reduced to what can be scheduled: one entry per unordered pair, its usable slots."""

    inst: Instance
    pairs: list[Pair]
    slots_of: list[list[str]]  # per pair: the slots both sides are available in
    cap: dict[str, int]
    by_participant: dict[str, list[int]]

    @property
    def schedulable(self) -> list[str]:
        """Participants with at least one pair that could be scheduled on its own."""
        out = {side for k, p in enumerate(self.pairs) if self.slots_of[k] and self.inst.tables > 0
               and self.cap[p.a] > 0 and self.cap[p.b] > 0 for side in (p.a, p.b)}
        return sorted(out, key=self.order.get)

    @property
    def order(self) -> dict[str, int]:
        return {p.id: i for i, p in enumerate(self.inst.participants)}


def prepare(inst: Instance) -> Prepared:
    """Merge duplicate pairs (either orientation: a pair meets at most once; the strongest status and the
    highest value win; declined anywhere removes it) and drop self-pairs."""
    merged: dict[frozenset, Pair] = {}
    declined: set[frozenset] = set()
    for p in inst.pairs:
        key = frozenset((p.a, p.b))
        if len(key) < 2:
            continue
        if p.status == "declined":
            declined.add(key)
            continue
        old = merged.get(key)
        if old is None:
            merged[key] = p
        else:
            status = min(old.status, p.status, key=PRIORITY.get)
            merged[key] = Pair(old.a, old.b, max(old.value, p.value), status)
    pairs = [p for key, p in merged.items() if key not in declined]
    avail = {p.id: (p.available if p.available is not None else frozenset(inst.slots)) for p in inst.participants}
    slots_of = [[s for s in inst.slots if s in avail[p.a] and s in avail[p.b]] for p in pairs]
    by_participant: dict[str, list[int]] = defaultdict(list)
    for k, p in enumerate(pairs):
        by_participant[p.a].append(k)
        by_participant[p.b].append(k)
    return Prepared(inst, pairs, slots_of, {p.id: p.max_meetings for p in inst.participants}, by_participant)


def assign_tables(inst: Instance, chosen: list[tuple[Pair, str]]) -> list[Meeting]:
    """Number the meetings of each slot 1 … tables, keeping a notified meeting's table when it is free."""
    kept = {(frozenset((m.a, m.b)), m.slot): m.table for m in inst.keep}
    per_slot: dict[str, list[Pair]] = defaultdict(list)
    for pair, slot in chosen:
        per_slot[slot].append(pair)
    meetings = []
    for slot in inst.slots:
        used: set[int] = set()
        later = []
        for pair in per_slot.get(slot, []):
            table = kept.get((frozenset((pair.a, pair.b)), slot))
            if table and 1 <= table <= inst.tables and table not in used:
                used.add(table)
                meetings.append(Meeting(pair.a, pair.b, slot, table))
            else:
                later.append(pair)
        free = (t for t in range(1, inst.tables + 1) if t not in used)
        meetings.extend(Meeting(pair.a, pair.b, slot, next(free)) for pair in later)
    order = {s: i for i, s in enumerate(inst.slots)}
    return sorted(meetings, key=lambda m: (order[m.slot], m.table))


def result_of(prep: Prepared, chosen: list[tuple[Pair, str]], status: str, started: float, **kw) -> Schedule:
    met = {side for pair, _ in chosen for side in (pair.a, pair.b)}
    unmet = [p for p in prep.schedulable if p not in met]
    return Schedule(assign_tables(prep.inst, chosen), sum(p.value for p, _ in chosen), unmet, status,
                    seconds=time.perf_counter() - started, **kw)
