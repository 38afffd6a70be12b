"""The rows a page of search hits shows, read in one query with only the columns a hit displays.

The ORM's defaults for an offer join its owner and publisher and select-in its patents with each
patent's owner joined: four tables of full rows for twenty hits, most of the search's Python time
at 10k offers (scripts/bench_search.py, stage ``db``). Here: offers ⟕ owner ⟕ offer_patent ⟕ patent
(title and IPC codes only), demands ⟕ organisation, as plain tuples.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ipplatform.common.enums import ListingStatus
from ipplatform.demands.models import Demand
from ipplatform.offers.models import Offer, offer_patent
from ipplatform.organisations.models import Organisation
from ipplatform.patents.models import Patent
from ipplatform.search.documents import DocType


@dataclass
class PageRow:
    id: int
    title: str
    status: ListingStatus
    modes: list[str]
    price: Decimal | None
    published_at: datetime | None
    description: str | None
    org_id: int
    org_name: str
    county_code: str | None
    ipc: list[str] = field(default_factory=list)  # offers: subclasses of their patents; demands: preferred IPC
    patent_titles: list[str] = field(default_factory=list)

    @property
    def body(self) -> str:
        return self.description or "；".join(self.patent_titles)


def page_rows(db: Session, doc_type: DocType, ids: list[int]) -> dict[int, PageRow]:
    if not ids:
        return {}
    if doc_type == DocType.OFFER:
        stmt = (select(Offer.id, Offer.title, Offer.status, Offer.modes, Offer.asking_price, Offer.published_at,
                       Offer.description, Organisation.id, Organisation.name, Organisation.county_code,
                       Patent.title, Patent.ipc_codes)
                .join(Organisation, Organisation.id == Offer.owner_org_id)
                .outerjoin(offer_patent, offer_patent.c.offer_id == Offer.id)
                .outerjoin(Patent, Patent.id == offer_patent.c.patent_id)
                .where(Offer.id.in_(ids)).order_by(Offer.id, Patent.id))
    else:
        stmt = (select(Demand.id, Demand.title, Demand.status, Demand.modes, Demand.budget_max, Demand.published_at,
                       Demand.description, Organisation.id, Organisation.name, Organisation.county_code,
                       Demand.preferred_ipc)
                .join(Organisation, Organisation.id == Demand.org_id).where(Demand.id.in_(ids)))
    rows: dict[int, PageRow] = {}
    for r in db.execute(stmt):
        row = rows.get(r[0])
        if row is None:
            row = rows[r[0]] = PageRow(r[0], r[1], ListingStatus(r[2]), list(r[3] or []), r[4], r[5], r[6], r[7],
                                       r[8], r[9])
            if doc_type == DocType.DEMAND:
                row.ipc = list(r[10] or [])
        if doc_type == DocType.OFFER and r[10] is not None:
            row.patent_titles.append(r[10])
            row.ipc = sorted(set(row.ipc) | {c[:4] for c in (r[11] or [])})
    return rows
