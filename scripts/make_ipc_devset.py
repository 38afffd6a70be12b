"""Build a second development set from folds of the real patents: IPC-overlap relevance.

    .venv/bin/python scripts/make_ipc_devset.py --out .data/ipc-devset [--queries 80] [--seed 1]

Held-out patents become the queries (their titles, as a university's description of a need), the
rest is the corpus. Relevance is judged by IPC only: grade 2 when a corpus patent has exactly the
query's set of IPC subclasses, grade 1 when they share at least one. It rewards finding the right
technical field (what the IPC-coherence feature is for), not topical precision, so read it beside
the hand-judged set. Writes patents.csv, demands.jsonl and qrels.jsonl for the evaluate command.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "cn-patents-titles-ipc" / "patents.csv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--queries", type=int, default=80)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with open(DATA, encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["title_zh"].strip() and r["ipc_subclasses"].strip()]
    rng = random.Random(args.seed)
    rng.shuffle(rows)
    queries, corpus = rows[: args.queries], rows[args.queries:]
    args.out.mkdir(parents=True, exist_ok=True)
    with open(args.out / "patents.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["publication_number", "kind", "title_zh", "ipc_subclasses"])
        writer.writeheader()
        writer.writerows({k: r[k] for k in writer.fieldnames} for r in corpus)
    n_qrels = 0
    with open(args.out / "demands.jsonl", "w", encoding="utf-8") as dq, open(args.out / "qrels.jsonl", "w") as qr:
        for q in queries:
            qid = "F" + q["publication_number"]
            dq.write(json.dumps({"id": qid, "text": q["title_zh"]}, ensure_ascii=False) + "\n")
            want = set(q["ipc_subclasses"].split("|"))
            for r in corpus:
                have = set(r["ipc_subclasses"].split("|"))
                grade = 2 if have == want else 1 if have & want else 0
                if grade:
                    qr.write(json.dumps({"query_id": qid, "publication_number": r["publication_number"],
                                         "grade": grade}) + "\n")
                    n_qrels += 1
    print(f"{len(queries)} queries, {len(corpus)} corpus patents, {n_qrels} graded pairs in {args.out}")


if __name__ == "__main__":
    main()
