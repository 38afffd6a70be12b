"""The one import machinery every kind (patents, offers, demands, deals) runs on.

A kind (:class:`Kind`) says how a row's cells become a record (``parse``), which key makes two rows the same
record (``key``: re-importing is an upsert), how to find the records that already exist for a chunk of rows
(``lookup``), whether a row is new, updated or unchanged (``classify``) and how to write it (``apply``).

:func:`run` streams the file once, in chunks of ``CHUNK`` rows: every row is validated and classified; a
commit writes each chunk's valid rows inside one savepoint. When rows were rejected the savepoint is rolled
back (all-or-nothing per file) unless ``valid_only`` was chosen; a dry run writes nothing at all. Writes go
through the ORM on the caller's session, so audit records, search-outbox entries and statistics facts are
written by the session hooks in the same transaction: a rolled-back import leaves no trace in the database
and nothing for the search indexer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from pydantic import ValidationError
from sqlalchemy.orm import Session

from ipplatform.common.errors import AppError, translate_errors
from ipplatform.common.validators import InvalidValue
from ipplatform.imports.columns import Layout
from ipplatform.imports.reader import Unreadable, open_table

CHUNK = 500
MAX_REPORTED = 10_000  # rejected cells kept in the result (the counts are exact beyond that)
NEW, UPDATED, UNCHANGED = "new", "updated", "unchanged"


class RowError(Exception):
    """One bad cell: the field's column, the value and the bilingual message."""

    def __init__(self, key: str, value: Any, zh: str, en: str):
        super().__init__(en)
        self.key, self.value, self.zh, self.en = key, value, zh, en

    @classmethod
    def of(cls, key: str, value: Any, exc: InvalidValue | AppError) -> "RowError":
        if isinstance(exc, InvalidValue):
            return cls(key, value, exc.zh, exc.en)
        return cls(key, value, exc.message_zh, exc.message)


class RowErrors(Exception):
    def __init__(self, errors: list[RowError]):
        super().__init__("; ".join(e.en for e in errors))
        self.errors = errors


class Cells:
    """A row's cells by field key, collecting the errors of parsing them (``get`` → value or None)."""

    def __init__(self, values: dict[str, str]):
        self.values, self.errors = values, []

    def raw(self, key: str) -> str:
        return (self.values.get(key) or "").strip()

    def get(self, key: str, parse: Callable[[str], Any], *, required_zh: str | None = None):
        raw = self.raw(key)
        if not raw:
            if required_zh:
                self.errors.append(RowError(key, "", f"{required_zh}不能为空", f"{key} is required"))
            return None
        try:
            return parse(raw)
        except InvalidValue as exc:
            self.errors.append(RowError.of(key, raw, exc))
            return None

    def fail(self, key: str, zh: str, en: str) -> None:
        self.errors.append(RowError(key, self.raw(key), zh, en))

    def check(self) -> None:
        if self.errors:
            raise RowErrors(self.errors)

    def validate(self, schema, data: dict, field_keys: dict[str, str] | None = None):
        """``schema.model_validate(data)``; its errors as cell errors (``field_keys``: schema field → key)."""
        try:
            return schema.model_validate(data)
        except ValidationError as exc:
            for err in translate_errors(exc.errors()):
                name = err["field"].split(".")[0]
                key = (field_keys or {}).get(name, name)
                zh = err["message_zh"].split("：", 1)[1] if err["message_zh"].startswith(err["field"] + "：") else err["message_zh"]
                self.errors.append(RowError(key, self.raw(key), zh, err["message"]))
            raise RowErrors(self.errors) from None


@dataclass
class Context:
    db: Session
    owner: Any  # the Organisation the rows are imported for (None: the rows name their organisations)
    user_id: int | None
    headers: dict[str, str]  # field key → the header as the file writes it
    write: bool = False
    state: dict = field(default_factory=dict)  # a kind's own caches (e.g. organisations by credit code)
    review: list[dict] = field(default_factory=list)
    touched_ids: list[int] = field(default_factory=list)  # ids of new and updated records
    pending: list = field(default_factory=list)  # records written in this chunk (their ids after the flush)
    extra: dict[str, int] = field(default_factory=dict)  # a kind's further counts (history deals created)

    def header(self, key: str) -> str:
        return self.headers.get(key, key)


class Kind(Protocol):
    layout: Layout
    needs_owner: bool

    def parse(self, ctx: Context, cells: Cells) -> Any: ...
    def key(self, record) -> Any: ...
    def lookup(self, ctx: Context, records: list) -> dict: ...
    def classify(self, ctx: Context, record, existing) -> str: ...
    def apply(self, ctx: Context, record, existing, outcome: str) -> None: ...


