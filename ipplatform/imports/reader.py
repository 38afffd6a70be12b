"""Reading an import file row by row without loading it whole: CSV (UTF-8, UTF-8 with BOM, GB18030; the
``csv`` module over a byte-counting stream) and .xlsx (openpyxl ``read_only``, which streams the sheet XML).

The header row is found by name, not position: among the first rows of the sheet (of the workbook's
sheets, notes sheets skipped) the one that names the most columns of the import's layout. A header cell
left empty by a vertically merged cell takes the text of the cell above it, so a two-row header with merged
cells reads as one. Rows are numbered as the spreadsheet shows them (the header of a plain file is row 1).

An .xlsx is a zip archive: its members' sizes and compression ratios are checked before openpyxl opens it,
so a zip bomb is refused instead of filling memory.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import load_workbook

from ipplatform.common.errors import AppError
from ipplatform.common.spreadsheet import csv_uncell
from ipplatform.imports.columns import Layout, cell_text

MiB = 1024 * 1024
MAX_UPLOAD = 64 * MiB  # the web upload (the command line reads any size)
MAX_UNCOMPRESSED = 1024 * MiB  # all members of an .xlsx together
MAX_RATIO = 150  # uncompressed / compressed size of one member; real sheets stay far below 100
HEADER_SCAN_ROWS = 10
NOTES_SHEETS = ("说明", "填写", "notes", "readme", "instructions")
EXTENSIONS = (".csv", ".xlsx", ".txt")
csv.field_size_limit(16 * MiB)


class Unreadable(AppError):
    """The file cannot be read as a table at all (the command's exit status 2)."""

    status_code = 422
    code = "import_unreadable"

    def __init__(self, message: str, message_zh: str):
        super().__init__(message, message_zh, field="file")


def check_upload(filename: str, size: int) -> str:
    """The file's extension if it is a type and size the import takes."""
    name = (filename or "").lower()
    ext = next((e for e in EXTENSIONS if name.endswith(e)), None)
    if ext is None:
        raise Unreadable("upload a .xlsx or .csv file", "请上传 .xlsx（Excel）或 .csv 文件；旧版 .xls 请先另存为 .xlsx")
    if size == 0:
        raise Unreadable("the file is empty", "文件为空")
    if size > MAX_UPLOAD:
        raise Unreadable(f"the file is larger than {MAX_UPLOAD // MiB} MiB",
                         f"文件超过 {MAX_UPLOAD // MiB} MB，请拆分后分批导入，或使用命令行导入")
    return ext


@dataclass
class Table:
    headers: list[str]
    header_row: int
    rows: Iterator[tuple[int, list[str]]]  # (row number as the sheet shows it, cell texts)
    progress: callable = field(default=lambda: 0.0)  # fraction of the file read so far
    sheet: str | None = None


class _CountingReader(io.RawIOBase):
    def __init__(self, raw):
        self.raw, self.count = raw, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self.raw.readinto(buffer)
        self.count += n or 0
        return n


def _encoding(path: Path) -> str:
    with open(path, "rb") as fh:
        head = fh.read(1 * MiB)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"  # GB2312 and GBK are subsets: what Excel on a Chinese Windows writes


def _pick_header(rows: list[list[str]], layout: Layout) -> int:
    scores = [layout.score(r) for r in rows]
    best = max(range(len(rows)), key=lambda i: (scores[i], -i), default=0)
    if not rows or scores[best] == 0:
        raise Unreadable(f"no header row with {layout.label_zh} columns found",
                         f"未找到表头：前 {HEADER_SCAN_ROWS} 行中没有{layout.label_zh}导入模板或专利数据库导出文件的列名"
                         f"（例如“{layout.columns[0].header}”）")
    return best


def _merged_header(rows: list[list[str]], index: int) -> list[str]:
    header = list(rows[index])
    if index > 0:
        above = rows[index - 1]
        header += [""] * max(0, len(above) - len(header))
        header = [h if str(h).strip() else (above[i] if i < len(above) else "") for i, h in enumerate(header)]
    return header


def read_csv(path: Path, layout: Layout) -> Table:
    encoding = _encoding(path)
    size = max(1, path.stat().st_size)
    raw = open(path, "rb", buffering=0)  # noqa: SIM115 - closed by the generator below
    counter = _CountingReader(raw)
    stream = io.TextIOWrapper(io.BufferedReader(counter, 256 * 1024), encoding=encoding, newline="")
    try:
        first = stream.readline()
    except UnicodeDecodeError:
        raw.close()
        raise Unreadable("the file is neither UTF-8 nor GB18030 text", "无法识别文件编码（应为 UTF-8 或 GB18030 的 CSV）") from None
    dialect = "excel-tab" if first.count("\t") > first.count(",") else "excel"
    reader = csv.reader(io.StringIO(first), dialect)
    scanned = [next(reader, [])]
    body = csv.reader(stream, dialect)
    try:
        for _ in range(HEADER_SCAN_ROWS - 1):
            row = next(body, None)
            if row is None:
                break
            scanned.append(row)
    except (UnicodeDecodeError, csv.Error) as exc:
        raw.close()
        raise Unreadable(f"unreadable CSV: {exc}", "CSV 文件无法读取（编码或引号格式有误）") from None
    index = _pick_header(scanned, layout)

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            number = index + 1
            for row in scanned[index + 1:]:
                number += 1
                yield number, [csv_uncell(v) for v in row]
            for row in body:
                number += 1
                yield number, [csv_uncell(v) for v in row]
        except (UnicodeDecodeError, csv.Error) as exc:
            raise Unreadable(f"unreadable CSV after row {number}: {exc}",
                             f"第 {number} 行之后的内容无法读取（编码或引号格式有误）") from None
        finally:
            raw.close()

    return Table(_merged_header(scanned, index), index + 1, rows(), lambda: min(1.0, counter.count / size))


def _check_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise Unreadable("not an .xlsx workbook", "无法读取该 Excel 文件：文件不是有效的 .xlsx，或已损坏") from None
    total = sum(m.file_size for m in members)
    bomb = any(m.file_size > 10 * MiB and m.file_size > MAX_RATIO * max(1, m.compress_size) for m in members)
    if total > MAX_UNCOMPRESSED or bomb:
        raise Unreadable("the workbook expands to more than the import accepts (zip bomb?)",
                         "该 Excel 文件解压后过大或压缩比异常（疑似压缩炸弹），已拒绝读取")


def read_xlsx(path: Path, layout: Layout) -> Table:
    _check_zip(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a broken workbook: one clear answer
        raise Unreadable("not an .xlsx workbook", "无法读取该 Excel 文件：文件不是有效的 .xlsx，或已损坏") from None
    best = None
    for ws in book.worksheets:
        if any(word in ws.title.lower() for word in NOTES_SHEETS):
            continue
        head = [[cell_text(v) for v in row] for row in ws.iter_rows(max_row=HEADER_SCAN_ROWS, values_only=True)]
        score = max((layout.score(r) for r in head), default=0)
        if score and (best is None or score > best[0]):
            best = (score, ws, head)
    if best is None:
        book.close()
        raise Unreadable(f"no sheet with {layout.label_zh} columns", f"工作簿中没有包含{layout.label_zh}列名的工作表"
                         f"（例如“{layout.columns[0].header}”）")
    _, ws, head = best
    index = _pick_header(head, layout)
    total = max(1, (ws.max_row or 0) - index - 1)
    done = [0]

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for number, row in enumerate(ws.iter_rows(min_row=index + 2, values_only=True), start=index + 2):
                done[0] += 1
                yield number, [cell_text(v) for v in row]
        finally:
            book.close()

    return Table(_merged_header(head, index), index + 1, rows(), lambda: min(1.0, done[0] / total), ws.title)


def open_table(path: Path, filename: str, layout: Layout) -> Table:
    name = (filename or path.name).lower()
    if name.endswith(".xlsx"):
        return read_xlsx(path, layout)
    if name.endswith((".csv", ".txt")):
        return read_csv(path, layout)
    raise Unreadable("upload a .xlsx or .csv file", "请上传 .xlsx（Excel）或 .csv 文件；旧版 .xls 请先另存为 .xlsx")
