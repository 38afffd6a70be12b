"""Bulk import benchmark: a 50,000-row patent-database export (61-column layout) through the real command
``python -m ipplatform.imports patents`` on a fresh SQLite database: dry run, commit, re-import (every row
unchanged), for CSV and .xlsx; rows/s and the command's peak RSS, and the peak RSS of a 5,000-row file in the
same run (streaming: memory does not grow with the file).

    nice -n 10 .venv/bin/python scripts/bench_imports.py [--rows 50000] [--small 5000] [--xlsx]

Rows: the real titles, kinds and IPC subclasses of ../shared/data/cn-patents-titles-ipc (cycled), synthetic
application and publication numbers (unique; valid check digits), dates, legal status, inventors, history.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import ipplatform.models  # noqa: E402,F401
from openpyxl import Workbook  # noqa: E402

from ipplatform import migrate  # noqa: E402
from ipplatform.common.validators import application_check_digit, credit_code_check_char  # noqa: E402
from ipplatform.database import make_engine  # noqa: E402
from ipplatform.hooks import hooked_session_factory  # noqa: E402
from ipplatform.organisations import service as org_service  # noqa: E402
from ipplatform.organisations.enums import OrgKind  # noqa: E402
from ipplatform.organisations.schemas import OrganisationCreate  # noqa: E402
from tests.imports.files import EXPORT_HEADER  # noqa: E402

TITLES = ROOT.parent / "shared" / "data" / "cn-patents-titles-ipc" / "patents.csv"
OWNER = "淮上理工大学（基准）"


def rows(n: int):
    with open(TITLES, encoding="utf-8", newline="") as fh:
        real = [r for r in csv.DictReader(fh) if r["title_zh"].strip()]
    for i in range(n):
        src = real[i % len(real)]
        kind = {"A": "1", "B": "1", "U": "2"}.get(src["kind"], "1")
        digits = f"{2015 + i % 8}{kind}{i:07d}"
        ipcs = [c for c in src["ipc_subclasses"].split("|") if len(c) == 4][:3] or ["G06F"]
        granted = src["kind"] in ("B", "U")
        row = {h: "" for h in EXPORT_HEADER}
        row.update({"序号": str(i + 1), "申请日": f"{2015 + i % 8}0{1 + i % 9}15", "公开日": f"{2016 + i % 8}-0{1 + i % 9}-20",
                    "授权公告日": f"{2016 + i % 8}年{1 + i % 9}月20日" if granted else "0", "申请人": OWNER, "发明人": "张三;李四",
                    "申请号": f"CN{digits}.{application_check_digit(digits)}",
                    "公开号": f"CN{300_000_000 + i}{'A' if src['kind'] == 'A' else src['kind']}",
                    "专利类型": {"A": "发明公开", "B": "发明授权", "U": "实用新型"}[src["kind"]],
                    "专利名称": src["title_zh"].strip(), "法律状态": "有权-审定授权" if granted else "审中-实质审查",
                    "主分类号": f"{ipcs[0]}1/00", "分类号": ";".join(f"{c}1/00" for c in ipcs), "当前权利人": OWNER,
                    "申请摘要": f"本发明涉及{src['title_zh'].strip()}，属于 {ipcs[0]} 技术领域。" * 3,
                    "专利转移次数": "1" if i % 50 == 0 else "0", "转让日期": "20210301" if i % 50 == 0 else "0",
                    "许可次数": "0", "质押次数": "0"})
        yield row


def write_csv(path: Path, n: int) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(EXPORT_HEADER)
        writer.writerows([r[h] for h in EXPORT_HEADER] for r in rows(n))


def write_xlsx(path: Path, n: int) -> None:
    book = Workbook(write_only=True)
    ws = book.create_sheet("专利")
    ws.append(EXPORT_HEADER)
    for r in rows(n):
        ws.append([r[h] for h in EXPORT_HEADER])
    book.save(path)


def fresh_db(folder: Path) -> tuple[str, str]:
    url = f"sqlite:///{folder / 'bench.sqlite3'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    first17 = "12411502" + "MB1234567"
    with hooked_session_factory(engine).begin() as db:
        org = org_service.create(db, OrganisationCreate(kind=OrgKind.UNIVERSITY, name=OWNER,
                                                        credit_code=first17 + credit_code_check_char(first17),
                                                        county_code="411502"))
        code = org.credit_code
    engine.dispose()
    return url, code


def command(url: str, code: str, path: Path, *flags: str) -> dict:
    env = {**os.environ, "IPP_DATABASE_URL": url}
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "ipplatform.imports", "patents", str(path), "--owner-credit-code",
                           code, *flags], capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - started
    note = re.search(r"([\d,]+) rows/s, ([\d.]+) s, peak RSS ([\d,]+) MiB", proc.stdout)
    if proc.returncode not in (0, 1) or note is None:
        raise SystemExit(f"import failed ({proc.returncode}): {proc.stdout[-2000:]} {proc.stderr[-2000:]}")
    first = proc.stdout.splitlines()[0]
    return {"line": first, "rows_s": float(note.group(1).replace(",", "")), "seconds": float(note.group(2)),
            "wall": elapsed, "rss": int(note.group(3).replace(",", ""))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--small", type=int, default=5_000)
    parser.add_argument("--xlsx", action="store_true", help="also the .xlsx of the same rows")
    parser.add_argument("--no-reimport", action="store_true", help="skip the third run (every row unchanged)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        results = []
        formats = ["csv", "xlsx"] if args.xlsx else ["csv"]
        for fmt in formats:
            for n in (args.small, args.rows):
                path = folder / f"export-{n}.{fmt}"
                t0 = time.perf_counter()
                (write_csv if fmt == "csv" else write_xlsx)(path, n)
                mib = path.stat().st_size / 1024 / 1024
                print(f"{fmt} {n:,} rows: {mib:,.1f} MiB written in {time.perf_counter() - t0:.1f} s", flush=True)
                sub = folder / f"db-{fmt}-{n}"
                sub.mkdir()
                url, code = fresh_db(sub)
                phases = [("dry run", ("--dry-run",)), ("commit", ()), ("re-import", ())][:2 if args.no_reimport else 3]
                for phase, flags in phases:
                    r = command(url, code, path, *flags)
                    results.append((fmt, n, phase, r))
                    print(f"  {phase:9s} {r['rows_s']:8,.0f} rows/s  {r['seconds']:7.1f} s  peak RSS {r['rss']:5,} MiB"
                          f"  | {r['line']}", flush=True)
        print("\n| file | rows | phase | rows/s | seconds | peak RSS MiB |\n|---|---|---|---|---|---|")
        for fmt, n, phase, r in results:
            print(f"| {fmt} | {n:,} | {phase} | {r['rows_s']:,.0f} | {r['seconds']:.1f} | {r['rss']:,} |")
        for fmt in formats:
            big = max(r["rss"] for f_, n, _, r in results if f_ == fmt and n == args.rows)
            small = max(r["rss"] for f_, n, _, r in results if f_ == fmt and n == args.small)
            print(f"{fmt}: peak RSS {args.rows:,} rows / {args.small:,} rows = {big / small:.2f}"
                  f" (file {args.rows // args.small}× larger)")


if __name__ == "__main__":
    main()
