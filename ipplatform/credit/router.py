from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import APIRouter
from pydantic import Field
from sqlalchemy import select

from ipplatform.common.errors import get_or_404
from ipplatform.common.schemas import AppSchema, InputSchema
from ipplatform.common.validators import CleanText, CreditCode, Id
from ipplatform.credit.models import CreditFlag, DishonestEntity
from ipplatform.dependencies import DbSession, StaffUser

router = APIRouter(prefix="/credit", tags=["credit"])


class DishonestIn(InputSchema):
    credit_code: CreditCode
    name: CleanText = Field(min_length=2, max_length=200)
    source: CleanText = Field(min_length=2, max_length=200)
    listed_from: date
    listed_to: date | None = None
    note: CleanText | None = Field(None, max_length=2000)


class DishonestOut(DishonestIn):
    id: int


class FlagOut(AppSchema):
    id: int
    deal_id: int
    rule: str
    message_zh: str
    evidence: dict
    status: str


class Review(InputSchema):
    status: str = Field(pattern="^(cleared|confirmed)$")


@router.get("/dishonest", response_model=list[DishonestOut])
def list_dishonest(_: StaffUser, db: DbSession):
    return db.scalars(select(DishonestEntity).order_by(DishonestEntity.id)).all()


@router.post("/dishonest", response_model=DishonestOut, status_code=201)
def add_dishonest(data: DishonestIn, _: StaffUser, db: DbSession):
    entity = DishonestEntity(**data.model_dump())
    db.add(entity)
    db.flush()
    return entity


@router.get("/flags", response_model=list[FlagOut])
def list_flags(_: StaffUser, db: DbSession, status: Literal["open", "cleared", "confirmed"] = "open"):
    return db.scalars(select(CreditFlag).where(CreditFlag.status == status).order_by(CreditFlag.id.desc())).all()


@router.post("/flags/{flag_id}/review", response_model=FlagOut)
def review_flag(flag_id: Id, data: Review, user: StaffUser, db: DbSession):
    flag = get_or_404(db, CreditFlag, flag_id, "flag", "信用预警")
    flag.status, flag.reviewed_by_id = data.status, user.id
    db.flush()
    return flag
