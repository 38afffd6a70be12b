"""The 1:1 meeting schedule of a matchmaking event, solved with OR-Tools CP-SAT (the first-fit greedy
baseline for comparison is in ``events.greedy``, the data in ``events.instance``).

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

from ortools.sat.python import cp_model

from ipplatform.events.greedy import fair_choice, greedy, greedy_choice
from ipplatform.events.relaxation import Relaxation, solve_lp
from ipplatform.events.instance import (PRIORITY, SCALE, Infeasible, Instance, InstanceError, Meeting, Pair,
                                        Participant, Prepared, Schedule, prepare, result_of)

__all__ = ["Infeasible", "Instance", "InstanceError", "Meeting", "Pair", "Participant", "Schedule", "gap", "greedy",
           "solve"]


# ---- forced pairs: hard, and explained when they cannot all be placed ------------------------------

def _check_forced_locally(prep: Prepared) -> None:
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

    def __init__(self, prep: Prepared, forced_as_assumptions: bool = False):
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

    def hint(self, chosen: set[tuple[int, str]], unsure: frozenset = frozenset()) -> None:
        """Hint ``chosen`` at 1, the rest at 0 except ``unsure`` (left to the solver)."""
        self.m.clear_hints()
        for key, var in self.x.items():
            if key not in unsure:
                self.m.add_hint(var, key in chosen)

    def solve(self, seconds: float, workers: int) -> tuple[cp_model.CpSolver, int]:
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.05, seconds)
        solver.parameters.num_workers = workers
        solver.parameters.random_seed = 7
        # The model is already tight (at-most-one per participant and slot, one row per table limit): CP-SAT's
        # presolve and symmetry detection cost seconds at 300 × 8 × 40 and bring no better bound (measured with
        # scripts/bench_events.py), so the time goes to search and the LP bound.
        solver.parameters.cp_model_presolve = False
        solver.parameters.symmetry_level = 0
        return solver, solver.solve(self.m)

    def chosen(self, solver: cp_model.CpSolver) -> set[tuple[int, str]]:
        return {key for key, var in self.x.items() if solver.boolean_value(var)}


def _explain_forced(prep: Prepared, workers: int) -> None:
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



# ---- CP-SAT ----------------------------------------------------------------------------------------

def solve(inst: Instance, time_limit: float = 20.0, workers: int = 2, lp_first: bool = True) -> Schedule:
    """The optimal (or best found within ``time_limit`` seconds) schedule; raises Infeasible (forced pairs).
    ``lp_first``: solve the LP relaxation (HiGHS) first; an integral optimum is returned as the proven optimal
    schedule, otherwise it bounds and starts CP-SAT. Without it, CP-SAT alone (the benchmark compares both)."""
    started = time.perf_counter()
    inst.validate()
    prep = prepare(inst)
    _explain_forced(prep, workers)
    left = lambda: time_limit - (time.perf_counter() - started)  # noqa: E731
    greedy_chosen = greedy_choice(prep)
    schedulable = prep.schedulable

    model = _Model(prep)
    # Stage 1, fairness as a constraint: everyone schedulable meets at least once.
    for pid in schedulable:
        model.m.add_bool_or(model.met(pid))
    _objective(model, prep)
    # The LP relaxation (HiGHS) first: infeasible proves fairness infeasible; an integral optimum is an optimal
    # schedule, which CP-SAT then starts from (and its optimum is a second proven bound).
    weights, kept = _weights(prep)
    lp = solve_lp(prep, weights, kept, fair=True) if lp_first else Relaxation(True, None, set(), False)
    lp_bound = lp.bound
    if lp.feasible and lp.integral:  # every constraint holds with 0/1 values: optimal, proven by the LP
        return result_of(prep, [(prep.pairs[k], s) for k, s in sorted(lp.chosen)], "optimal", started, fair=True,
                         objective=lp.bound, bound=lp.bound)
    status = cp_model.INFEASIBLE
    if lp.feasible:
        # a fractional LP optimum: its 0/1 columns as the start (the fractional ones left open), else the fair greedy
        start = lp.chosen if lp.bound is not None and lp_first else fair_choice(prep)
        model.hint(start, lp.fractional)
        start_is_fair = set(schedulable) <= {side for k, _ in start for side in (prep.pairs[k].a, prep.pairs[k].b)}
        # When the start already meets everyone, fairness is known feasible: the whole time goes to value.
        solver, status = model.solve(left() * (0.95 if start_is_fair else 0.6), workers)
    fair = True
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        lp_bound = None
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
            return result_of(prep, [(prep.pairs[k], s) for k, s in greedy_chosen], "feasible", started, fair=False,
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
    objective, bound = solver.objective_value / SCALE, solver.best_objective_bound / SCALE
    if lp_bound is not None:
        bound = min(bound, lp_bound)
    proven = status == cp_model.OPTIMAL or bound - objective <= 1e-9 * max(1.0, abs(bound))
    result = result_of(prep, [(prep.pairs[k], s) for k, s in sorted(chosen)], "optimal" if proven else "feasible",
                       started, fair=fair, objective=objective, bound=bound)
    if not fair and result.unmet:
        result.explanation = (f"not every participant can get a meeting (caps, availability, tables); "
                              f"{len(result.unmet)} without one: {', '.join(result.unmet[:20])}")
        result.explanation_zh = f"受上限、可用时段或洽谈桌所限，{len(result.unmet)} 个参会方无法安排洽谈：{'、'.join(result.unmet[:20])}"
    return result


def _weights(prep: Prepared) -> tuple[list[int], dict[tuple[int, str], int]]:
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


def _objective(model: _Model, prep: Prepared) -> None:
    weights, kept = _weights(prep)
    model.m.maximize(sum(weights[k] * var + kept.get((k, s), 0) * var for (k, s), var in model.x.items()))


def gap(schedule: Schedule) -> float | None:
    """Relative gap between the solver's proven bound and its objective (0.0: proven optimal)."""
    if schedule.bound is None or schedule.objective is None or schedule.bound <= 0:
        return None
    return max(0.0, (schedule.bound - schedule.objective) / schedule.bound)
