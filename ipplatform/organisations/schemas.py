from __future__ import annotations

from pydantic import Field, computed_field

from ipplatform import reference
from ipplatform.common.schemas import AppSchema, InputSchema
from ipplatform.common.validators import CleanText, CreditCode, Email, Id, IndustryCode, Phone, RegionCode
from ipplatform.organisations.enums import OrgKind


class OrganisationFields(InputSchema):
    name: CleanText = Field(min_length=2, max_length=200)
    county_code: RegionCode
    industry_code: IndustryCode | None = None
    address: CleanText | None = Field(None, max_length=300)
    contact_name: CleanText | None = Field(None, max_length=50)
    contact_phone: Phone | None = None
    contact_email: Email | None = None
    custodian_org_id: Id | None = None


class OrganisationCreate(OrganisationFields):
    kind: OrgKind
    credit_code: CreditCode


class OrganisationUpdate(InputSchema):
    name: CleanText | None = Field(None, min_length=2, max_length=200)
    county_code: RegionCode | None = None
    industry_code: IndustryCode | None = None
    address: CleanText | None = Field(None, max_length=300)
    contact_name: CleanText | None = Field(None, max_length=50)
    contact_phone: Phone | None = None
    contact_email: Email | None = None
    custodian_org_id: Id | None = None


CONTACT_FIELDS = ("address", "contact_name", "contact_phone", "contact_email")


class OrganisationRead(AppSchema):
    """An organisation. Name, kind, credit code (public in the national credit system), division,
    industry, custodian and verification are public; address and contacts are null except for the
    organisation's own members and office staff (``contacts_visible``; the router decides)."""

    id: int
    kind: OrgKind
    name: str
    credit_code: str
    county_code: str
    industry_code: str | None
    address: str | None
    contact_name: str | None
    contact_phone: str | None
    contact_email: str | None
    custodian_org_id: int | None
    verified: bool
    synthetic: bool
    contacts_visible: bool = True

    @computed_field
    def kind_zh(self) -> str:
        return self.kind.zh

    @computed_field
    def county_name(self) -> str | None:
        return reference.region_name(self.county_code)

    @computed_field
    def industry_name(self) -> str | None:
        return reference.industry_name(self.industry_code)
