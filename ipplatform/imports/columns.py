"""Columns by header name: each import kind's fields with their Chinese header, the synonyms patent databases
and spreadsheets use for it, whether it is required, and how a cell's text becomes a value.

Headers are compared after NFKC normalisation (full-width letters, digits and brackets become ASCII),
with every whitespace and the required-marker ``*`` removed, so `` 专利名称 ``, ``*申请号`` and
``报价（万元）``/``报价(万元)`` all match. A header no field knows is ignored and listed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from ipplatform.common.validators import InvalidValue, normalize_amount


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the platform's own header: templates and exports write it
    synonyms: tuple[str, ...] = ()
    required: bool = False
    note: str = ""  # the notes sheet of the template
    choices: tuple[str, ...] = ()  # a data-validation list in the template
    example: str = ""


@dataclass(frozen=True)
class Layout:
    kind: str
    label_zh: str
    columns: tuple[Column, ...]
    by_header: dict[str, Column] = field(default_factory=dict)

    def __post_init__(self):
        for col in self.columns:
            for name in (col.header, *col.synonyms):
                self.by_header.setdefault(normalize_header(name), col)

    def match(self, headers: list[str]) -> tuple[dict[int, Column], list[str]]:
        """Column index → field for the headers this layout knows (the first of two same columns wins),
        and the headers it ignores (unknown, or a second column for a field already matched)."""
        found: dict[int, Column] = {}
        seen: set[str] = set()
        ignored = []
        for i, raw in enumerate(headers):
            name = normalize_header(raw)
            if not name:
                continue
            col = self.by_header.get(name)
            if col is None or col.key in seen:
                ignored.append(str(raw).strip())
                continue
            seen.add(col.key)
            found[i] = col
        return found, ignored

    def score(self, headers: list[str]) -> int:
        return sum(1 for h in headers if normalize_header(h) in self.by_header)


def normalize_header(value) -> str:
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    return re.sub(r"[\s*]", "", text)


# ---- cell values -----------------------------------------------------------------------------------------

EMPTY = {"", "0", "-", "—", "无", "none", "null", "nan"}  # how exports write "no value" in optional date cells
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]00:00(?::00)?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
)


def text(value: str | None) -> str:
    return unicodedata.normalize("NFC", value).strip() if value else ""


def parse_date(value: str) -> date | None:
    """20221202, 2022-12-02, 2022/12/2, 2022.12.2 and 2022年12月2日; empty (or an export's 0) is None."""
    raw = unicodedata.normalize("NFKC", value or "").strip()
    if raw.lower() in EMPTY:
        return None
    for pattern in _DATE_PATTERNS:
        m = pattern.match(raw)
        if m:
            try:
                return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                break
    raise InvalidValue("date_format", f"'{value}' is not a date (20221202, 2022-12-02, 2022/12/2, 2022年12月2日)",
                       f"“{value}”不是有效日期（可写作 20221202、2022-12-02、2022/12/2 或 2022年12月2日）")


def split_list(value: str) -> list[str]:
    """Cells listing several values: separated by ; ； , ， 、 or line breaks."""
    return [p.strip() for p in re.split(r"[;；,，、\n]", value or "") if p.strip()]


def split_names(value: str) -> list[str]:
    """Names (applicants, inventors): separated by ; ； or line breaks (a comma may be part of a name)."""
    return [p.strip() for p in re.split(r"[;；\n]", value or "") if p.strip()]


def parse_count(value: str) -> int:
    raw = unicodedata.normalize("NFKC", value or "").strip()
    if not raw:
        return 0
    if re.fullmatch(r"\d{1,4}(\.0+)?", raw):
        return int(float(raw))
    raise InvalidValue("count_format", f"'{value}' is not a whole number ≥ 0", f"“{value}”应为不小于 0 的整数")


def parse_wan(value: str) -> Decimal | None:
    """An amount in 万元 (how the templates ask for prices and budgets) as yuan."""
    raw = unicodedata.normalize("NFKC", value or "").strip().replace(",", "")
    if not raw:
        return None
    try:
        wan = Decimal(raw)
    except ArithmeticError:
        raise InvalidValue("amount_format", f"'{value}' is not an amount", f"“{value}”不是有效金额") from None
    return normalize_amount(wan * 10000)


def parse_yuan(value: str) -> Decimal | None:
    raw = unicodedata.normalize("NFKC", value or "").strip()
    return normalize_amount(raw) if raw else None


YES = {"是", "y", "yes", "true", "1", "√", "面议"}
NO = {"否", "n", "no", "false", "0", ""}


def parse_yes_no(value: str) -> bool:
    raw = unicodedata.normalize("NFKC", value or "").strip().lower()
    if raw in YES:
        return True
    if raw in NO:
        return False
    raise InvalidValue("yes_no", f"'{value}' is not yes/no", f"“{value}”应填写“是”或“否”")


def cell_text(value) -> str:
    """A spreadsheet cell as the text a user sees: dates as YYYY-MM-DD, whole numbers without “.0”."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
