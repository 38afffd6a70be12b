from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import Field, model_validator

from ipplatform.common.listing_schemas import OrgBrief
from ipplatform.common.schemas import AppSchema, InputSchema
from ipplatform.common.validators import Amount, CleanText, cross_field_error, Id, PatentDate
from ipplatform.offers.schemas import PatentBrief
from ipplatform.outcomes.enums import TRANSFER_OR_LICENCE, DealStatus, DealType


class DealFields(InputSchema):
    type: DealType
    patent_ids: list[Id] = Field(min_length=1, max_length=500)
    to_org_id: Id | None = None
    lender_org_id: Id | None = None
    amount: Amount | None = None
    loan_amount: Amount | None = None
    valuation: Amount | None = None
    contract_date: PatentDate | None = None
    recordal_number: CleanText | None = Field(None, max_length=40)
    recordal_date: PatentDate | None = None

    @model_validator(mode="after")
    def _consistent(self):
        if self.type == DealType.PLEDGE and (self.lender_org_id is None or self.loan_amount is None):
            raise cross_field_error("lender_org_id", "pledge_fields", "a pledge needs the lender and the loan amount",
                                    "质押融资须填写质权人（贷款机构）和贷款金额")
        if self.type == DealType.EQUITY and self.valuation is None:
            raise cross_field_error("valuation", "equity_valuation", "an equity contribution needs its valuation",
                                    "作价入股须填写作价金额")
        if self.type in TRANSFER_OR_LICENCE | {DealType.EQUITY} and self.to_org_id is None:
            raise cross_field_error("to_org_id", "counterparty", "this kind of deal needs the receiving organisation",
                                    "该类交易须填写受让方/被许可方")
        if self.contract_date and self.recordal_date and self.recordal_date < self.contract_date:
            raise cross_field_error("recordal_date", "date_order", "recordal is before the contract",
                                    "备案/登记日期早于合同日期")
        if len(set(self.patent_ids)) != len(self.patent_ids):
            raise cross_field_error("patent_ids", "duplicate_patent", "a patent is listed twice", "专利重复")
        return self


class DealCreate(DealFields):
    from_org_id: Id | None = Field(None, description="the rights holder; defaults to the caller's organisation")
    match_id: Id | None = None
    offer_id: Id | None = Field(None, description="the offer the deal was made on (its patents must be in it)")


class DealDetails(InputSchema):
    """What a draft deal may still be completed with before (or when) it is recorded; unset fields are kept.
    The parties are fixed once the draft exists (the receiving side may be filled in if it is missing)."""

    type: DealType | None = None
    patent_ids: list[Id] | None = Field(None, min_length=1, max_length=500)
    to_org_id: Id | None = None
    lender_org_id: Id | None = None
    amount: Amount | None = None
    loan_amount: Amount | None = None
    valuation: Amount | None = None
    contract_date: PatentDate | None = None
    recordal_number: CleanText | None = Field(None, max_length=40)
    recordal_date: PatentDate | None = None


class DealRecord(DealDetails):
    close_offer: bool | None = Field(None, description="close the offer the deal was made on (default: yes for "
                                     "a deal made on an offer by 标记成交, a transfer or an exclusive licence)")


class DealRead(AppSchema):
    id: int
    type: DealType
    status: DealStatus
    from_org: OrgBrief
    to_org: OrgBrief | None
    lender: OrgBrief | None
    patents: list[PatentBrief]
    amount: Decimal | None
    loan_amount: Decimal | None
    valuation: Decimal | None
    contract_date: date | None
    recordal_number: str | None
    recordal_date: date | None
    match_id: int | None
    offer_id: int | None
    synthetic: bool
    created_at: datetime


class ConversionCreate(InputSchema):
    org_id: Id | None = None
    patent_ids: list[Id] = Field(min_length=1, max_length=200)
    product: CleanText = Field(min_length=2, max_length=200)
    production_line: CleanText | None = Field(None, max_length=200)
    start_date: PatentDate
    annual_revenue: Amount | None = None
    deal_id: Id | None = None


class ConversionRead(AppSchema):
    id: int
    org_id: int
    product: str
    production_line: str | None
    start_date: date
    annual_revenue: Decimal | None
    deal_id: int | None
    patents: list[PatentBrief]
