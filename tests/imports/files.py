"""Import fixture files written by the tests: rows in the 61-column layout of Chinese patent-database
exports (the header of ../shared/data/patent-export-format-sample, every value written here) or in the
platform's own template, as CSV in three encodings or as .xlsx (optionally with a two-row header of merged
cells and a notes sheet)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from openpyxl import Workbook

from ipplatform.common.validators import application_check_digit

EXPORT_HEADER = (
    "序号,申请日,公开日,授权公告日,申请人,发明人,申请号,公开号,授权公告号,专利类型,专利名称,授权名称,申请摘要,主权项,申请人地址,"
    "法律状态,主分类号,分类号,国省代码,专利代理人,专利代理机构,优先权,优先权日,优先权数量,全文链接,第一发明人,第一权利人,申请人类型,"
    "当前发明人,当前权利人,当前著录项联系人通讯地址,当前专利代理人,当前专利代理机构,变更前代理机构,法律事件,引证专利,非专利引证,引证数,"
    "同族专利,专利转移次数,许可次数,质押次数,简单同族数量,转让日期,失效日期,质押日期,许可日期,无效宣告日期,CPC主分类号,CPC分类号,"
    "FI主分类号,FI分类号,国际申请号,国际申请日,国际公开号,国际公开日,进入国家日期,颁证日,审查员,审查时长,实质审查日").split(",")
assert len(EXPORT_HEADER) == 61


def app_no(serial: int, type_digit: str = "2", year: int = 2021) -> str:
    digits = f"{year}{type_digit}{serial:07d}"
    return f"CN{digits}.{application_check_digit(digits)}"


def export_row(n: int, owner: str, *, type_digit: str = "2", **over) -> dict:
    """One patent in the export layout (a utility model by default), fields overridable by header name."""
    kind = {"1": "发明公开", "2": "实用新型", "3": "外观设计"}[type_digit]
    pub = f"CN{215000000 + n}{'A' if type_digit == '1' else 'U' if type_digit == '2' else 'S'}"
    row = {h: "0" if h.endswith(("次数", "数量", "数")) or h.endswith("日期") else "" for h in EXPORT_HEADER}
    row.update({"序号": str(n), "申请日": "20210715", "公开日": "2022/1/21", "授权公告日": "" if type_digit == "1" else "2022年1月21日",
                "申请人": owner, "发明人": "刘迪;刘敏", "申请号": app_no(n, type_digit), "公开号": pub,
                "授权公告号": "" if type_digit == "1" else pub, "专利类型": kind, "专利名称": f"一种茶叶杀青装置{n}",
                "申请摘要": "本实用新型公开了一种茶叶杀青装置，包括滚筒和加热组件。", "主权项": "1.一种茶叶杀青装置，其特征在于……",
                "法律状态": "审中-实质审查" if type_digit == "1" else "有权-审定授权", "主分类号": "A23F3/06",
                "分类号": "A23F3/06;A23N12/08", "国省代码": "河南(41)", "当前权利人": owner, "审查员": "张三"})
    row.update(over)
    return row


def template_row(n: int, owner: str, **over) -> dict:
    """One patent in the platform's own template layout (its header names)."""
    row = {"申请号": app_no(n, "1"), "专利名称": f"一种茶园虫情监测方法{n}", "专利类型": "发明授权", "公开号": f"CN11{n:07d}B",
           "法律状态": "有效", "申请日": "2021-03-01", "公开日": "2021-09-01", "授权公告日": "2022-05-01",
           "主分类号": "A01M 1/02", "分类号": "A01M 1/02;G06V 20/10", "申请人": owner, "发明人": "王五", "申请摘要": "",
           "专利转移次数": "0", "许可次数": "0", "质押次数": "0"}
    row.update(over)
    return row


def write_csv(path: Path, rows: list[dict], encoding: str = "utf-8", header: list[str] | None = None) -> Path:
    header = header or list(rows[0])
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    for r in rows:
        writer.writerow([r.get(h, "") for h in header])
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[dict], *, header: list[str] | None = None, merged_title: bool = False,
               notes: bool = False) -> Path:
    """``merged_title``: a group row above the header with cells merged across columns, and the first header
    cell merged vertically over both rows (its text only in the upper row, as Excel stores it)."""
    header = header or list(rows[0])
    book = Workbook()
    if notes:  # a notes sheet first: the importer must skip it and find the data sheet
        info = book.active
        info.title = "填写说明"
        info.append(["申请号", "必填", "说明"])
        data = book.create_sheet("专利清单")
    else:
        data = book.active
    if merged_title:
        data.append([header[0], "著录项目"] + [""] * (len(header) - 2))
        data.merge_cells(start_row=1, start_column=2, end_row=1, end_column=len(header))
        data.append([""] + header[1:])
        data.merge_cells(start_row=1, start_column=1, end_row=2, end_column=1)
    else:
        data.append(header)
    for r in rows:
        data.append([r.get(h, "") for h in header])
    book.save(path)
    return path
