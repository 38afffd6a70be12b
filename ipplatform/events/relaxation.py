"""The LP relaxation of the schedule model, solved with HiGHS (through SciPy): the same constraints as the
CP-SAT model (pair once, forced pairs, one meeting per participant and slot, caps, tables per slot, and
fairness when asked), the same weighted objective. Its optimum is a proven upper bound; on these
bipartite-like instances it is usually integral, and then it is an optimal schedule that CP-SAT starts from."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_matrix

from ipplatform.events.instance import SCALE, Prepared


@dataclass
class Relaxation:
    feasible: bool
    bound: float | None  # in objective units / SCALE
    chosen: set[tuple[int, str]]  # the columns at 1 (all of them when ``integral``)
    integral: bool
    fractional: frozenset = frozenset()  # the columns strictly between 0 and 1


def solve_lp(prep: Prepared, weights: list[int], kept: dict[tuple[int, str], int], fair: bool) -> Relaxation:
    cols = [(k, s) for k, slots in enumerate(prep.slots_of) for s in slots]
    if not cols:
        return Relaxation(not (fair and prep.schedulable), 0.0, set(), True)
    groups: dict[tuple, list[int]] = {}
    for j, (k, s) in enumerate(cols):
        p = prep.pairs[k]
        for key in (("pair", k), ("ps", p.a, s), ("ps", p.b, s), ("cap", p.a), ("cap", p.b), ("slot", s)):
            groups.setdefault(key, []).append(j)
    limit = {"pair": lambda key: 1, "ps": lambda key: 1, "cap": lambda key: prep.cap[key[1]],
             "slot": lambda key: prep.inst.tables}
    rows, cols_idx, values, ub = [], [], [], []
    for key, js in groups.items():
        rows += [len(ub)] * len(js)
        cols_idx += js
        values += [1.0] * len(js)
        ub.append(float(limit[key[0]](key)))
    forced = [(k, js) for key, js in groups.items() if key[0] == "pair" and prep.pairs[(k := key[1])].status == "forced"]
    for _k, js in forced:  # Σ x ≥ 1 (with the ≤ 1 above: = 1)
        rows += [len(ub)] * len(js)
        cols_idx += js
        values += [-1.0] * len(js)
        ub.append(-1.0)
    if fair:
        for pid in prep.schedulable:
            js = groups.get(("cap", pid), [])
            rows += [len(ub)] * len(js)
            cols_idx += js
            values += [-1.0] * len(js)
            ub.append(-1.0)
    a = coo_matrix((values, (rows, cols_idx)), shape=(len(ub), len(cols))).tocsr()
    c = -np.array([weights[k] + kept.get((k, s), 0) for k, s in cols], dtype=float)
    res = linprog(c, A_ub=a, b_ub=np.array(ub), bounds=(0, 1), method="highs")
    if res.status == 2:  # infeasible
        return Relaxation(False, None, set(), False)
    if res.status != 0:
        return Relaxation(True, None, set(), False)
    x = res.x
    integral = bool(np.all((x < 1e-6) | (x > 1 - 1e-6)))
    return Relaxation(True, -res.fun / SCALE, {cols[j] for j in np.flatnonzero(x > 1 - 1e-6)}, integral,
                      frozenset(cols[j] for j in np.flatnonzero((x > 1e-6) & (x < 1 - 1e-6))))
