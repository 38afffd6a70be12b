"""Schedule the 1:1 meetings of an event from a file, outside the web app.

    python -m ipplatform.events.schedule --input INSTANCE.json --output SCHEDULE.json [--solver cp-sat|greedy] [--time-limit S]

INSTANCE.json: {"slots": [...], "tables": N, "participants": [{"id", "max_meetings", "available"?}],
"pairs": [{"a", "b", "value", "status": proposed|accepted|forced|declined}], "keep"?: [{"a", "b", "slot", "table"}]}.
SCHEDULE.json: {"meetings": [{"a", "b", "slot", "table"}], "total_value", "unmet", "status", "explanation"}.
Exit status 0 when a schedule is written, 2 (explanation on stderr, and an "infeasible" SCHEDULE.json)
when forced pairs cannot all be placed, 1 for an unreadable or malformed instance.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ipplatform.events.optimiser import Infeasible, Instance, InstanceError, Schedule, greedy, solve


def run(instance: dict, solver: str = "cp-sat", time_limit: float = 20.0, workers: int = 2) -> Schedule:
    inst = Instance.from_json(instance)
    if solver == "greedy":
        return greedy(inst)
    return solve(inst, time_limit=time_limit, workers=workers)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ipplatform.events.schedule", description=__doc__.split("\n")[0])
    parser.add_argument("--input", required=True, type=Path)
    parser.add_argument("--output", required=True, type=Path)
    parser.add_argument("--solver", choices=("cp-sat", "greedy"), default="cp-sat")
    parser.add_argument("--time-limit", type=float, default=20.0, help="seconds for CP-SAT (default 20)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    try:
        data = json.loads(args.input.read_text(encoding="utf-8"))
        schedule = run(data, args.solver, args.time_limit, args.workers)
    except (OSError, json.JSONDecodeError, InstanceError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except Infeasible as exc:
        out = {"meetings": [], "total_value": 0, "unmet": [], "status": "infeasible", "explanation": exc.message}
        args.output.write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"infeasible: {exc.message}", file=sys.stderr)
        return 2
    if schedule.status == "infeasible":  # the greedy baseline leaving a forced pair out
        args.output.write_text(json.dumps(schedule.to_json(), ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"infeasible: {schedule.explanation}", file=sys.stderr)
        return 2
    args.output.write_text(json.dumps(schedule.to_json(), ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
