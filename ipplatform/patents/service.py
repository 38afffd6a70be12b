from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ipplatform.database import text_search
from ipplatform.common.errors import Conflict, FieldError, get_or_404
from ipplatform.common.patch import assign, merged
from ipplatform.common.schemas import PageParams, paginate
from ipplatform.offers.models import offer_patent
from ipplatform.patents.enums import DEAD_STATUSES, LegalStatus, PatentKind
from ipplatform.patents.models import Patent
from ipplatform.patents.schemas import PatentCreate, PatentFields, PatentUpdate


def numbers(values, sep: str = ", ") -> str:
    """Patent numbers (or ids) for a message, as text: ``CN1…、CN2…``, never a Python list."""
    return sep.join(str(v) for v in values)


def get(db: Session, patent_id: int) -> Patent:
    return get_or_404(db, Patent, patent_id, "patent", "专利")


def load_owned(db: Session, ids: list[int], owner_id: int, role_zh: str) -> list[Patent]:
    """The patents ``ids`` in the order given; a field error names any that do not exist or that
    ``owner_id`` does not hold (``role_zh``: how the message calls the holder, e.g. 该供给机构)."""
    patents = list(db.scalars(select(Patent).where(Patent.id.in_(ids))))
    missing = sorted(set(ids) - {p.id for p in patents})
    if missing:
        raise FieldError(f"patents {numbers(missing)} do not exist", f"专利（编号 {numbers(missing, '、')}）不存在",
                         field="patent_ids")
    foreign = [p.application_number for p in patents if p.owner_org_id != owner_id]
    if foreign:
        raise FieldError(f"patents {numbers(foreign)} are not held by this organisation",
                         f"专利 {numbers(foreign, '、')} 不属于{role_zh}", field="patent_ids")
    order = {pid: i for i, pid in enumerate(ids)}
    return sorted(patents, key=lambda p: order[p.id])


def transfer(patents: list[Patent], to_org_id: int) -> None:
    """Move ``patents`` to a new holder (a recorded transfer: ``outcomes.flows.record_deal``)."""
    for patent in patents:
        patent.owner_org_id = to_org_id


def _check_unique(db: Session, data: PatentFields, self_id: int | None = None) -> None:
    for column, value, zh in ((Patent.application_number, data.application_number, "申请号"),
                              (Patent.publication_number, data.publication_number, "公开号")):
        if value is None:
            continue
        existing = db.scalar(select(Patent.id).where(column == value))
        if existing is not None and existing != self_id:
            raise Conflict(f"patent {value} is already registered (id {existing})", f"{zh} {value} 已登记",
                           field=column.key)


def create(db: Session, data: PatentCreate, owner_org_id: int, *, synthetic: bool = False) -> Patent:
    _check_unique(db, data)
    patent = Patent(**data.model_dump(exclude={"owner_org_id"}), owner_org_id=owner_org_id, synthetic=synthetic)
    db.add(patent)
    db.flush()
    return patent


def update(db: Session, patent: Patent, data: PatentUpdate) -> Patent:
    """Apply a partial update, re-validating the whole record with the create rules."""
    values = merged(patent, PatentFields, data)
    _check_unique(db, values, patent.id)
    assign(patent, values.model_dump())
    db.flush()
    return patent


def delete(db: Session, patent: Patent) -> None:
    in_offer = db.scalar(select(func.count()).select_from(offer_patent).where(offer_patent.c.patent_id == patent.id))
    if in_offer:
        raise Conflict("patent is part of an offer; withdraw or edit the offer first",
                       "该专利已列入供给信息，请先修改或撤回相关供给", code="in_use")
    db.delete(patent)
    db.flush()


def list_patents(db: Session, page: PageParams, owner_org_id: int | None = None, q: str | None = None,
                 legal_status: Iterable[LegalStatus] | None = None, kind: PatentKind | None = None):
    """A page of patents, newest registered first: of one holder, ``q`` in the title or (any part of) the
    application or publication number, in any of the ``legal_status`` given, of one ``kind``."""
    stmt = select(Patent)
    if owner_org_id:
        stmt = stmt.where(Patent.owner_org_id == owner_org_id)
    if q:
        number = q.upper().replace(" ", "")
        stmt = stmt.where(text_search((Patent.title, q), (Patent.application_number, number), (Patent.publication_number, number)))
    if legal_status:
        stmt = stmt.where(Patent.legal_status.in_(list(legal_status)))
    if kind:
        stmt = stmt.where(Patent.kind == kind)
    return paginate(db, stmt, page, Patent.id.desc())


def status_counts(db: Session, owner_org_id: int) -> dict[LegalStatus, int]:
    """How many patents ``owner_org_id`` holds in each legal status."""
    rows = db.execute(select(Patent.legal_status, func.count()).where(Patent.owner_org_id == owner_org_id)
                      .group_by(Patent.legal_status))
    return {LegalStatus(status): n for status, n in rows}


def lapse(db: Session, patent: Patent, status: LegalStatus = LegalStatus.LAPSED) -> Patent:
    """Mark ``patent`` as no longer in force (失效: unpaid fees by default). Published offers that include it
    stay as they are; the offer's owner sees the status on the offer and edits or withdraws it."""
    if status not in DEAD_STATUSES:
        raise FieldError(f"{status.value} is not a lapsed status", f"“{status.zh}”不是失效状态", field="legal_status")
    if patent.legal_status in DEAD_STATUSES:
        raise Conflict("the patent is already no longer in force", f"该专利已是“{patent.legal_status.zh}”状态",
                       code="already_lapsed")
    patent.legal_status = status
    db.flush()
    return patent
