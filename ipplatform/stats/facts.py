"""Keep the statistics fact tables (``ipplatform.stats.models``) equal to what the source tables say.

``refresh_deals`` / ``refresh_listed`` / ``refresh_converted`` rewrite the fact rows of the given deals or
patents with INSERT … SELECT statements (window functions for the previous-deal days), and ``rebuild``
runs the same statements over everything. The session hook in ``ipplatform.stats.listener`` calls the
refreshes after every flush that touches a deal, its patents, a credit flag, an offer, a conversion or an
organisation's dimensions, in the same transaction, so the facts are never behind a committed change.

    python -m ipplatform.stats.facts          # rebuild every fact table (after a bulk load bypassing the ORM)
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from datetime import date

from sqlalchemy import Connection, and_, case, delete, distinct, exists, func, insert, literal, or_, select

from ipplatform.credit.models import CreditFlag
from ipplatform.offers.models import Offer, offer_patent
from ipplatform.organisations.models import Organisation
from ipplatform.outcomes.enums import TRANSFER_OR_LICENCE, DealStatus
from ipplatform.outcomes.models import Conversion, Deal, conversion_patent, deal_patent
from ipplatform.patents.models import Patent
from ipplatform.stats.models import ConvertedPatentFact, DealDay, DealFact, DealPatentFact, ListedPatentFact

UNIVERSITY_KINDS = ("university", "research_institute")
CHUNK = 500  # ids per IN list (SQLite's bound-parameter limit)
LAST = literal(date(9999, 12, 31))  # orders undated deals after dated ones in the previous-day window


def _chunks(ids: Iterable, size: int = CHUNK) -> Iterator[list]:
    ids = sorted(set(ids), key=lambda v: (v is None, v))
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def _org_dims():
    return (Organisation.county_code, func.substr(Organisation.industry_code, 1, 2), Organisation.kind)


def _deal_rows(deal_ids: list[int] | None):
    first = (select(func.substr(Patent.ipc_main, 1, 1)).select_from(deal_patent)
             .join(Patent, Patent.id == deal_patent.c.patent_id).where(deal_patent.c.deal_id == Deal.id)
             .order_by(deal_patent.c.patent_id).limit(1).scalar_subquery())
    flagged = exists().where(CreditFlag.deal_id == Deal.id, CreditFlag.status == "open")
    stmt = (select(Deal.id, Deal.contract_date, Deal.type, Deal.from_org_id, *_org_dims(), first,
                   Deal.counted_amount, Deal.loan_amount,
                   case((flagged, True), else_=False))
            .join(Organisation, Organisation.id == Deal.from_org_id).where(Deal.status == DealStatus.RECORDED))
    if deal_ids is not None:
        stmt = stmt.where(Deal.id.in_(deal_ids))
    return insert(DealFact).from_select(
        ["deal_id", "day", "type", "from_org_id", "county_code", "industry_div", "org_kind", "ipc_section", "value",
         "loan", "flagged"], stmt)


def _deal_patent_rows(patent_ids: list[int] | None):
    f = DealFact
    univ = and_(f.type.in_([t.value for t in TRANSFER_OR_LICENCE]), f.org_kind.in_(UNIVERSITY_KINDS))
    order = (case((f.day.is_(None), 1), else_=0), f.day, f.deal_id)
    day = func.coalesce(f.day, LAST)
    stmt = (select(f.deal_id, deal_patent.c.patent_id, f.day, f.type, f.county_code, f.industry_div, f.org_kind,
                   case((univ, True), else_=False),
                   func.lag(day).over(partition_by=deal_patent.c.patent_id, order_by=order),
                   case((univ, func.lag(day).over(partition_by=(deal_patent.c.patent_id, univ), order_by=order)),
                        else_=None))
            .join(deal_patent, deal_patent.c.deal_id == f.deal_id))
    if patent_ids is not None:
        stmt = stmt.where(deal_patent.c.patent_id.in_(patent_ids))
    return insert(DealPatentFact).from_select(
        ["deal_id", "patent_id", "day", "type", "county_code", "industry_div", "org_kind", "univ_tl", "prev_day",
         "prev_univ_day"], stmt)


def _day_rows(days: list | None):
    f = DealFact
    keys = (f.day, f.type, f.county_code, f.industry_div, f.org_kind, f.flagged)
    stmt = select(*keys, func.count(), func.coalesce(func.sum(f.value), 0), func.coalesce(func.sum(f.loan), 0))
    if days is not None:
        dated = [d for d in days if d is not None]
        stmt = stmt.where(or_(f.day.in_(dated), f.day.is_(None)) if None in days else f.day.in_(dated))
    return insert(DealDay).from_select(["day", "type", "county_code", "industry_div", "org_kind", "flagged", "deals",
                                        "value", "loan"], stmt.group_by(*keys))


def _listed_rows(patent_ids: list[int] | None):
    pairs = (select(offer_patent.c.patent_id, Offer.owner_org_id.label("org_id"), *_org_dims())
             .join(Offer, Offer.id == offer_patent.c.offer_id).join(Organisation, Organisation.id == Offer.owner_org_id)
             .where(Offer.published_at.is_not(None)).distinct())
    if patent_ids is not None:
        pairs = pairs.where(offer_patent.c.patent_id.in_(patent_ids))
    p = pairs.subquery()
    first = func.min(p.c.org_id).over(partition_by=p.c.patent_id)
    stmt = select(p.c.patent_id, p.c.org_id, *list(p.c)[2:], case((p.c.org_id == first, True), else_=False))
    return insert(ListedPatentFact).from_select(
        ["patent_id", "org_id", "county_code", "industry_div", "org_kind", "is_primary"], stmt)


def _converted_rows(patent_ids: list[int] | None):
    stmt = (select(conversion_patent.c.patent_id, func.min(Conversion.start_date))
            .join(Conversion, Conversion.id == conversion_patent.c.conversion_id).group_by(conversion_patent.c.patent_id))
    if patent_ids is not None:
        stmt = stmt.where(conversion_patent.c.patent_id.in_(patent_ids))
    return insert(ConvertedPatentFact).from_select(["patent_id", "first_day"], stmt)


def refresh_deals(conn: Connection, deal_ids: Iterable[int]) -> None:
    """Rewrite the facts of these deals: their own rows, every row of their patents (previous-deal days
    shift), and the daily sums of every day they were or are on."""
    deal_ids = list(deal_ids)
    if not deal_ids:
        return
    patents, days = set(), set()
    for chunk in _chunks(deal_ids):
        days.update(conn.scalars(select(DealFact.day).where(DealFact.deal_id.in_(chunk))))
        patents.update(conn.scalars(select(DealPatentFact.patent_id).where(DealPatentFact.deal_id.in_(chunk))))
        patents.update(conn.scalars(select(deal_patent.c.patent_id).where(deal_patent.c.deal_id.in_(chunk))))
        conn.execute(delete(DealFact).where(DealFact.deal_id.in_(chunk)))
        conn.execute(_deal_rows(chunk))
        days.update(conn.scalars(select(DealFact.day).where(DealFact.deal_id.in_(chunk))))
    for chunk in _chunks(patents):
        conn.execute(delete(DealPatentFact).where(DealPatentFact.patent_id.in_(chunk)))
        conn.execute(_deal_patent_rows(chunk))
    for chunk in _chunks(days):
        dated = [d for d in chunk if d is not None]
        gone = or_(DealDay.day.in_(dated), DealDay.day.is_(None)) if None in chunk else DealDay.day.in_(dated)
        conn.execute(delete(DealDay).where(gone))
        conn.execute(_day_rows(chunk))


def refresh_listed(conn: Connection, patent_ids: Iterable[int]) -> None:
    for chunk in _chunks(patent_ids):
        conn.execute(delete(ListedPatentFact).where(ListedPatentFact.patent_id.in_(chunk)))
        conn.execute(_listed_rows(chunk))


def refresh_converted(conn: Connection, patent_ids: Iterable[int]) -> None:
    for chunk in _chunks(patent_ids):
        conn.execute(delete(ConvertedPatentFact).where(ConvertedPatentFact.patent_id.in_(chunk)))
        conn.execute(_converted_rows(chunk))


def rebuild(conn: Connection) -> dict[str, int]:
    """Recompute every fact table from the source tables; returns the row counts."""
    for model in (DealDay, DealPatentFact, DealFact, ListedPatentFact, ConvertedPatentFact):
        conn.execute(delete(model))
    conn.execute(_deal_rows(None))
    conn.execute(_deal_patent_rows(None))
    conn.execute(_day_rows(None))
    conn.execute(_listed_rows(None))
    conn.execute(_converted_rows(None))
    return {m.__tablename__: conn.scalar(select(func.count()).select_from(m))
            for m in (DealFact, DealPatentFact, DealDay, ListedPatentFact, ConvertedPatentFact)}


def deals_of_orgs(conn: Connection, org_ids: Iterable[int]) -> set[int]:
    out = set()
    for chunk in _chunks(org_ids):
        out.update(conn.scalars(select(Deal.id).where(Deal.from_org_id.in_(chunk))))
    return out


def deals_of_patents(conn: Connection, patent_ids: Iterable[int]) -> set[int]:
    out = set()
    for chunk in _chunks(patent_ids):
        out.update(conn.scalars(select(distinct(deal_patent.c.deal_id)).where(deal_patent.c.patent_id.in_(chunk))))
    return out


def listed_patents_of_orgs(conn: Connection, org_ids: Iterable[int]) -> set[int]:
    out = set()
    for chunk in _chunks(org_ids):
        out.update(conn.scalars(select(ListedPatentFact.patent_id).where(ListedPatentFact.org_id.in_(chunk))))
    return out


def main() -> None:
    import ipplatform.models  # noqa: F401
    from ipplatform.database import default_engine

    t0 = time.perf_counter()
    with default_engine().begin() as conn:
        counts = rebuild(conn)
    print(f"rebuilt statistics facts in {time.perf_counter() - t0:.1f} s: "
          + ", ".join(f"{k} {v:,}" for k, v in counts.items()))


if __name__ == "__main__":
    main()
