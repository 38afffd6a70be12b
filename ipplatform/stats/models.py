"""Statistics fact tables: recorded deals, their patents, listed patents and converted patents, each row
carrying the subject organisation's dimensions so an indicator reads one narrow table.

They are derived data: ``ipplatform.stats.facts`` rewrites the rows of whatever a flush touched (in the
same transaction) and can rebuild them all from the source tables. No foreign keys: a deleted deal's
rows must outlive the delete until the hook has read which days and patents they were on. Each row names the deal or patent it
came from, so every number stays traceable to its records.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Boolean, Date, Index, Integer, Numeric, String, text
from sqlalchemy.orm import Mapped, mapped_column

from ipplatform.database import Base


class _SubjectOrg:
    """The subject organisation's dimensions (rights holder, pledgor, licensor)."""

    county_code: Mapped[str | None] = mapped_column(String(12))
    industry_div: Mapped[str | None] = mapped_column(String(2))  # GB/T 4754 division (two digits)
    org_kind: Mapped[str] = mapped_column(String(30))


class DealFact(_SubjectOrg, Base):
    """One row per recorded deal."""

    __tablename__ = "stat_deal"
    __table_args__ = (Index("ix_stat_deal_type_day", "type", "day"),)

    deal_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date | None] = mapped_column(Date, index=True)  # contract date
    type: Mapped[str] = mapped_column(String(30))
    from_org_id: Mapped[int] = mapped_column(Integer)
    ipc_section: Mapped[str | None] = mapped_column(String(1))  # of the deal's first patent's main IPC
    value: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))  # Deal.counted_amount
    loan: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    flagged: Mapped[bool] = mapped_column(Boolean)  # has an open credit flag


class DealDay(_SubjectOrg, Base):
    """Recorded deals summed per contract day × type × subject-organisation dimensions × flagged."""

    __tablename__ = "stat_deal_day"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date | None] = mapped_column(Date, index=True)
    type: Mapped[str] = mapped_column(String(30))
    flagged: Mapped[bool] = mapped_column(Boolean)
    deals: Mapped[int] = mapped_column(Integer)
    value: Mapped[Decimal] = mapped_column(Numeric(20, 2))
    loan: Mapped[Decimal] = mapped_column(Numeric(20, 2))


class DealPatentFact(_SubjectOrg, Base):
    """One row per patent of a recorded deal. ``prev_day`` is the contract day of the same patent's
    previous recorded deal (ordered by day, then deal id), so "distinct patents dealt in [s, e]" is a
    plain count of rows in [s, e] whose ``prev_day`` is before s; ``prev_univ_day`` is the same among
    university/institute transfer and licence deals (``univ_tl``)."""

    __tablename__ = "stat_deal_patent"
    __table_args__ = (
        Index("ix_stat_deal_patent_day", "day", "prev_day"),
        Index("ix_stat_deal_patent_first", "day", postgresql_where=text("prev_day IS NULL"),
              sqlite_where=text("prev_day IS NULL")),
        Index("ix_stat_deal_patent_univ", "univ_tl", "day", "prev_univ_day"),
        Index("ix_stat_deal_patent_county", "county_code", "day", "patent_id"),  # the office's usual filter
    )

    deal_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patent_id: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)
    day: Mapped[date | None] = mapped_column(Date)
    type: Mapped[str] = mapped_column(String(30))
    univ_tl: Mapped[bool] = mapped_column(Boolean)
    prev_day: Mapped[date | None] = mapped_column(Date)
    prev_univ_day: Mapped[date | None] = mapped_column(Date)


class ListedPatentFact(_SubjectOrg, Base):
    """One row per (patent, owner) of a published offer; ``is_primary`` marks one row per patent."""

    __tablename__ = "stat_listed_patent"

    patent_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    is_primary: Mapped[bool] = mapped_column(Boolean)


class ConvertedPatentFact(Base):
    """The first industrialisation start date of every patent with a conversion record."""

    __tablename__ = "stat_converted_patent"

    patent_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_day: Mapped[date] = mapped_column(Date)
