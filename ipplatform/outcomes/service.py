"""Deals and conversions: registering, concluding, the draft deal of an agreed match. Work that also
changes other domains (recording a deal) is in ``outcomes.flows``."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ipplatform.common.errors import Conflict, FieldError, get_or_404
from ipplatform.common.patch import assign, merged
from ipplatform.common.schemas import PageParams, paginate
from ipplatform.database import utcnow
from ipplatform.matching.models import Match
from ipplatform.organisations.models import Organisation
from ipplatform.offers.models import Offer
from ipplatform.outcomes.enums import DealStatus, DealType, deal_type_for
from ipplatform.outcomes.models import Conversion, Deal, deal_patent
from ipplatform.outcomes.schemas import ConversionCreate, DealCreate, DealDetails, DealFields, DealRecord
from ipplatform.patents import service as patents_service
from ipplatform.patents.models import Patent
from ipplatform.common.timefmt import beijing_today


def get(db: Session, deal_id: int) -> Deal:
    return get_or_404(db, Deal, deal_id, "deal", "交易记录")


def for_match(db: Session, match_id: int) -> Deal | None:
    """The deal an agreed match led to, if any."""
    return db.scalar(select(Deal).where(Deal.match_id == match_id))


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
    offer_id = data.offer_id
    if data.match_id is not None:
        match = _check_match(db, data.match_id, from_org_id, data.to_org_id)
        offer_id = offer_id or match.offer_id
    patents = patents_service.load_owned(db, data.patent_ids, from_org_id, "出让/许可/出质方")
    if offer_id is not None:
        _check_offer(db, offer_id, from_org_id, patents)
    deal = Deal(**data.model_dump(exclude={"patent_ids", "from_org_id", "offer_id"}), from_org_id=from_org_id,
                offer_id=offer_id, patents=patents, created_by_id=user_id, synthetic=synthetic, status=DealStatus.DRAFT)
    db.add(deal)
    db.flush()
    return deal


def _check_offer(db: Session, offer_id: int, from_org_id: int, patents: list[Patent]) -> Offer:
    """A deal made on an offer is by the offer's rights holder, on patents of that offer."""
    offer = db.get(Offer, offer_id)
    if offer is None:
        raise FieldError(f"offer {offer_id} does not exist", f"供给信息 {offer_id} 不存在", field="offer_id")
    if offer.owner_org_id != from_org_id:
        raise FieldError("the deal's rights holder is not the offer's", "交易的权利人不是该供给信息的权利人",
                         field="offer_id")
    outside = [p.application_number for p in patents if p not in offer.patents]
    if outside:
        raise FieldError(f"patents {', '.join(outside)} are not part of the offer",
                         f"专利 {'、'.join(outside)} 不在该供给信息中", field="patent_ids")
    return offer


def _check_match(db: Session, match_id: int, from_org_id: int, to_org_id: int | None) -> Match:
    """A deal from a match is between the match's offer holder and its demanding organisation."""
    match = db.get(Match, match_id)
    if match is None:
        raise FieldError(f"match {match_id} does not exist", f"匹配 {match_id} 不存在", field="match_id")
    if match.offer.owner_org_id != from_org_id or (to_org_id is not None and match.demand.org_id != to_org_id):
        raise FieldError("the deal's parties are not the match's offer holder and demanding organisation",
                         "交易双方与该匹配的供给方、需求方不一致", field="match_id")
    if db.scalar(select(Deal.id).where(Deal.match_id == match_id)):
        raise Conflict("this match already has a deal", "该匹配已生成交易记录", field="match_id")
    return match


def complete(db: Session, deal: Deal, data: DealDetails) -> Deal:
    """Fill in a draft deal's details (set fields only); the result must be a consistent deal (the rules of
    ``DealFields``: a pledge's lender and loan, an equity valuation, the receiving side, the date order)."""
    if deal.status == DealStatus.RECORDED:
        raise Conflict("the deal is already recorded", "该交易已登记，不能再修改", code="recorded")
    details = DealDetails.model_validate(data.model_dump(exclude_unset=True, include=set(DealDetails.model_fields)))
    changes = details.model_dump(exclude_unset=True)
    patent_ids = changes.pop("patent_ids", None)
    if "to_org_id" in changes and deal.to_org_id is not None and changes["to_org_id"] != deal.to_org_id:
        raise FieldError("the receiving side of a draft deal cannot be changed", "交易草稿的受让方/被许可方不能更改",
                         field="to_org_id")
    if changes.get("to_org_id") == deal.from_org_id:
        raise FieldError("a deal needs two different organisations", "交易双方不能是同一机构", field="to_org_id")
    _org(db, changes.get("to_org_id"), "to_org_id")
    _org(db, changes.get("lender_org_id"), "lender_org_id")
    merged(deal, DealFields, details, patent_ids=[p.id for p in deal.patents])
    if patent_ids is not None:
        patents = patents_service.load_owned(db, patent_ids, deal.from_org_id, "出让/许可/出质方")
        if deal.offer_id is not None:
            _check_offer(db, deal.offer_id, deal.from_org_id, patents)
        deal.patents = patents
    assign(deal, changes)
    db.flush()
    return deal


