"""The schedule optimiser: each constraint of the issue is broken on purpose by an instance (the value-best
schedule would violate it) and the schedule is shown to respect it; infeasible forced pairs are explained
naming the participant; the command's file contract and exit codes."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from collections import Counter

import pytest

from ipplatform.events import optimiser
from ipplatform.events.optimiser import Infeasible, Instance, greedy, solve


@pytest.fixture(autouse=True, params=[True, False], ids=["lp-first", "cp-sat-only"])
def _both_paths(request, monkeypatch):
    """Every schedule test runs twice: LP relaxation first (its integral optimum, else CP-SAT from it), and
    CP-SAT alone."""
    monkeypatch.setitem(globals(), "solve", functools.partial(optimiser.solve, lp_first=request.param))


def inst(slots, tables, participants, pairs, keep=()):
    parts = []
    for p in participants:
        pid, cap, *avail = p if isinstance(p, tuple) else (p, 8)
        parts.append({"id": pid, "max_meetings": cap, **({"available": avail[0]} if avail else {})})
    return Instance.from_json({"slots": slots, "tables": tables, "participants": parts,
                               "pairs": [{"a": a, "b": b, "value": v, "status": s} for a, b, v, s in pairs],
                               "keep": [dict(zip(("a", "b", "slot", "table"), k)) for k in keep]})


def met(schedule):
    return {frozenset((m.a, m.b)) for m in schedule.meetings}


def test_nobody_is_in_two_meetings_in_one_slot():
    # p1 is wanted by three others at high value, but there are only two slots.
    s = solve(inst(["s1", "s2"], 10, ["p1", "p2", "p3", "p4"],
                   [("p1", "p2", 0.9, "proposed"), ("p1", "p3", 0.9, "proposed"), ("p1", "p4", 0.9, "proposed")]))
    per_slot = Counter((side, m.slot) for m in s.meetings for side in (m.a, m.b))
    assert max(per_slot.values()) == 1
    assert len([m for m in s.meetings if "p1" in (m.a, m.b)]) == 2


def test_at_most_one_meeting_per_table_per_slot():
    # Four disjoint pairs but a single table and two slots: at most two meetings, each at table 1.
    pairs = [(f"a{i}", f"b{i}", 0.5 + i / 10, "proposed") for i in range(4)]
    s = solve(inst(["s1", "s2"], 1, [p for i in range(4) for p in (f"a{i}", f"b{i}")], pairs))
    assert len(s.meetings) == 2
    assert Counter((m.slot, m.table) for m in s.meetings) == {("s1", 1): 1, ("s2", 1): 1}
    # the two most valuable pairs get the table
    assert met(s) == {frozenset(("a3", "b3")), frozenset(("a2", "b2"))}


def test_tables_are_numbered_from_one():
    pairs = [(f"a{i}", f"b{i}", 0.5, "proposed") for i in range(5)]
    s = solve(inst(["s1"], 5, [p for i in range(5) for p in (f"a{i}", f"b{i}")], pairs))
    assert sorted(m.table for m in s.meetings) == [1, 2, 3, 4, 5]


def test_per_participant_caps():
    s = solve(inst(["s1", "s2", "s3"], 10, [("p1", 1), "p2", "p3", "p4"],
                   [("p1", "p2", 0.9, "proposed"), ("p1", "p3", 0.8, "proposed"), ("p1", "p4", 0.7, "proposed"),
                    ("p2", "p3", 0.2, "proposed"), ("p3", "p4", 0.2, "proposed"), ("p2", "p4", 0.2, "proposed")]))
    assert len([m for m in s.meetings if "p1" in (m.a, m.b)]) == 1


def test_availability():
    s = solve(inst(["s1", "s2", "s3"], 10, [("p1", 8, ["s2"]), "p2", ("p3", 8, ["s1"]), ("p4", 8, ["s3"])],
                   [("p1", "p2", 0.9, "proposed"), ("p1", "p3", 0.9, "proposed"), ("p2", "p4", 0.5, "proposed")]))
    slot = {frozenset((m.a, m.b)): m.slot for m in s.meetings}
    assert slot[frozenset(("p1", "p2"))] == "s2"
    assert slot[frozenset(("p2", "p4"))] == "s3"
    assert frozenset(("p1", "p3")) not in slot  # they share no slot
    assert "p3" not in s.unmet  # no schedulable pair, so not "unmet" either


def test_declined_pairs_are_never_scheduled():
    # The best pair is declined (once, in the other orientation too): it never appears.
    s = solve(inst(["s1", "s2"], 10, ["p1", "p2", "p3"],
                   [("p1", "p2", 0.99, "proposed"), ("p2", "p1", 0.99, "declined"), ("p1", "p3", 0.1, "proposed")]))
    assert frozenset(("p1", "p2")) not in met(s)
    assert frozenset(("p1", "p3")) in met(s)
    assert "p2" not in s.unmet


def test_a_pair_meets_at_most_once():
    s = solve(inst(["s1", "s2", "s3"], 10, ["p1", "p2"],
                   [("p1", "p2", 0.9, "proposed"), ("p2", "p1", 0.8, "proposed"), ("p1", "p2", 0.7, "accepted")]))
    assert len(s.meetings) == 1


def test_fairness_every_schedulable_participant_meets_when_feasible():
    # Value alone gives p1's two places to p2 and p3 and leaves p4 (whose only pair is with p1) out.
    instance = inst(["s1", "s2"], 10, [("p1", 2), "p2", "p3", "p4", ("p5", 2)],
                    [("p1", "p2", 0.9, "proposed"), ("p1", "p3", 0.9, "proposed"), ("p1", "p4", 0.1, "proposed"),
                     ("p5", "p2", 0.5, "proposed"), ("p5", "p3", 0.5, "proposed")])
    assert greedy(instance).unmet == ["p4"]  # the first-fit baseline leaves p4 out
    s = solve(instance)
    assert s.unmet == [] and s.fair
    assert frozenset(("p1", "p4")) in met(s)
    assert s.status == "optimal"


def test_fairness_as_many_as_possible_when_not_everyone_can_meet():
    # p4 and p6 only pair with p1, whose cap is 1: one of them must stay out, nobody else.
    s = solve(inst(["s1", "s2"], 10, [("p1", 1), "p2", "p3", "p4", "p6"],
                   [("p1", "p4", 0.2, "proposed"), ("p1", "p6", 0.3, "proposed"), ("p2", "p3", 0.1, "proposed")]))
    assert len(s.unmet) == 1 and s.unmet[0] in ("p4", "p6")
    assert not s.fair and s.unmet[0] in s.explanation
    assert {side for m in s.meetings for side in (m.a, m.b)} == {"p1", "p2", "p3", "p4", "p6"} - set(s.unmet)


def test_accepted_and_forced_pairs_come_before_proposed_ones():
    # One slot: p1 can meet only one of them; the proposed pair is worth more.
    s = solve(inst(["s1"], 10, ["p1", "p2", "p3"], [("p1", "p2", 0.9, "proposed"), ("p1", "p3", 0.2, "accepted")]))
    assert met(s) == {frozenset(("p1", "p3"))}
    s = solve(inst(["s1"], 10, ["p1", "p2", "p3"], [("p1", "p2", 0.9, "accepted"), ("p1", "p3", 0.1, "forced")]))
    assert met(s) == {frozenset(("p1", "p3"))}


def test_forced_pairs_are_hard_even_against_fairness():
    # Forcing p1–p2 in the only slot leaves p3 without a meeting although p1–p3 alone would meet everyone.
    s = solve(inst(["s1"], 10, ["p1", "p2", "p3"], [("p1", "p2", 0.1, "forced"), ("p1", "p3", 0.9, "proposed")]))
    assert met(s) == {frozenset(("p1", "p2"))}
    assert s.unmet == ["p3"]


@pytest.mark.parametrize("participants, pairs, named", [
    ([("p1", 1), "p2", "p3"], [("p1", "p2", 0.5, "forced"), ("p1", "p3", 0.5, "forced")], "p1"),  # cap
    ([("p1", 8, ["s1"]), ("p2", 8, ["s2"])], [("p1", "p2", 0.5, "forced")], "p2"),  # availability
    (["p1", "p2", "p3", "p4"], [("p1", "p2", 0.5, "forced"), ("p1", "p3", 0.5, "forced"),
                                ("p1", "p4", 0.5, "forced")], "p1"),  # more forced meetings than slots
    # only the solver sees this one: p2 and p3 are each available in s1 only, both forced with p1
    (["p1", ("p2", 8, ["s1"]), ("p3", 8, ["s1"])], [("p1", "p2", 0.5, "forced"), ("p1", "p3", 0.5, "forced")], "p1"),
])
def test_infeasible_forced_pairs_are_explained_naming_the_participant(participants, pairs, named):
    with pytest.raises(Infeasible) as exc:
        solve(inst(["s1", "s2"], 10, participants, pairs))
    assert exc.value.participant == named
    assert named in exc.value.message and named in exc.value.message_zh


def test_forced_pairs_beyond_the_tables_are_explained():
    with pytest.raises(Infeasible) as exc:
        solve(inst(["s1"], 1, ["a", "b", "c", "d"], [("a", "b", 0.5, "forced"), ("c", "d", 0.5, "forced")]))
    assert "洽谈桌" in exc.value.message_zh or "tables" in exc.value.message


def test_rescheduling_keeps_notified_meetings_where_possible():
    people = ["a1", "a2", "a3", "b1", "b2", "b3"]
    pairs = [(a, b, 0.3 + 0.1 * i + 0.05 * j, "proposed") for i, a in enumerate(people[:3]) for j, b in enumerate(people[3:])]
    first = solve(inst(["s1", "s2", "s3"], 2, people, pairs))
    # b3 cancels: the rest of the plan keeps its slots and tables
    kept = [m for m in first.meetings if "b3" not in (m.a, m.b)]
    again = solve(inst(["s1", "s2", "s3"], 2, people[:5], [p for p in pairs if "b3" not in p[:2]],
                       keep=[(m.a, m.b, m.slot, m.table) for m in kept]))
    now = {(frozenset((m.a, m.b)), m.slot, m.table) for m in again.meetings}
    assert {(frozenset((m.a, m.b)), m.slot, m.table) for m in kept} <= now


def test_instance_errors_are_reported():
    from ipplatform.events.optimiser import InstanceError

    with pytest.raises(InstanceError, match="unknown participant"):
        inst(["s1"], 1, ["p1"], [("p1", "p9", 0.5, "proposed")])
    with pytest.raises(InstanceError, match="unknown slots"):
        inst(["s1"], 1, [("p1", 2, ["s7"])], [])


def _cli(tmp_path, data, *args):
    src, out = tmp_path / "instance.json", tmp_path / "schedule.json"
    src.write_text(json.dumps(data), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "ipplatform.events.schedule", "--input", str(src), "--output", str(out),
                           *args], capture_output=True, text=True, timeout=120)
    return done, (json.loads(out.read_text(encoding="utf-8")) if out.exists() else None)


def test_command_writes_the_schedule(tmp_path):
    data = {"slots": ["s1", "s2"], "tables": 3,
            "participants": [{"id": "p1", "max_meetings": 2}, {"id": "p2", "max_meetings": 2, "available": ["s2"]},
                             {"id": "p3", "max_meetings": 2}],
            "pairs": [{"a": "p1", "b": "p2", "value": 0.8, "status": "accepted"},
                      {"a": "p1", "b": "p3", "value": 0.6, "status": "proposed"},
                      {"a": "p2", "b": "p3", "value": 0.4, "status": "declined"}]}
    for solver in ("cp-sat", "greedy"):
        done, out = _cli(tmp_path, data, "--solver", solver, "--time-limit", "5")
        assert done.returncode == 0, done.stderr
        assert {frozenset((m["a"], m["b"])): m["slot"] for m in out["meetings"]} == {
            frozenset(("p1", "p2")): "s2", frozenset(("p1", "p3")): "s1"}
        assert all(1 <= m["table"] <= 3 for m in out["meetings"])
        assert out["unmet"] == [] and out["total_value"] == pytest.approx(1.4)
        assert out["status"] in ("optimal", "feasible")


def test_command_exits_2_when_forced_pairs_cannot_be_placed(tmp_path):
    data = {"slots": ["s1"], "tables": 5, "participants": [{"id": "firm-7", "max_meetings": 1}, {"id": "u1"}, {"id": "u2"}],
            "pairs": [{"a": "firm-7", "b": "u1", "value": 0.5, "status": "forced"},
                      {"a": "firm-7", "b": "u2", "value": 0.5, "status": "forced"}]}
    done, out = _cli(tmp_path, data)
    assert done.returncode == 2
    assert "firm-7" in done.stderr
    assert out["status"] == "infeasible" and "firm-7" in out["explanation"]


def test_command_refuses_a_malformed_instance(tmp_path):
    done, _ = _cli(tmp_path, {"slots": ["s1"], "tables": 1, "participants": [], "pairs": [{"a": "x", "b": "y"}]})
    assert done.returncode == 1 and "unknown participant" in done.stderr
