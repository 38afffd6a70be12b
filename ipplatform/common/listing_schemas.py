"""Pieces of the offer and demand schemas that both share."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, computed_field

from ipplatform.common.enums import ListingStatus, TransactionMode
from ipplatform.common.schemas import AppSchema
from ipplatform.common.validators import CleanText, Email, InvalidValue, Phone


def unique_modes(modes: list[TransactionMode]) -> list[TransactionMode]:
    if len(set(modes)) != len(modes):
        raise InvalidValue("duplicate_mode", "a transaction mode is listed twice", "交易方式重复").as_pydantic()
    return modes


class ContactFields(AppSchema):
    contact_name: CleanText | None = Field(None, max_length=50)
    contact_phone: Phone | None = None
    contact_email: Email | None = None


class OrgBrief(AppSchema):
    id: int
    name: str
    kind: str
    county_code: str
    verified: bool


def modes_zh(modes: list[str]) -> list[str]:
    return [TransactionMode(m).zh for m in modes]


ModeList = Annotated[list[TransactionMode], AfterValidator(unique_modes)]


class ListingLabels(AppSchema):
    """Chinese labels shared by the offer and demand read schemas."""

    modes: list[TransactionMode]
    status: ListingStatus

    @computed_field
    def modes_zh(self) -> list[str]:
        return modes_zh(self.modes)

    @computed_field
    def status_zh(self) -> str:
        return self.status.zh
