"""Monthly / quarterly Excel report (openpyxl): one sheet per theme, Chinese headers, a definitions sheet.

    python -m ipplatform.stats.report --start 2025-01-01 --end 2025-03-31 --out report.xlsx
"""

from __future__ import annotations

import argparse
import io
import sys
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy.orm import Session

from ipplatform.common.spreadsheet import textify
from ipplatform.stats import indicators as ind
from ipplatform.stats.summary import summary

SHEETS = {"county": "按县区", "industry": "按行业", "type": "按交易类型", "trend": "月度趋势", "pledge_county": "质押融资", "ipc": "按技术领域"}


def _header(ws, names: list[str]) -> None:
    ws.append(names)
    for cell in ws[1]:
        cell.font = Font(bold=True)


def build(db: Session, f: ind.Filters) -> bytes:
    data = summary(db, f)
    wb = Workbook()
    ws = wb.active
    ws.title = "概览"
    period = f"{f.start or '—'} 至 {f.end or '—'}"
    _header(ws, ["指标编号", "指标名称", "单位", f"本期（{period}）", "上期", "环比（%）"])
    for r in data["indicators"]:
        value = "暂无数据" if r["value"] is None else r["value"]  # a share or median with nothing to measure
        ws.append([r["id"], r["name_zh"], r["unit"], value, r["previous"], r["change_pct"]])
    ws.append([])
    ws.append(["转化漏斗（同一批供给逐级筛选）", "项数", "定义"])
    for stage in data["funnel"]:
        ws.append([stage["stage"], stage["value"], stage["definition"]])
    for chart, title in SHEETS.items():
        c = data["charts"][chart]
        sheet = wb.create_sheet(title)
        _header(sheet, ["代码", "名称", c["title"]])
        for row in c["rows"]:
            sheet.append([row["key"], row["label"], row["value"]])
        sheet.append(["合计", "", round(sum(row["value"] for row in c["rows"]), 2)])
    defs = wb.create_sheet("指标定义")
    _header(defs, ["指标编号", "指标名称", "单位", "定义", "计算公式"])
    for i in ind.REPORTED:
        defs.append([i.id, i.name_zh, i.unit, i.definition, i.formula])
    for sheet in wb.worksheets:
        sheet.column_dimensions["B"].width = 28
    buf = io.BytesIO()
    textify(wb)
    wb.save(buf)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--start", type=date.fromisoformat)
    parser.add_argument("--end", type=date.fromisoformat)
    parser.add_argument("--county")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    import ipplatform.models  # noqa: F401
    from ipplatform.database import default_engine
    from ipplatform.hooks import hooked_session_factory

    with hooked_session_factory(default_engine())() as db:
        content = build(db, ind.Filters(start=args.start, end=args.end, county=args.county))
    with open(args.out, "wb") as fh:
        fh.write(content)
    print(f"report: {args.out} ({len(content):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
