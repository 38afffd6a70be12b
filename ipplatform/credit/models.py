from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ipplatform.database import Base, TimestampMixin, UTCDateTime, utcnow


class DishonestEntity(TimestampMixin, Base):
    """An entry of the dishonest-entity list (失信主体名单), maintained by office staff."""

    __tablename__ = "dishonest_entity"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), index=True)
    name: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(200))
    listed_from: Mapped[date] = mapped_column(Date)
    listed_to: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)


class CreditFlag(Base):
    """A rule's finding on a deal, with the evidence a reviewer needs."""

    __tablename__ = "credit_flag"
    __table_args__ = (Index("ix_credit_flag_status_deal", "status", "deal_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deal.id", ondelete="CASCADE"), index=True)
    rule: Mapped[str] = mapped_column(String(40), index=True)
    evidence: Mapped[dict] = mapped_column(JSON, default=dict)
    message_zh: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(12), default="open")  # open / cleared / confirmed
    reviewed_by_id: Mapped[int | None] = mapped_column(Integer)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    review_note: Mapped[str | None] = mapped_column(Text)  # the reviewer's reasons, shown with the decision
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
