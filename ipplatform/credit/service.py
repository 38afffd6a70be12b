"""Credit supervision as office staff do it (API and pages): review a rule's flag (confirm or dismiss, with a
note), and keep the dishonest-entity list (add, expire on a date, remove an entry made in error)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ipplatform.common.errors import Conflict, FieldError, get_or_404
from ipplatform.common.schemas import PageParams, paginate
from ipplatform.credit.models import CreditFlag, DishonestEntity
from ipplatform.database import text_search, utcnow
from ipplatform.common.timefmt import beijing_today

FLAG_STATUSES = {"open": "待核查", "confirmed": "已确认", "cleared": "已排除"}
DECISIONS = ("confirmed", "cleared")


def get_flag(db: Session, flag_id: int) -> CreditFlag:
    return get_or_404(db, CreditFlag, flag_id, "flag", "信用预警")


def list_flags(db: Session, page: PageParams, status: str = "open") -> tuple[list[CreditFlag], int]:
    stmt = select(CreditFlag).where(CreditFlag.status == status)
    return paginate(db, stmt, page, CreditFlag.id.desc())


def flag_counts(db: Session) -> dict[str, int]:
    rows = dict(db.execute(select(CreditFlag.status, func.count()).group_by(CreditFlag.status)).all())
    return {status: int(rows.get(status, 0)) for status in FLAG_STATUSES}


def review(db: Session, flag: CreditFlag, status: str, user, note: str | None = None) -> CreditFlag:
    """Confirm (the finding stands: shown publicly as 信用预警) or dismiss (cleared) an open flag. A decided flag
    may be decided again (a correction), but dismissing one needs the reason."""
    if status not in DECISIONS:
        raise FieldError(f"decision must be one of {', '.join(DECISIONS)}", "请选择核查结论：确认或排除", field="status")
    if status == "cleared" and not (note or "").strip():
        raise FieldError("dismissing a flag needs a note", "排除预警时请填写核查说明", field="note")
    flag.status, flag.reviewed_by_id, flag.reviewed_at = status, user.id, utcnow()
    flag.review_note = (note or "").strip() or None
    db.flush()
    return flag


# ---- the dishonest-entity list --------------------------------------------------------------------------

def get_entry(db: Session, entry_id: int) -> DishonestEntity:
    return get_or_404(db, DishonestEntity, entry_id, "dishonest entry", "失信名单条目")


def _active(today: date):
    return (DishonestEntity.listed_from <= today) & (
        DishonestEntity.listed_to.is_(None) | (DishonestEntity.listed_to >= today))


def list_entries(db: Session, page: PageParams, q: str | None = None, state: str | None = None):
    """``state``: ``active`` (listed today), ``expired`` (listed_to passed) or ``pending`` (from a future date)."""
    today = beijing_today()
    stmt = select(DishonestEntity)
    if q:
        stmt = stmt.where(text_search((DishonestEntity.name, q), (DishonestEntity.credit_code, q.upper())))
    if state == "active":
        stmt = stmt.where(_active(today))
    elif state == "expired":
        stmt = stmt.where(DishonestEntity.listed_to < today)
    elif state == "pending":
        stmt = stmt.where(DishonestEntity.listed_from > today)
    return paginate(db, stmt, page, DishonestEntity.listed_from.desc(), DishonestEntity.id.desc())


def entry_state(entry: DishonestEntity, today: date | None = None) -> str:
    today = today or beijing_today()
    if entry.listed_from > today:
        return "pending"
    if entry.listed_to is not None and entry.listed_to < today:
        return "expired"
    return "active"


def add_entry(db: Session, data) -> DishonestEntity:
    """``data``: ``credit.router.DishonestIn``. The same code may be listed again only after its entry ended."""
    if data.listed_to is not None and data.listed_to < data.listed_from:
        raise FieldError("listed_to is before listed_from", "列入截止日期早于列入日期", field="listed_to")
    overlapping = db.scalar(select(DishonestEntity.id).where(
        DishonestEntity.credit_code == data.credit_code,
        DishonestEntity.listed_to.is_(None) | (DishonestEntity.listed_to >= data.listed_from)))
    if overlapping is not None:
        raise Conflict(f"{data.credit_code} is already on the list", f"统一社会信用代码 {data.credit_code} 已在失信名单中",
                       field="credit_code")
    entry = DishonestEntity(**data.model_dump())
    db.add(entry)
    db.flush()
    return entry


def expire_entry(db: Session, entry: DishonestEntity, on: date | None = None) -> DishonestEntity:
    """End the listing on ``on`` (default today): from the day after, the entity is no longer flagged."""
    on = on or beijing_today()
    if on < entry.listed_from:
        raise FieldError("the end date is before the listing date", "列入截止日期早于列入日期", field="listed_to")
    entry.listed_to = on
    db.flush()
    return entry


def remove_entry(db: Session, entry: DishonestEntity) -> None:
    """Delete an entry made in error (the audit trail keeps what it was)."""
    db.delete(entry)
    db.flush()