def closes_offer_by_default(deal: Deal) -> bool:
    """Does recording ``deal`` close the offer it was made on, unless told otherwise? Yes when it was made
    on the offer itself (标记成交) and when nobody else can have the patents any more (a transfer, an
    exclusive licence); a non-exclusive licence from a match leaves the offer open to others."""
    if deal.offer_id is None:
        return False
    return deal.match_id is None or deal.type in (DealType.TRANSFER, DealType.EXCLUSIVE_LICENCE)


def conclude(db: Session, deal: Deal, data: DealRecord) -> Deal:
    """Mark the deal recorded (concluded), completing it with ``data``'s details. What that changes elsewhere
    (the match, the patents' holder, their offers, credit flags) is ``outcomes.flows.record_deal``'s work."""
    if deal.status == DealStatus.RECORDED:
        raise Conflict("the deal is already recorded", "该交易已登记", code="recorded")
    complete(db, deal, data)
    deal.status = DealStatus.RECORDED
    return deal


def list_deals(db: Session, scope: set[int] | None, page: PageParams, *, status: DealStatus | None = None,
               type_: DealType | None = None, side: str | None = None) -> tuple[list[Deal], int]:
    """A page of deals, newest first: those with a party in ``scope`` (None: every deal). ``side``: ``from``
    (the scope's organisations are the rights holder) or ``to`` (the receiving side or lender)."""
    stmt = select(Deal)
    if scope is not None:
        holder, receiver = Deal.from_org_id.in_(scope), or_(Deal.to_org_id.in_(scope), Deal.lender_org_id.in_(scope))
        stmt = stmt.where(holder if side == "from" else receiver if side == "to" else or_(holder, receiver))
    if status is not None:
        stmt = stmt.where(Deal.status == status)
    if type_ is not None:
        stmt = stmt.where(Deal.type == type_)
    return paginate(db, stmt, page, Deal.id.desc())


def draft_from_match(db: Session, match: Match, user_id: int | None) -> Deal | None:
    """The draft deal the parties of an agreed match then complete and record (None: it has one).
    Its type is the first transaction mode the offer and the demand share (else the offer's first)."""
    if db.scalar(select(Deal.id).where(Deal.match_id == match.id)):
        return None
    offer, demand = match.offer, match.demand
    common = [m for m in offer.modes if m in (demand.modes or [])] or list(offer.modes)
    deal_type = deal_type_for(common[0]) if common else DealType.TRANSFER
    deal = Deal(type=deal_type, status=DealStatus.DRAFT, from_org_id=offer.owner_org_id, offer_id=offer.id,
                to_org_id=demand.org_id, amount=offer.asking_price, match_id=match.id, patents=list(offer.patents),
                created_by_id=user_id, contract_date=beijing_today())
    db.add(deal)
    db.flush()
    return deal


def create_conversion(db: Session, data: ConversionCreate, org_id: int) -> Conversion:
    _org(db, org_id, "org_id")
    patents = list(db.scalars(select(Patent).where(Patent.id.in_(data.patent_ids))))
    missing = sorted(set(data.patent_ids) - {p.id for p in patents})
    if missing:
        raise FieldError(f"patents {patents_service.numbers(missing)} do not exist",
                         f"专利（编号 {patents_service.numbers(missing, '、')}）不存在", field="patent_ids")
    acquired = set(db.scalars(select(deal_patent.c.patent_id).join(Deal, Deal.id == deal_patent.c.deal_id).where(
        Deal.to_org_id == org_id, Deal.status == DealStatus.RECORDED, deal_patent.c.patent_id.in_(data.patent_ids))))
    foreign = [p.application_number for p in patents if p.owner_org_id != org_id and p.id not in acquired]
    if foreign:
        raise FieldError(f"patents {patents_service.numbers(foreign)} are neither held by the organisation nor acquired "
                         "or licensed by it through a recorded deal",
                         f"专利 {patents_service.numbers(foreign, '、')} 既不属于该实施单位，也未经已登记的交易转让或许可给它",
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


def patents_by_number(db: Session, numbers: list[str], holder_id: int) -> list[int]:
    """The ids of the holder's patents with these application (or publication) numbers, in that order; a field
    error names the numbers that are not the holder's patents."""
    wanted = [n.strip().upper() for n in numbers if n.strip()]
    found = {}
    for p in db.scalars(select(Patent).where(Patent.owner_org_id == holder_id, or_(
            Patent.application_number.in_(wanted), Patent.publication_number.in_(wanted)))):
        found[p.application_number] = found[p.publication_number or p.application_number] = p.id
    unknown = [n for n in wanted if n not in found]
    if unknown:
        raise FieldError(f"patents {', '.join(unknown)} are not held by the rights holder",
                         f"专利 {'、'.join(unknown)} 不是该权利人的专利", field="patent_ids")
    return list(dict.fromkeys(found[n] for n in wanted))


def organisations(db: Session, first: list[int] | None = None) -> list[Organisation]:
    """Organisations to choose a counterparty or lender from: ``first`` (e.g. those whose demands matched the
    offer) at the top, then every other by name."""
    orgs = list(db.scalars(select(Organisation).order_by(Organisation.name)))
    rank = {org_id: i for i, org_id in enumerate(first or [])}
    return sorted(orgs, key=lambda o: rank.get(o.id, len(rank)))
