from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Boolean, Column, Date, ForeignKey, Index, Integer, Numeric, String, Table, case
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ipplatform.database import Base, TimestampMixin, str_enum
from ipplatform.offers.models import Offer
from ipplatform.organisations.models import Organisation
from ipplatform.outcomes.enums import DealStatus, DealType
from ipplatform.patents.models import Patent

deal_patent = Table(
    "deal_patent", Base.metadata,
    Column("deal_id", Integer, ForeignKey("deal.id", ondelete="CASCADE"), primary_key=True),
    Column("patent_id", Integer, ForeignKey("patent.id", ondelete="RESTRICT"), primary_key=True),
    Index("ix_deal_patent_patent", "patent_id"),
)
conversion_patent = Table(
    "conversion_patent", Base.metadata,
    Column("conversion_id", Integer, ForeignKey("conversion.id", ondelete="CASCADE"), primary_key=True),
    Column("patent_id", Integer, ForeignKey("patent.id", ondelete="RESTRICT"), primary_key=True),
)


class Deal(TimestampMixin, Base):
    """A transaction on patents: who to whom, what kind, how much, when, and whether CNIPA recorded it."""

    __tablename__ = "deal"
    __table_args__ = (Index("ix_deal_status_contract", "status", "contract_date"),)
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[DealType] = mapped_column(str_enum(DealType), index=True)
    status: Mapped[DealStatus] = mapped_column(str_enum(DealStatus), default=DealStatus.DRAFT, index=True)
    from_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    to_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    lender_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    loan_amount: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    valuation: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    contract_date: Mapped[date | None] = mapped_column(Date, index=True)
    recordal_number: Mapped[str | None] = mapped_column(String(40))
    recordal_date: Mapped[date | None] = mapped_column(Date)
    match_id: Mapped[int | None] = mapped_column(ForeignKey("match.id", ondelete="SET NULL"), unique=True)
    # The offer it was made on (标记成交, or the agreed match's offer): recording the deal may close it.
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("offer.id", ondelete="SET NULL"), index=True)
    event_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the matchmaking event it came from
    meeting_id: Mapped[int | None] = mapped_column(Integer, index=True)  # and that event's meeting
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    # A past transaction read from a patent-database export's transfer/licence/pledge counts (bulk import):
    # counted in the statistics like any recorded deal, its counterparty unknown.
    imported_history: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")

    from_org: Mapped[Organisation] = relationship(foreign_keys=[from_org_id], lazy="joined")
    to_org: Mapped[Organisation | None] = relationship(foreign_keys=[to_org_id], lazy="joined")
    lender: Mapped[Organisation | None] = relationship(foreign_keys=[lender_org_id], lazy="joined")
    patents: Mapped[list[Patent]] = relationship(secondary=deal_patent, lazy="selectin", order_by=Patent.id)
    offer: Mapped[Offer | None] = relationship(foreign_keys=[offer_id])

    @hybrid_property
    def counted_amount(self) -> Decimal | None:
        """The amount the statistics count for this deal (indicator deals_amount): a pledge its loan, an
        equity contribution its valuation, any other deal its contract amount, whatever else is filled in.
        The same rule as a SQL expression on ``Deal`` (the statistics facts store it)."""
        if self.type == DealType.PLEDGE:
            return self.loan_amount
        if self.type == DealType.EQUITY:
            return self.valuation
        return self.amount

    @counted_amount.inplace.expression
    @classmethod
    def _counted_amount_sql(cls):
        return case((cls.type == DealType.PLEDGE, cls.loan_amount), (cls.type == DealType.EQUITY, cls.valuation),
                    else_=cls.amount)


class Conversion(TimestampMixin, Base):
    """Industrialisation (产业化): patents put into a product or production line."""

    __tablename__ = "conversion"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    product: Mapped[str] = mapped_column(String(200))
    production_line: Mapped[str | None] = mapped_column(String(200))
    start_date: Mapped[date] = mapped_column(Date, index=True)
    annual_revenue: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deal.id", ondelete="SET NULL"))
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    patents: Mapped[list[Patent]] = relationship(secondary=conversion_patent, lazy="selectin", order_by=Patent.id)
