from __future__ import annotations

from fastapi import APIRouter, UploadFile
from sqlalchemy import or_, select

from ipplatform.auth import policy
from ipplatform.common.errors import Forbidden
from ipplatform.dependencies import CurrentUser, DbSession, StaffUser
from ipplatform.organisations import service as org_service
from ipplatform.outcomes import importer, service
from ipplatform.outcomes.models import Deal
from ipplatform.outcomes.schemas import ConversionCreate, ConversionRead, DealCreate, DealRead, DealRecord

router = APIRouter(tags=["outcomes"])


def _party(user, deal: Deal) -> bool:
    return policy.reads_everything(user) or any(
        org is not None and policy.acts_for(user, org) for org in (deal.from_org, deal.to_org))


@router.post("/deals", response_model=DealRead, status_code=201)
def create_deal(data: DealCreate, user: CurrentUser, db: DbSession):
    from_org = org_service.get(db, data.from_org_id or user.org_id)
    to_org = org_service.get(db, data.to_org_id) if data.to_org_id else None
    if not (policy.reads_everything(user) or policy.acts_for(user, from_org) or (to_org and policy.acts_for(user, to_org))):
        raise Forbidden("Only a party to the deal or office staff may record it", "仅交易一方或工作人员可以登记交易")
    return service.create(db, data, from_org_id=from_org.id, user_id=user.id)


@router.get("/deals", response_model=list[DealRead])
def list_deals(user: CurrentUser, db: DbSession, limit: int = 100):
    stmt = select(Deal).order_by(Deal.id.desc()).limit(min(limit, 500))
    if not policy.reads_everything(user):
        stmt = stmt.where(or_(Deal.from_org_id == user.org_id, Deal.to_org_id == user.org_id))
    return db.scalars(stmt).unique().all()


@router.get("/deals/{deal_id}", response_model=DealRead)
def read_deal(deal_id: int, user: CurrentUser, db: DbSession):
    deal = service.get(db, deal_id)
    if not _party(user, deal):
        raise Forbidden("Not your deal", "无权查看该交易")
    return deal


@router.post("/deals/{deal_id}/record", response_model=DealRead)
def record_deal(deal_id: int, data: DealRecord, user: CurrentUser, db: DbSession):
    deal = service.get(db, deal_id)
    if not _party(user, deal):
        raise Forbidden("Only a party to the deal or office staff may record it", "仅交易一方或工作人员可以登记交易")
    return service.record(db, deal, data, user.id)


@router.post("/deals/import", summary="bulk import of deals from .xlsx (all rows or none)")
async def import_deals(file: UploadFile, user: StaffUser, db: DbSession):
    content = await file.read()
    result = importer.import_deals(db, content, file.filename or "", user.id)
    return {"imported": result.imported, "deal_ids": result.deal_ids}


@router.post("/conversions", response_model=ConversionRead, status_code=201)
def create_conversion(data: ConversionCreate, user: CurrentUser, db: DbSession):
    org = org_service.get(db, data.org_id or user.org_id)
    if not (policy.reads_everything(user) or policy.acts_for(user, org)):
        raise Forbidden("Only the implementing organisation or staff may record a conversion", "仅实施单位或工作人员可以登记产业化")
    return service.create_conversion(db, data, org.id)
