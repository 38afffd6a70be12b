from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Column, Date, ForeignKey, Index, Integer, Numeric, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ipplatform.common.enums import ListingStatus
from ipplatform.database import Base, TimestampMixin, UTCDateTime, str_enum
from ipplatform.offers.enums import Maturity
from ipplatform.organisations.models import Organisation
from ipplatform.patents.models import Patent

offer_patent = Table(
    "offer_patent",
    Base.metadata,
    Column("offer_id", Integer, ForeignKey("offer.id", ondelete="CASCADE"), primary_key=True),
    Column("patent_id", Integer, ForeignKey("patent.id", ondelete="RESTRICT"), primary_key=True),
)


class Offer(TimestampMixin, Base):
    """A patent offer (供给): one or more patents and the transaction modes the owner accepts."""

    __tablename__ = "offer"
    __table_args__ = (Index("ix_offer_published", "published_at"),)
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    owner_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    publisher_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    modes: Mapped[list[str]] = mapped_column(JSON, default=list)
    asking_price: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    negotiable: Mapped[bool] = mapped_column(Boolean, default=True)
    open_licence_fee: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    open_licence_terms: Mapped[str | None] = mapped_column(Text)
    application_fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    maturity: Mapped[Maturity | None] = mapped_column(str_enum(Maturity))
    contact_name: Mapped[str | None] = mapped_column(String(50))
    contact_phone: Mapped[str | None] = mapped_column(String(30))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    status: Mapped[ListingStatus] = mapped_column(str_enum(ListingStatus), default=ListingStatus.DRAFT, index=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)

    owner: Mapped[Organisation] = relationship(foreign_keys=[owner_org_id], lazy="joined")
    publisher: Mapped[Organisation] = relationship(foreign_keys=[publisher_org_id], lazy="joined")
    patents: Mapped[list[Patent]] = relationship(secondary=offer_patent, lazy="selectin", order_by=Patent.id)

    __mapper_args__ = {"version_id_col": version}
