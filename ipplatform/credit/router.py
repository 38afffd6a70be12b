from __future__ import annotations

from datetime import date

from fastapi import APIRouter
from pydantic import Field
from sqlalchemy import select

from ipplatform.auth import policy
from ipplatform.common.errors import Forbidden, NotFound
from ipplatform.common.schemas import AppSchema, InputSchema
from ipplatform.common.validators import CreditCode
from ipplatform.credit.models import CreditFlag, DishonestEntity
from ipplatform.dependencies import CurrentUser, DbSession

router = APIRouter(prefix="/credit", tags=["credit"])


class DishonestIn(InputSchema):
    credit_code: CreditCode
    name: str = Field(min_length=2, max_length=200)
    source: str = Field(min_length=2, max_length=200)
    listed_from: date
    listed_to: date | None = None
    note: str | None = Field(None, max_length=2000)


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


def _staff(user) -> None:
    if not policy.reads_everything(user):
        raise Forbidden("Only office staff handle credit supervision", "仅工作人员可以处理信用监管事项")


@router.get("/dishonest", response_model=list[DishonestOut])
def list_dishonest(user: CurrentUser, db: DbSession):
    _staff(user)
    return db.scalars(select(DishonestEntity).order_by(DishonestEntity.id)).all()


@router.post("/dishonest", response_model=DishonestOut, status_code=201)
def add_dishonest(data: DishonestIn, user: CurrentUser, db: DbSession):
    _staff(user)
    entity = DishonestEntity(**data.model_dump())
    db.add(entity)
    db.flush()
    return entity


@router.get("/flags", response_model=list[FlagOut])
def list_flags(user: CurrentUser, db: DbSession, status: str = "open"):
    _staff(user)
    return db.scalars(select(CreditFlag).where(CreditFlag.status == status).order_by(CreditFlag.id.desc())).all()


@router.post("/flags/{flag_id}/review", response_model=FlagOut)
def review_flag(flag_id: int, data: Review, user: CurrentUser, db: DbSession):
    _staff(user)
    flag = db.get(CreditFlag, flag_id)
    if flag is None:
        raise NotFound("flag", "信用预警", flag_id)
    flag.status, flag.reviewed_by_id = data.status, user.id
    db.flush()
    return flag