@dataclass
class ImportResult:
    rows: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[dict] = field(default_factory=list)
    rejected_rows: int = 0
    committed: bool = False
    ignored_columns: list[str] = field(default_factory=list)
    review: list[dict] = field(default_factory=list)
    touched_ids: list[int] = field(default_factory=list)
    extra: dict[str, int] = field(default_factory=dict)
    sheet: str | None = None

    def summary(self) -> dict:
        """The command's ``--json`` object (exactly the keys of its contract)."""
        return {"rows": self.rows, "new": self.new, "updated": self.updated, "unchanged": self.unchanged,
                "rejected": self.rejected, "committed": self.committed}

    def as_dict(self) -> dict:
        return {**self.summary(), "rejected_rows": self.rejected_rows, "ignored_columns": self.ignored_columns,
                "review": self.review, "touched_ids": self.touched_ids[:20_000], "extra": self.extra,
                "sheet": self.sheet}


def _reject(result: ImportResult, ctx: Context, row_no: int, errors: list[RowError]) -> None:
    result.rejected_rows += 1
    for e in errors:
        if len(result.rejected) < MAX_REPORTED:
            result.rejected.append({"row": row_no, "column": ctx.header(e.key), "value": "" if e.value is None
                                    else str(e.value), "message_zh": e.zh, "message": e.en})


def _process_chunk(kind: Kind, ctx: Context, result: ImportResult, chunk: list[tuple[int, Cells]],
                   seen: dict) -> None:
    parsed = []
    for row_no, cells in chunk:
        try:
            record = kind.parse(ctx, cells)
            cells.check()
        except RowErrors as exc:
            _reject(result, ctx, row_no, exc.errors)
            continue
        key = kind.key(record)
        if key in seen:
            first = seen[key]
            _reject(result, ctx, row_no, [RowError(kind.layout.columns[0].key, cells.raw(kind.layout.columns[0].key),
                                                   f"与第 {first} 行重复（同一条记录在文件中出现两次）",
                                                   f"duplicate of row {first}")])
            continue
        seen[key] = row_no
        parsed.append((row_no, record))
    existing = kind.lookup(ctx, [r for _, r in parsed]) if parsed else {}
    for row_no, record in parsed:
        found = existing.get(kind.key(record))
        try:
            outcome = kind.classify(ctx, record, found)
            if ctx.write and outcome != UNCHANGED:
                kind.apply(ctx, record, found, outcome)
        except RowErrors as exc:
            _reject(result, ctx, row_no, exc.errors)
            continue
        except AppError as exc:  # a business rule of the domain's service
            key = getattr(kind, "field_keys", {}).get(exc.field, exc.field)
            if key not in ctx.headers:
                key = kind.layout.columns[0].key
            _reject(result, ctx, row_no, [RowError(key, "", exc.message_zh, exc.message)])
            continue
        setattr(result, outcome, getattr(result, outcome) + 1)
    if ctx.write:
        ctx.db.flush()
        ctx.touched_ids.extend(obj.id for obj in ctx.pending)
        ctx.pending.clear()


Progress = Callable[[float, int], None]


def run(db: Session, kind: Kind, path: Path, filename: str, *, owner=None, user_id: int | None = None,
        dry_run: bool = True, valid_only: bool = False, progress: Progress | None = None,
        options: dict | None = None) -> ImportResult:
    """Validate (and unless ``dry_run``, write) the rows of the file at ``path``. Raises :class:`Unreadable`
    for a file that is not a table of this kind; bad rows are reported in the result, never raised."""
    table = open_table(path, filename, kind.layout)
    mapping, ignored = kind.layout.match(table.headers)
    present = {c.key for c in mapping.values()}
    missing = [c.header for c in kind.layout.columns if c.required and c.key not in present]
    if missing:
        raise Unreadable(f"required columns missing: {', '.join(missing)}", f"缺少必需的列：{'、'.join(missing)}")
    ctx = Context(db, owner, user_id, {c.key: str(table.headers[i]).strip() for i, c in mapping.items()},
                  write=not dry_run, state=dict(options or {}))
    result = ImportResult(ignored_columns=ignored, sheet=table.sheet)
    seen: dict = {}
    savepoint = db.begin_nested()
    try:
        chunk: list[tuple[int, Cells]] = []
        for row_no, row in table.rows:
            values = {c.key: row[i] for i, c in mapping.items() if i < len(row)}
            if not any(str(v).strip() for v in values.values()):
                continue  # an empty row (or one with only ignored columns)
            result.rows += 1
            chunk.append((row_no, Cells(values)))
            if len(chunk) >= CHUNK:
                _process_chunk(kind, ctx, result, chunk, seen)
                chunk = []
                if progress:
                    progress(table.progress(), result.rows)
        if chunk:
            _process_chunk(kind, ctx, result, chunk, seen)
        if ctx.write and (valid_only or not result.rejected_rows):
            savepoint.commit()
            result.committed = True
        else:
            savepoint.rollback()
    except BaseException:
        if savepoint.is_active:
            savepoint.rollback()
        raise
    if progress:
        progress(1.0, result.rows)
    result.rejected.sort(key=lambda r: r["row"])  # a chunk reports parse errors before lookup errors
    result.review, result.extra = ctx.review, ctx.extra
    result.touched_ids = ctx.touched_ids if result.committed else []
    return result
