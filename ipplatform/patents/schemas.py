from __future__ import annotations

from datetime import date

from pydantic import Field, computed_field, model_validator

from ipplatform.common.schemas import AppSchema, InputSchema
from ipplatform.common.validators import application_type, ApplicationNumber, CleanText, cross_field_error, Id, IpcCode, PatentDate, PublicationNumber
from ipplatform.patents.enums import KIND_FAMILY, LegalStatus, PatentKind


class PatentFields(InputSchema):
    application_number: ApplicationNumber
    publication_number: PublicationNumber | None = None
    kind: PatentKind
    title: CleanText = Field(min_length=2, max_length=300)
    abstract: CleanText | None = Field(None, max_length=5000)
    claims: CleanText | None = Field(None, max_length=50000)
    ipc_main: IpcCode | None = None
    ipc_codes: list[IpcCode] = Field(default_factory=list, max_length=100)
    applicants: list[CleanText] = Field(default_factory=list, max_length=50)
    inventors: list[CleanText] = Field(default_factory=list, max_length=100)
    application_date: PatentDate | None = None
    publication_date: PatentDate | None = None
    grant_date: PatentDate | None = None
    legal_status: LegalStatus = LegalStatus.PENDING

    @model_validator(mode="after")
    def _consistent(self):
        check_patent_rules(self.application_number, self.kind, self.application_date,
                             self.publication_date, self.grant_date)
        if self.ipc_main and self.ipc_main not in self.ipc_codes:
            self.ipc_codes = [self.ipc_main, *self.ipc_codes]
        if not self.ipc_main and self.ipc_codes:
            self.ipc_main = self.ipc_codes[0]
        self.ipc_codes = list(dict.fromkeys(self.ipc_codes))
        return self


def check_patent_rules(app_no: str, kind: PatentKind, app_date: date | None, pub_date: date | None,
                         grant_date: date | None) -> None:
    """Cross-field rules, reported as 422 errors naming the offending field."""
    if application_type(app_no) != KIND_FAMILY[kind]:
        raise cross_field_error("kind", "patent_kind_mismatch",
                                f"application number {app_no} is not a {KIND_FAMILY[kind]} number",
                                f"申请号 {app_no} 与专利类型“{kind.zh}”不符")
    if app_date and pub_date and pub_date < app_date:
        raise cross_field_error("publication_date", "date_order", "publication date is before the application date",
                                "公开日早于申请日")
    if app_date and grant_date and grant_date < app_date:
        raise cross_field_error("grant_date", "date_order", "grant date is before the application date",
                                "授权日早于申请日")
    if grant_date and kind == PatentKind.INVENTION_APPLICATION:
        raise cross_field_error("grant_date", "grant_date_not_allowed", "an invention application has no grant date",
                                "发明申请不应有授权日")


class PatentCreate(PatentFields):
    owner_org_id: Id | None = Field(None, description="defaults to the caller's organisation")


class PatentUpdate(InputSchema):
    publication_number: PublicationNumber | None = None
    kind: PatentKind | None = None
    title: CleanText | None = Field(None, min_length=2, max_length=300)
    abstract: CleanText | None = Field(None, max_length=5000)
    claims: CleanText | None = Field(None, max_length=50000)
    ipc_main: IpcCode | None = None
    ipc_codes: list[IpcCode] | None = Field(None, max_length=100)
    applicants: list[CleanText] | None = None
    inventors: list[CleanText] | None = None
    application_date: PatentDate | None = None
    publication_date: PatentDate | None = None
    grant_date: PatentDate | None = None
    legal_status: LegalStatus | None = None


class PatentRead(AppSchema):
    id: int
    application_number: str
    publication_number: str | None
    kind: PatentKind
    title: str
    abstract: str | None
    ipc_main: str | None
    ipc_codes: list[str]
    applicants: list[str]
    inventors: list[str]
    application_date: date | None
    publication_date: date | None
    grant_date: date | None
    legal_status: LegalStatus
    owner_org_id: int
    synthetic: bool

    @computed_field
    def kind_zh(self) -> str:
        return self.kind.zh

    @computed_field
    def legal_status_zh(self) -> str:
        return self.legal_status.zh
