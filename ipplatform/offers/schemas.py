from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import Field, model_validator

from ipplatform.common.enums import ListingStatus, TransactionMode
from ipplatform.common.listing_schemas import ContactFields, ListingLabels, ModeList, OrgBrief
from ipplatform.common.schemas import AppSchema, InputSchema
from ipplatform.common.validators import Amount, CleanText, cross_field_error, FutureDate, Id
from ipplatform.offers.enums import Maturity
from ipplatform.patents.enums import LegalStatus, PatentKind


class OfferFields(ContactFields, InputSchema):
    title: CleanText = Field(min_length=2, max_length=200)
    description: CleanText | None = Field(None, max_length=5000)
    patent_ids: list[Id] = Field(min_length=1, max_length=50)
    modes: ModeList = Field(min_length=1)
    asking_price: Amount | None = None
    negotiable: bool = True
    open_licence_fee: Amount | None = None
    open_licence_terms: CleanText | None = Field(None, max_length=2000)
    application_fields: list[CleanText] = Field(default_factory=list, max_length=10)
    maturity: Maturity | None = None
    expires_on: date | None = None

    @model_validator(mode="after")
    def _consistent(self):
        if TransactionMode.OPEN_LICENCE in self.modes and self.open_licence_fee is None:
            raise cross_field_error("open_licence_fee", "open_licence_fee_required",
                                    "an open licence must publish its licence fee", "开放许可须公布许可使用费")
        if TransactionMode.OPEN_LICENCE in self.modes and (
                {TransactionMode.EXCLUSIVE_LICENCE, TransactionMode.SOLE_LICENCE} & set(self.modes)):
            raise cross_field_error("modes", "open_licence_exclusive",
                                    "an open-licensed patent cannot also be offered for exclusive or sole licence",
                                    "开放许可的专利不能同时提供独占或排他许可（专利法第五十一条）")
        if not self.negotiable and self.asking_price is None:
            raise cross_field_error("asking_price", "asking_price_required",
                                    "give an asking price or mark the price negotiable", "请填写报价或选择“面议”")
        if len(set(self.patent_ids)) != len(self.patent_ids):
            raise cross_field_error("patent_ids", "duplicate_patent", "a patent is listed twice", "专利重复")
        return self


class OfferCreate(OfferFields):
    owner_org_id: Id | None = Field(None, description="defaults to the caller's organisation; a custodian "
                                     "agency sets the owner it acts for")
    expires_on: FutureDate | None = None
    publish: bool = Field(False, description="publish immediately instead of saving a draft")


class OfferUpdate(ContactFields, InputSchema):
    title: CleanText | None = Field(None, min_length=2, max_length=200)
    description: CleanText | None = Field(None, max_length=5000)
    patent_ids: list[Id] | None = Field(None, min_length=1, max_length=50)
    modes: ModeList | None = Field(None, min_length=1)
    asking_price: Amount | None = None
    negotiable: bool | None = None
    open_licence_fee: Amount | None = None
    open_licence_terms: CleanText | None = Field(None, max_length=2000)
    application_fields: list[CleanText] | None = Field(None, max_length=10)
    maturity: Maturity | None = None
    expires_on: FutureDate | None = None


class PatentBrief(AppSchema):
    id: int
    application_number: str
    publication_number: str | None
    title: str
    kind: PatentKind
    legal_status: LegalStatus
    ipc_main: str | None


class OfferRead(ListingLabels):
    id: int
    title: str
    description: str | None
    owner: OrgBrief
    publisher: OrgBrief
    patents: list[PatentBrief]
    modes: list[TransactionMode]
    asking_price: Decimal | None
    negotiable: bool
    open_licence_fee: Decimal | None
    open_licence_terms: str | None
    application_fields: list[str]
    maturity: Maturity | None
    contact_name: str | None
    contact_phone: str | None
    contact_email: str | None
    status: ListingStatus
    published_at: datetime | None
    expires_on: date | None
    synthetic: bool
    created_at: datetime
    updated_at: datetime
    version: int

