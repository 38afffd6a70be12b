from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ipplatform.database import Base, TimestampMixin, str_enum
from ipplatform.organisations.models import Organisation
from ipplatform.patents.enums import LegalStatus, PatentKind


class Patent(TimestampMixin, Base):
    __tablename__ = "patent"
    # An organisation's patents by legal status: its patent page's filter and the offer form's picker.
    __table_args__ = (Index("ix_patent_owner_status", "owner_org_id", "legal_status"),)
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    application_number: Mapped[str] = mapped_column(String(20), unique=True)
    publication_number: Mapped[str | None] = mapped_column(String(20), unique=True)
    kind: Mapped[PatentKind] = mapped_column(str_enum(PatentKind))
    title: Mapped[str] = mapped_column(String(300))
    abstract: Mapped[str | None] = mapped_column(Text)
    claims: Mapped[str | None] = mapped_column(Text)
    ipc_main: Mapped[str | None] = mapped_column(String(20), index=True)
    ipc_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    applicants: Mapped[list[str]] = mapped_column(JSON, default=list)
    inventors: Mapped[list[str]] = mapped_column(JSON, default=list)
    application_date: Mapped[date | None] = mapped_column(Date)
    publication_date: Mapped[date | None] = mapped_column(Date)
    grant_date: Mapped[date | None] = mapped_column(Date)
    legal_status: Mapped[LegalStatus] = mapped_column(str_enum(LegalStatus), default=LegalStatus.PENDING)
    owner_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)

    owner: Mapped[Organisation] = relationship(lazy="joined")
