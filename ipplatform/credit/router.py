from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import Field

from ipplatform.common.schemas import AppSchema, InputSchema, Page, PageParams
from ipplatform.common.validators import CleanText, CreditCode, Id
from ipplatform.credit import service
from ipplatform.dependencies import DbSession, CreditOfficer

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


class Expiry(InputSchema):
    listed_to: date | None = Field(None, description="the listing's last day (default: today)")


class FlagOut(AppSchema):
    id: int
    deal_id: int
    rule: str
    message_zh: str
    evidence: dict
    status: str
    reviewed_by_id: int | None = None
    reviewed_at: datetime | None = None
    review_note: str | None = None


class Review(InputSchema):
    status: str = Field(pattern="^(cleared|confirmed)$", description="confirmed: the finding stands; cleared: "
                        "dismissed (needs a note)")
    note: CleanText | None = Field(None, max_length=2000)


@router.get("/dishonest", response_model=list[DishonestOut])
def list_dishonest(_: CreditOfficer, db: DbSession, page: Annotated[PageParams, Depends()],
                   q: Annotated[CleanText | None, Query(max_length=100)] = None,
                   state: Literal["active", "expired", "pending"] | None = None):
    return service.list_entries(db, page, q, state)[0]


@router.post("/dishonest", response_model=DishonestOut, status_code=201)
def add_dishonest(data: DishonestIn, _: CreditOfficer, db: DbSession):
    return service.add_entry(db, data)


@router.post("/dishonest/{entry_id}/expire", response_model=DishonestOut)
def expire_dishonest(entry_id: Id, data: Expiry, _: CreditOfficer, db: DbSession):
    return service.expire_entry(db, service.get_entry(db, entry_id), data.listed_to)


@router.delete("/dishonest/{entry_id}", status_code=204)
def remove_dishonest(entry_id: Id, _: CreditOfficer, db: DbSession):
    service.remove_entry(db, service.get_entry(db, entry_id))
    return Response(status_code=204)


@router.get("/flags", response_model=list[FlagOut])
def list_flags(_: CreditOfficer, db: DbSession, page: Annotated[PageParams, Depends()],
               status: Literal["open", "cleared", "confirmed"] = "open"):
    return service.list_flags(db, page, status)[0]


@router.post("/flags/{flag_id}/review", response_model=FlagOut)
def review_flag(flag_id: Id, data: Review, user: CreditOfficer, db: DbSession):
    return service.review(db, service.get_flag(db, flag_id), data.status, user, data.note)
