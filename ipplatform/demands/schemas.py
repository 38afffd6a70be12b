from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import Field, computed_field, model_validator

from ipplatform import reference
from ipplatform.common.enums import ListingStatus, TransactionMode
from ipplatform.common.listing_schemas import ContactFields, ListingLabels, ModeList, OrgBrief
from ipplatform.common.schemas import InputSchema
from ipplatform.common.validators import Amount, CleanText, cross_field_error, FutureDate, Id, IndustryCode, IpcCode, RegionCode


class DemandFields(ContactFields, InputSchema):
    title: CleanText = Field(min_length=4, max_length=200)
    description: CleanText = Field(min_length=10, max_length=5000)
    industry_code: IndustryCode | None = None
    preferred_ipc: list[IpcCode] = Field(default_factory=list, max_length=20)
    budget_min: Amount | None = None
    budget_max: Amount | None = None
    modes: ModeList = Field(default_factory=list)
    region_code: RegionCode | None = None
    deadline: date | None = None

    @model_validator(mode="after")
    def _consistent(self):
        if self.budget_min is not None and self.budget_max is not None and self.budget_min > self.budget_max:
            raise cross_field_error("budget_max", "budget_order", "budget maximum is below the minimum",
                                    "预算上限低于下限")
        return self


class DemandCreate(DemandFields):
    org_id: Id | None = Field(None, description="defaults to the caller's organisation")
    deadline: FutureDate | None = None
    publish: bool = False


class DemandUpdate(ContactFields, InputSchema):
    title: CleanText | None = Field(None, min_length=4, max_length=200)
    description: CleanText | None = Field(None, min_length=10, max_length=5000)
    industry_code: IndustryCode | None = None
    preferred_ipc: list[IpcCode] | None = Field(None, max_length=20)
    budget_min: Amount | None = None
    budget_max: Amount | None = None
    modes: ModeList | None = None
    region_code: RegionCode | None = None
    deadline: FutureDate | None = None


class DemandRead(ListingLabels):
    id: int
    organisation: OrgBrief
    title: str
    description: str
    industry_code: str | None
    preferred_ipc: list[str]
    budget_min: Decimal | None
    budget_max: Decimal | None
    modes: list[TransactionMode]
    region_code: str | None
    deadline: date | None
    contact_name: str | None
    contact_phone: str | None
    contact_email: str | None
    status: ListingStatus
    published_at: datetime | None
    synthetic: bool
    created_at: datetime
    updated_at: datetime
    version: int


    @computed_field
    def industry_name(self) -> str | None:
        return reference.industry_name(self.industry_code)

    @computed_field
    def region_name(self) -> str | None:
        return reference.region_name(self.region_code)
