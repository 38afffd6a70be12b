"""Deals and conversions: registering, concluding, the draft deal of an agreed match. Work that also
changes other domains (recording a deal) is in ``outcomes.flows``."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ipplatform.common.errors import Conflict, FieldError, get_or_404
from ipplatform.common.patch import assign
from ipplatform.database import utcnow
from ipplatform.matching.models import Match
from ipplatform.organisations.models import Organisation
from ipplatform.outcomes.enums import DealStatus, DealType, deal_type_for
from ipplatform.outcomes.models import Conversion, Deal, deal_patent
from ipplatform.outcomes.schemas import ConversionCreate, DealCreate, DealRecord
from ipplatform.patents import service as patents_service
from ipplatform.patents.models import Patent


def get(db: Session, deal_id: int) -> Deal:
    return get_or_404(db, Deal, deal_id, "deal", "交易记录")


def _org(db: Session, org_id: int | None, field: str) -> Organisation | None:
    if org_id is None:
        return None
    org = db.get(Organisation, org_id)
    if org is None:
        raise FieldError(f"organisation {org_id} does not exist", f"机构 {org_id} 不存在", field=field)
    return org


def create(db: Session, data: DealCreate, *, from_org_id: int, user_id: int | None, synthetic: bool = False) -> Deal:
    _org(db, from_org_id, "from_org_id")
    _org(db, data.to_org_id, "to_org_id")
    _org(db, data.lender_org_id, "lender_org_id")
    if data.to_org_id == from_org_id:
        raise FieldError("a deal needs two different organisations", "交易双方不能是同一机构", field="to_org_id")
    if data.match_id is not None:
        _check_match(db, data.match_id, from_org_id, data.to_org_id)
    deal = Deal(**data.model_dump(exclude={"patent_ids", "from_org_id"}), from_org_id=from_org_id,
                patents=patents_service.load_owned(db, data.patent_ids, from_org_id, "出让/许可/出质方"), created_by_id=user_id, synthetic=synthetic,
                status=DealStatus.DRAFT)
    db.add(deal)
    db.flush()
    return deal


def _check_match(db: Session, match_id: int, from_org_id: int, to_org_id: int | None) -> None:
    """A deal from a match is between the match's offer holder and its demanding organisation."""
    match = db.get(Match, match_id)
    if match is None:
        raise FieldError(f"match {match_id} does not exist", f"匹配 {match_id} 不存在", field="match_id")
    if match.offer.owner_org_id != from_org_id or (to_org_id is not None and match.demand.org_id != to_org_id):
        raise FieldError("the deal's parties are not the match's offer holder and demanding organisation",
                         "交易双方与该匹配的供给方、需求方不一致", field="match_id")
    if db.scalar(select(Deal.id).where(Deal.match_id == match_id)):
        raise Conflict("this match already has a deal", "该匹配已生成交易记录", field="match_id")


def conclude(db: Session, deal: Deal, data: DealRecord) -> Deal:
    """Mark the deal recorded (concluded) with its recordal details. What that changes elsewhere (the
    match, the patents' holder, their offers, credit flags) is ``outcomes.flows.record_deal``'s work."""
    if deal.status == DealStatus.RECORDED:
        raise Conflict("the deal is already recorded", "该交易已登记", code="recorded")
    assign(deal, data.model_dump(exclude_unset=True))
    if deal.recordal_date and deal.contract_date and deal.recordal_date < deal.contract_date:
        raise FieldError("recordal is before the contract", "备案/登记日期早于合同日期", field="recordal_date")
    deal.status = DealStatus.RECORDED
    return deal


def draft_from_match(db: Session, match: Match, user_id: int | None) -> Deal | None:
    """The draft deal the parties of an agreed match then complete and record (None: it has one).
    Its type is the first transaction mode the offer and the demand share (else the offer's first)."""
    if db.scalar(select(Deal.id).where(Deal.match_id == match.id)):
        return None
    offer, demand = match.offer, match.demand
    common = [m for m in offer.modes if m in (demand.modes or [])] or list(offer.modes)
    deal_type = deal_type_for(common[0]) if common else DealType.TRANSFER
    deal = Deal(type=deal_type, status=DealStatus.DRAFT, from_org_id=offer.owner_org_id,
                to_org_id=demand.org_id, amount=offer.asking_price, match_id=match.id, patents=list(offer.patents),
                created_by_id=user_id, contract_date=utcnow().date())
    db.add(deal)
    db.flush()
    return deal


def create_conversion(db: Session, data: ConversionCreate, org_id: int) -> Conversion:
    _org(db, org_id, "org_id")
    patents = list(db.scalars(select(Patent).where(Patent.id.in_(data.patent_ids))))
    missing = sorted(set(data.patent_ids) - {p.id for p in patents})
    if missing:
        raise FieldError(f"patents {missing} do not exist", f"专利 {missing} 不存在", field="patent_ids")
    acquired = set(db.scalars(select(deal_patent.c.patent_id).join(Deal, Deal.id == deal_patent.c.deal_id).where(
        Deal.to_org_id == org_id, Deal.status == DealStatus.RECORDED, deal_patent.c.patent_id.in_(data.patent_ids))))
    foreign = [p.application_number for p in patents if p.owner_org_id != org_id and p.id not in acquired]
    if foreign:
        raise FieldError(f"patents {foreign} are neither held by the organisation nor acquired or licensed by it "
                         "through a recorded deal", f"专利 {foreign} 既不属于该实施单位，也未经已登记的交易转让或许可给它",
                         field="patent_ids")
    if data.deal_id is not None:
        deal = db.get(Deal, data.deal_id)
        if deal is None or org_id not in (deal.from_org_id, deal.to_org_id):
            raise FieldError(f"deal {data.deal_id} is not a deal of this organisation", f"交易 {data.deal_id} 不是该实施单位的交易",
                             field="deal_id")
    conversion = Conversion(**data.model_dump(exclude={"patent_ids", "org_id"}), org_id=org_id, patents=patents)
    db.add(conversion)
    db.flush()
    return conversion
