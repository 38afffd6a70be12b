"""Rows of the workbooks and CSV files the platform writes. Whatever a user typed stays text: openpyxl would
store a string beginning with ``=`` as a formula, and Excel evaluates a CSV cell beginning with ``= + - @``
(or a tab / carriage return) — the formula-injection attack on whoever opens an export or an import report."""

from __future__ import annotations

from collections.abc import Iterable

from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

CSV_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_QUOTE = "'"  # what spreadsheet programs themselves use to mark "this is text"


def append(ws, row: Iterable) -> None:
    """``ws.append(row)`` with every string written as a string cell (never a formula); for normal and
    write-only worksheets alike."""
    values = list(row)
    if isinstance(ws, WriteOnlyWorksheet):
        cells = []
        for value in values:
            if _formula_like(value):
                cell = WriteOnlyCell(ws, value=value)
                cell.data_type = "s"
                value = cell
            cells.append(value)
        ws.append(cells)
        return
    ws.append(values)
    for cell in ws[ws.max_row]:
        if _formula_like(cell.value):
            cell.data_type = "s"


def textify(book) -> None:
    """Mark every formula-looking string of a (normal, not write-only) workbook as text, just before saving."""
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if _formula_like(cell.value):
                    cell.data_type = "s"


def _formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith("=")


def csv_cell(value: str) -> str:
    """A CSV field a spreadsheet will not evaluate (the importer strips the mark again: ``csv_uncell``). Text
    that already begins with the mark before such a character gets a second one, so the round trip is exact."""
    return CSV_QUOTE + value if _csv_marked(value) or value.startswith(CSV_FORMULA_PREFIXES) else value


def _csv_marked(value: str) -> bool:
    return value.startswith(CSV_QUOTE) and value.lstrip(CSV_QUOTE).startswith(CSV_FORMULA_PREFIXES)


def csv_row(values: Iterable) -> list:
    return [csv_cell(v) if isinstance(v, str) else v for v in values]


def csv_uncell(value: str) -> str:
    """The text a ``csv_cell`` field stood for (other fields unchanged)."""
    return value[1:] if _csv_marked(value) else value
