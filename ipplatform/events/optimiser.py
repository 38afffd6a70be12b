"""The 1:1 meeting schedule of a matchmaking event, solved with OR-Tools CP-SAT (and a first-fit greedy
baseline for comparison).

A pair of participants may meet once, in a slot both are available, at one of the event's tables. The
schedule respects: nobody in two meetings in one slot; at most ``tables`` meetings per slot (one per table);
each participant's cap; availability; declined pairs never; a pair at most once; forced pairs always (hard).
Objective, lexicographically: (1) every participant with a schedulable pair gets a meeting whenever that
is feasible (otherwise as many as possible), (2) already-notified meetings keep their slot, (3) accepted
and forced pairs before proposed ones, (4) total pair value. Forced pairs that cannot all be placed raise
:class:`Infeasible` naming the participant and the constraint.

Everything here is pure Python over plain data (no database), so ``ipplatform.events.schedule`` runs it on
a JSON file and the tests break each constraint on purpose.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

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
class _Prepared:
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


def prepare(inst: Instance) -> _Prepared:
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
    return _Prepared(inst, pairs, slots_of, {p.id: p.max_meetings for p in inst.participants}, by_participant)


def _assign_tables(inst: Instance, chosen: list[tuple[Pair, str]]) -> list[Meeting]:
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


def _result(prep: _Prepared, chosen: list[tuple[Pair, str]], status: str, started: float, **kw) -> Schedule:
    met = {side for pair, _ in chosen for side in (pair.a, pair.b)}
    unmet = [p for p in prep.schedulable if p not in met]
    return Schedule(_assign_tables(prep.inst, chosen), sum(p.value for p, _ in chosen), unmet, status,
                    seconds=time.perf_counter() - started, **kw)


# ---- forced pairs: hard, and explained when they cannot all be placed ------------------------------

def _check_forced_locally(prep: _Prepared) -> None:
    forced = [k for k, p in enumerate(prep.pairs) if p.status == "forced"]
    for k in forced:
        p = prep.pairs[k]
        if not prep.slots_of[k]:
            raise Infeasible(f"forced pair {p.a}–{p.b}: the two are never available in the same slot "
                             f"(availability of {p.b})", f"指定配对 {p.a}–{p.b}：双方没有共同的可用时段（{p.b} 的可用时段）",
                             p.b)
    count: dict[str, list[int]] = defaultdict(list)
    for k in forced:
        count[prep.pairs[k].a].append(k)
        count[prep.pairs[k].b].append(k)
    for pid, ks in count.items():
        if len(ks) > prep.cap[pid]:
            raise Infeasible(f"participant {pid} has {len(ks)} forced meetings but a cap of {prep.cap[pid]}",
                             f"参会方 {pid} 有 {len(ks)} 场指定洽谈，超过其上限 {prep.cap[pid]} 场", pid)
        usable = set().union(*(prep.slots_of[k] for k in ks))
        if len(ks) > len(usable):
            raise Infeasible(f"participant {pid} has {len(ks)} forced meetings but only {len(usable)} usable slots",
                             f"参会方 {pid} 有 {len(ks)} 场指定洽谈，但只有 {len(usable)} 个可用时段", pid)
    if len(forced) > prep.inst.tables * len(prep.inst.slots):
        raise Infeasible(f"{len(forced)} forced meetings exceed {prep.inst.tables} tables × {len(prep.inst.slots)} slots",
                         f"{len(forced)} 场指定洽谈超过洽谈桌容量（{prep.inst.tables} 桌 × {len(prep.inst.slots)} 个时段）")


class _Model:
    """The CP-SAT model of a prepared instance: x[k, slot] = pair k meets in that slot."""

    def __init__(self, prep: _Prepared, forced_as_assumptions: bool = False):
        self.prep = prep
        self.m = m = cp_model.CpModel()
        self.x: dict[tuple[int, str], cp_model.IntVar] = {}
        for k, slots in enumerate(prep.slots_of):
            for s in slots:
                self.x[k, s] = m.new_bool_var(f"x{k}_{s}")
        self.of_pair = {k: [self.x[k, s] for s in slots] for k, slots in enumerate(prep.slots_of)}
        self.assumed: dict[int, int] = {}  # assumption literal index → pair
        for k, p in enumerate(prep.pairs):
            if p.status == "forced":
                if forced_as_assumptions:
                    lit = m.new_bool_var(f"forced{k}")
                    m.add(sum(self.of_pair[k]) == 1).only_enforce_if(lit)
                    m.add(sum(self.of_pair[k]) <= 1)
                    self.assumed[lit.index] = k
                    m.add_assumption(lit)
                else:
                    m.add(sum(self.of_pair[k]) == 1)
            elif self.of_pair[k]:
                m.add_at_most_one(self.of_pair[k])
        for pid, ks in prep.by_participant.items():
            for s in prep.inst.slots:
                lits = [self.x[k, s] for k in ks if (k, s) in self.x]
                if len(lits) > 1:
                    m.add_at_most_one(lits)
            every = [v for k in ks for v in self.of_pair[k]]
            if len(every) > prep.cap[pid]:
                m.add(sum(every) <= prep.cap[pid])
        for s in prep.inst.slots:
            lits = [self.x[k, s] for k in range(len(prep.pairs)) if (k, s) in self.x]
            if len(lits) > prep.inst.tables:
                m.add(sum(lits) <= prep.inst.tables)

    def met(self, pid: str) -> list:
        return [v for k in self.prep.by_participant.get(pid, []) for v in self.of_pair[k]]

    def hint(self, chosen: set[tuple[int, str]]) -> None:
        self.m.clear_hints()
        for key, var in self.x.items():
            self.m.add_hint(var, key in chosen)

    def solve(self, seconds: float, workers: int) -> tuple[cp_model.CpSolver, int]:
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.05, seconds)
        solver.parameters.num_workers = workers
        solver.parameters.random_seed = 7
        return solver, solver.solve(self.m)

    def chosen(self, solver: cp_model.CpSolver) -> set[tuple[int, str]]:
        return {key for key, var in self.x.items() if solver.boolean_value(var)}


def _explain_forced(prep: _Prepared, workers: int) -> None:
    """Raise Infeasible when the forced pairs cannot all be placed together, naming a participant of the
    smallest conflicting set the solver reports."""
    _check_forced_locally(prep)
    if not any(p.status == "forced" for p in prep.pairs):
        return
    model = _Model(prep, forced_as_assumptions=True)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1  # assumption cores come from the single-worker search
    solver.parameters.max_time_in_seconds = 10
    status = solver.solve(model.m)
    if status != cp_model.INFEASIBLE:
        return
    core = [model.assumed[i] for i in solver.sufficient_assumptions_for_infeasibility() if i in model.assumed]
    pairs = [prep.pairs[k] for k in core] or [p for p in prep.pairs if p.status == "forced"]
    sides = defaultdict(int)
    for p in pairs:
        sides[p.a] += 1
        sides[p.b] += 1
    pid = max(sides, key=lambda s: (sides[s], -prep.order[s]))
    names = "、".join(f"{p.a}–{p.b}" for p in pairs)
    raise Infeasible(f"forced pairs {', '.join(f'{p.a}–{p.b}' for p in pairs)} cannot all be placed: participant "
                     f"{pid} cannot attend all of them in distinct available slots within the tables",
                     f"指定配对 {names} 无法同时安排：参会方 {pid} 在其可用时段和洽谈桌容量内无法全部参加", pid)


# ---- the greedy baseline ---------------------------------------------------------------------------

def _greedy_choice(prep: _Prepared) -> set[tuple[int, str]]:
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


def _fair_choice(prep: _Prepared) -> set[tuple[int, str]]:
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
    chosen = _greedy_choice(prep)
    placed = {k for k, _ in chosen}
    missing = [p for k, p in enumerate(prep.pairs) if p.status == "forced" and k not in placed]
    result = _result(prep, [(prep.pairs[k], s) for k, s in chosen], "feasible", started, fair=False)
    if missing:
        p = missing[0]
        result.status = "infeasible"
        result.explanation = f"greedy could not place forced pair {p.a}–{p.b}"
        result.explanation_zh = f"贪心排程无法安排指定配对 {p.a}–{p.b}"
    return result


# ---- CP-SAT ----------------------------------------------------------------------------------------

def solve(inst: Instance, time_limit: float = 20.0, workers: int = 2) -> Schedule:
    """The optimal (or best found within ``time_limit`` seconds) schedule; raises Infeasible (forced pairs)."""
    started = time.perf_counter()
    inst.validate()
    prep = prepare(inst)
    _explain_forced(prep, workers)
    left = lambda: time_limit - (time.perf_counter() - started)  # noqa: E731
    greedy_chosen = _greedy_choice(prep)
    schedulable = prep.schedulable

    model = _Model(prep)
    # Stage 1, fairness as a constraint: everyone schedulable meets at least once.
    for pid in schedulable:
        model.m.add_bool_or(model.met(pid))
    _objective(model, prep)
    start = _fair_choice(prep)
    model.hint(start)
    start_is_fair = set(schedulable) <= {side for k, _ in start for side in (prep.pairs[k].a, prep.pairs[k].b)}
    # When the start already meets everyone, fairness is known feasible: the whole time goes to value.
    solver, status = model.solve(left() * (0.95 if start_is_fair else 0.6), workers)
    fair = True
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        # Not everyone can meet (proven, or no such schedule found in time): first the most participants
        # met, then the value objective with that many as a floor.
        fair = False
        model = _Model(prep)
        met = {pid: model.m.new_bool_var(f"met_{pid}") for pid in schedulable}
        for pid, y in met.items():
            model.m.add(y <= sum(model.met(pid)))
        model.m.maximize(sum(met.values()))
        model.hint(greedy_chosen)
        solver, status = model.solve(left() * 0.5, workers)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return _result(prep, [(prep.pairs[k], s) for k, s in greedy_chosen], "feasible", started, fair=False,
                           explanation="the solver found no schedule in time; this is the greedy one",
                           explanation_zh="求解器在限定时间内未找到排程，以下为贪心排程")
        floor = round(solver.objective_value)
        first = model.chosen(solver)
        model.m.add(sum(met.values()) >= floor)
        _objective(model, prep)
        model.hint(first)
        solver, status = model.solve(left(), workers)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            chosen = first
            status = cp_model.FEASIBLE
        else:
            chosen = model.chosen(solver)
    else:
        chosen = model.chosen(solver)
    result = _result(prep, [(prep.pairs[k], s) for k, s in sorted(chosen)],
                     "optimal" if status == cp_model.OPTIMAL else "feasible", started, fair=fair,
                     objective=solver.objective_value / SCALE, bound=solver.best_objective_bound / SCALE)
    if not fair and result.unmet:
        result.explanation = (f"not every participant can get a meeting (caps, availability, tables); "
                              f"{len(result.unmet)} without one: {', '.join(result.unmet[:20])}")
        result.explanation_zh = f"受上限、可用时段或洽谈桌所限，{len(result.unmet)} 个参会方无法安排洽谈：{'、'.join(result.unmet[:20])}"
    return result


def _weights(prep: _Prepared) -> tuple[list[int], dict[tuple[int, str], int]]:
    """Integer weights per pair and per kept meeting. An accepted or forced pair weighs its value plus twice
    the highest value of any pair, so it wins over the (at most two) proposed meetings it can displace in a
    slot; a kept (already notified) meeting weighs more than every pair together."""
    values = [round(p.value * SCALE) for p in prep.pairs]
    boost = 2 * max(values, default=0) + 1
    weights = [v + (boost if PRIORITY[p.status] < 2 else 0) for v, p in zip(values, prep.pairs)]
    keep_bonus = sum(weights) + 1
    index = {frozenset((p.a, p.b)): k for k, p in enumerate(prep.pairs)}
    kept = {}
    for m in prep.inst.keep:
        k = index.get(frozenset((m.a, m.b)))
        if k is not None and m.slot in prep.slots_of[k]:
            kept[k, m.slot] = keep_bonus
    return weights, kept


def _objective(model: _Model, prep: _Prepared) -> None:
    weights, kept = _weights(prep)
    model.m.maximize(sum(weights[k] * var + kept.get((k, s), 0) * var for (k, s), var in model.x.items()))


def gap(schedule: Schedule) -> float | None:
    """Relative gap between the solver's proven bound and its objective (0.0: proven optimal)."""
    if schedule.bound is None or schedule.objective is None or schedule.bound <= 0:
        return None
    return max(0.0, (schedule.bound - schedule.objective) / schedule.bound)
