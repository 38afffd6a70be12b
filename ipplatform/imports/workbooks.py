"""Workbooks the import page offers for download (openpyxl): each kind's Excel template (the Chinese headers
the importer reads, an example row, data-validation lists for vocabularies, a 填写说明 notes sheet) and the
report of an import run (rejected cells with row, column, value and message; the review list; counts)."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from ipplatform.common.spreadsheet import textify
from ipplatform.imports.kinds import KINDS, LABELS

BOLD = Font(bold=True)
REQUIRED_FILL = PatternFill("solid", fgColor="FFF2CC")
TEMPLATE_ROWS = 5000  # data validation covers this many rows below the header


def _save(book: Workbook) -> bytes:
    buf = io.BytesIO()
    textify(book)  # cells hold what users typed: text, never a formula
    book.save(buf)
    return buf.getvalue()


def template(kind: str) -> bytes:
    layout = KINDS[kind].layout
    book = Workbook()
    ws = book.active
    ws.title = f"{layout.label_zh}导入"
    ws.append([("*" if c.required else "") + c.header for c in layout.columns])
    ws.append([c.example for c in layout.columns])
    ws.freeze_panes = "A2"
    for i, col in enumerate(layout.columns, start=1):
        cell = ws.cell(row=1, column=i)
        cell.font = BOLD
        if col.required:
            cell.fill = REQUIRED_FILL
        ws.column_dimensions[get_column_letter(i)].width = max(12, min(40, len(col.header) * 2 + 4))
        if col.choices and len(",".join(col.choices)) < 250 and not (col.key == "modes"):
            dv = DataValidation(type="list", formula1='"' + ",".join(col.choices) + '"', allow_blank=not col.required,
                                showErrorMessage=True, errorTitle="取值无效", error="请从下拉列表中选择")
            dv.add(f"{get_column_letter(i)}2:{get_column_letter(i)}{TEMPLATE_ROWS}")
            ws.add_data_validation(dv)
    notes = book.create_sheet("填写说明")
    notes.append(["列名", "是否必填", "说明", "可选值"])
    for cell in notes[1]:
        cell.font = BOLD
    for col in layout.columns:
        notes.append([col.header, "必填" if col.required else "选填", col.note,
                      "、".join(col.choices)])
    notes.append([])
    notes.append(["通用说明", "", "列按表头名称识别（顺序不限，可增加其他列，未识别的列会被忽略并列出）；第 2 行为示例，导入前请删除或改写。"
                  "同一文件中有任何一行不通过校验时，默认整个文件都不导入；可在导入页选择“仅导入通过校验的行”。", ""])
    notes.column_dimensions["A"].width = 22
    notes.column_dimensions["C"].width = 80
    notes.column_dimensions["D"].width = 40
    return _save(book)


def report(job_result: dict, kind: str, filename: str) -> bytes:
    book = Workbook()
    ws = book.active
    ws.title = "未通过校验"
    ws.append(["行号", "列", "内容", "问题", "Problem"])
    for cell in ws[1]:
        cell.font = BOLD
    for r in job_result.get("rejected", []):
        ws.append([r["row"], r["column"], r["value"], r["message_zh"], r["message"]])
    for letter, width in zip("ABCDE", (8, 18, 30, 60, 50)):
        ws.column_dimensions[letter].width = width
    review = book.create_sheet("待核对")
    review.append(["申请号", "申请人/权利人", "原因"])
    for cell in review[1]:
        cell.font = BOLD
    for r in job_result.get("review", []):
        review.append([r["application_number"], r["names"], r["reason_zh"]])
    summary = book.create_sheet("汇总")
    for label, key in (("文件", None), ("类型", None), ("数据行数", "rows"), ("新增", "new"), ("更新", "updated"),
                       ("未变", "unchanged"), ("未通过校验的行数", "rejected_rows")):
        value = filename if label == "文件" else LABELS.get(kind, kind) if label == "类型" else job_result.get(key, 0)
        summary.append([label, value])
    summary.append(["已写入", "是" if job_result.get("committed") else "否"])
    summary.append(["忽略的列", "、".join(job_result.get("ignored_columns", []))])
    return _save(book)
