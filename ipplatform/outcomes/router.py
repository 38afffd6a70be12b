from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, UploadFile
from sqlalchemy import or_, select

from ipplatform.auth import policy
from ipplatform.auth.policy import Action
from ipplatform.dependencies import CurrentUser, DbSession, DealImporter
from ipplatform.organisations import service as org_service
from ipplatform.outcomes import flows, importer, service
from ipplatform.outcomes.models import Deal
from ipplatform.outcomes.schemas import ConversionCreate, ConversionRead, DealCreate, DealRead, DealRecord
from ipplatform.common.validators import Id

router = APIRouter(tags=["outcomes"])


@router.post("/deals", response_model=DealRead, status_code=201)
def create_deal(data: DealCreate, user: CurrentUser, db: DbSession):
    """Register a deal as a draft. Only the rights holder's side (the holder, its custodian agency) or
    office staff may: a counterparty cannot register the holder's patents as its own."""
    from_org = org_service.get(db, data.from_org_id or user.org_id)
    policy.require(user, Action.DEAL_WRITE, from_org)
    return service.create(db, data, from_org_id=from_org.id, user_id=user.id)


@router.get("/deals", response_model=list[DealRead])
def list_deals(user: CurrentUser, db: DbSession, limit: Annotated[int, Query(ge=1, le=500)] = 100):
    stmt = select(Deal).order_by(Deal.id.desc()).limit(limit)
    scope = policy.org_scope(db, user, Action.DEAL_READ)
    if scope is not None:
        stmt = stmt.where(or_(Deal.from_org_id.in_(scope), Deal.to_org_id.in_(scope), Deal.lender_org_id.in_(scope)))
    return db.scalars(stmt).unique().all()


@router.get("/deals/{deal_id}", response_model=DealRead)
def read_deal(deal_id: Id, user: CurrentUser, db: DbSession):
    deal = service.get(db, deal_id)
    policy.require(user, Action.DEAL_READ, *policy.deal_parties(deal))
    return deal


@router.post("/deals/{deal_id}/record", response_model=DealRead)
def record_deal(deal_id: Id, data: DealRecord, user: CurrentUser, db: DbSession):
    """Conclude the deal (a transfer moves ownership): the holder's side confirms, or office staff."""
    deal = service.get(db, deal_id)
    policy.require(user, Action.DEAL_WRITE, deal.from_org)
    return flows.record_deal(db, deal, data, user.id)


@router.post("/deals/import", summary="bulk import of deals from .xlsx (all rows or none)")
async def import_deals(file: UploadFile, user: DealImporter, db: DbSession):
    content = await file.read()
    result = importer.import_deals(db, content, file.filename or "", user.id)
    return {"imported": result.imported, "deal_ids": result.deal_ids}


@router.post("/conversions", response_model=ConversionRead, status_code=201)
def create_conversion(data: ConversionCreate, user: CurrentUser, db: DbSession):
    """Record that an organisation put patents into production: patents it holds, or acquired or
    licensed through a recorded deal."""
    org = org_service.get(db, data.org_id or user.org_id)
    policy.require(user, Action.CONVERSION_WRITE, org)
    return service.create_conversion(db, data, org.id)
