"""Bulk import from the command line:

    python -m ipplatform.imports patents FILE --owner-credit-code CODE [--dry-run] [--valid-only] [--json]

(also ``offers`` and ``demands`` for an organisation, and ``deals``, whose rows name their organisations).
FILE is a .csv (UTF-8, UTF-8 with BOM or GB18030) or .xlsx in the patent-database export layout or the
platform's template. ``--json`` prints one object: ``{"rows", "new", "updated", "unchanged", "rejected":
[{"row", "column", "value", "message_zh", "message"}], "committed"}``. Exit status 0 when the file was valid
(or ``--valid-only``), 1 when rows were rejected and nothing was committed, 2 for an unreadable file.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

from sqlalchemy import select
from tqdm import tqdm

import ipplatform.models  # noqa: F401  (every mapper)
from ipplatform.common.validators import InvalidValue, normalize_credit_code
from ipplatform.database import default_engine
from ipplatform.hooks import hooked_session_factory
from ipplatform.imports import engine
from ipplatform.imports.kinds import KINDS
from ipplatform.imports.reader import Unreadable
from ipplatform.organisations.models import Organisation


def _owner(db, code: str | None, needed: bool):
    if not needed:
        return None
    if not code:
        raise SystemExit("--owner-credit-code is required for this kind (the organisation the rows belong to)")
    try:
        code = normalize_credit_code(code)
    except InvalidValue as exc:
        raise SystemExit(f"--owner-credit-code: {exc.en} / {exc.zh}") from None
    owner = db.scalar(select(Organisation).where(Organisation.credit_code == code))
    if owner is None:
        raise SystemExit(f"no organisation with credit code {code} / 平台上没有统一社会信用代码为 {code} 的机构")
    return owner


def run(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ipplatform.imports", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=sorted(KINDS))
    parser.add_argument("file", type=Path)
    parser.add_argument("--owner-credit-code", help="the organisation the rows are imported for")
    parser.add_argument("--dry-run", action="store_true", help="validate and count, write nothing")
    parser.add_argument("--valid-only", action="store_true", help="commit the valid rows even if others are rejected")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    kind = KINDS[args.kind]
    factory = hooked_session_factory(default_engine())
    started = time.perf_counter()
    bar = tqdm(total=100, unit="%", desc=args.file.name, file=sys.stderr, disable=not sys.stderr.isatty(),
               bar_format="{l_bar}{bar}| {postfix}")

    def progress(fraction: float, rows: int) -> None:
        bar.n = round(fraction * 100)
        bar.set_postfix_str(f"{rows} 行")

    try:
        if not args.file.is_file():
            raise Unreadable(f"{args.file}: no such file", f"{args.file}：文件不存在")
        with factory.begin() as db:
            owner = _owner(db, args.owner_credit_code, kind.needs_owner)
            result = engine.run(db, kind, args.file, args.file.name, owner=owner, dry_run=args.dry_run,
                                valid_only=args.valid_only, progress=progress)
    except Unreadable as exc:
        bar.close()
        if args.json:
            print(json.dumps({"error": exc.message, "message_zh": exc.message_zh}, ensure_ascii=False))
        else:
            print(f"无法读取：{exc.message_zh}\nunreadable: {exc.message}", file=sys.stderr)
        return 2
    bar.close()
    elapsed = time.perf_counter() - started
    if args.json:
        print(json.dumps(result.summary(), ensure_ascii=False, default=str))
    else:
        _print(result, elapsed)
    return 0 if not result.rejected_rows or args.valid_only else 1


def _print(result: engine.ImportResult, elapsed: float) -> None:
    print(f"共 {result.rows} 行：新增 {result.new}，更新 {result.updated}，未变 {result.unchanged}，"
          f"拒绝 {result.rejected_rows} 行；{'已提交' if result.committed else '未写入任何数据'}")
    for r in result.rejected[:50]:
        print(f"  第 {r['row']} 行 [{r['column']}] “{r['value']}”：{r['message_zh']}")
    if len(result.rejected) > 50:
        print(f"  …… 另有 {len(result.rejected) - 50} 处错误")
    if result.ignored_columns:
        print("忽略的列：" + "、".join(result.ignored_columns))
    if result.review:
        print(f"待核对 {len(result.review)} 行（申请人与导入机构不一致）")
    if result.extra.get("history_deals"):
        print(f"导入历史交易记录 {result.extra['history_deals']} 条")
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{result.rows / max(elapsed, 1e-9):,.0f} rows/s, {elapsed:.1f} s, peak RSS {peak_mib:,.0f} MiB")


def main() -> None:
    sys.exit(run())


if __name__ == "__main__":
    main()
