"""Exports of the lists (patents, offers, demands, matches, deals) to .xlsx (openpyxl write-only) and CSV
(UTF-8 with BOM, which Excel opens as Chinese text), under the headers the importer reads: export → import
is a round trip. Every export shows what the user may list: the listing, match and deal visibility rules of
``ipplatform.auth.policy``. Deals marked as imported history travel in the patents' count columns (专利转移次数 …),
the deals recorded on the platform in the deals export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal

from openpyxl import Workbook
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ipplatform.database import text_search
from ipplatform.auth import policy
from ipplatform.auth.policy import Action
from ipplatform.common import lifecycle, spreadsheet
from ipplatform.common.enums import ListingStatus, TransactionMode
from ipplatform.demands.models import Demand
from ipplatform.imports.kinds import KINDS
from ipplatform.imports.patents import HISTORY_TYPES
from ipplatform.matching.models import Match
from ipplatform.offers.models import Offer
from ipplatform.outcomes.models import Deal, deal_patent
from ipplatform.patents.enums import PatentKind
from ipplatform.patents.models import Patent

MAX_ROWS = 100_000
KINDS_ZH = {"patents": "专利", "offers": "供给", "demands": "需求", "matches": "匹配结果", "deals": "交易"}
MATCH_HEADERS = ["需求标题", "需求方", "供给标题", "供给方", "匹配得分", "排名", "强匹配", "状态", "专利申请号"]


def _wan(value: Decimal | None) -> str:
    return "" if value is None else f"{(Decimal(value) / 10000).normalize():f}"


def _yuan(value: Decimal | None) -> str:
    return "" if value is None else f"{Decimal(value).normalize():f}"


def _d(value) -> str:
    return value.isoformat() if value else ""


def _modes(modes) -> str:
    return ";".join(TransactionMode(m).zh for m in modes or [])


def _row(kind: str, values: dict) -> list[str]:
    return ["" if values.get(c.key) is None else str(values[c.key]) for c in KINDS[kind].layout.columns]


def _history(db: Session, ids: list[int]) -> dict:
    out: dict = {}
    rows = db.execute(select(deal_patent.c.patent_id, Deal.type, Deal.contract_date).join(
        Deal, Deal.id == deal_patent.c.deal_id).where(deal_patent.c.patent_id.in_(ids),
                                                       Deal.imported_history.is_(True)).order_by(Deal.id))
    for pid, deal_type, when in rows:
        name = HISTORY_TYPES.get(deal_type)
        if name:
            out.setdefault((pid, name), []).append(when)
    return out


def patents(db: Session, user, *, q: str | None = None, mine: bool = False, **_filters) -> Iterator[list[str]]:
    stmt = select(Patent).order_by(Patent.id)
    if mine:
        stmt = stmt.where(Patent.owner_org_id.in_(policy.org_scope(db, user, Action.IMPORT_WRITE) or {user.org_id}))
    if q:
        stmt = stmt.where(text_search((Patent.title, q), (Patent.application_number, q.upper())))
    batch: list[Patent] = []
    for patent in db.scalars(stmt.limit(MAX_ROWS)).unique():
        batch.append(patent)
        if len(batch) == 500:
            yield from _patent_rows(db, batch)
            batch = []
    yield from _patent_rows(db, batch)


def _patent_rows(db: Session, batch: list[Patent]) -> Iterator[list[str]]:
    history = _history(db, [p.id for p in batch]) if batch else {}
    for p in batch:
        values = {"application_number": p.application_number, "title": p.title, "kind": p.kind.zh,
                  "publication_number": p.publication_number, "grant_number": None if p.kind == PatentKind.INVENTION_APPLICATION else p.publication_number,
                  "legal_status": p.legal_status.zh, "application_date": _d(p.application_date),
                  "publication_date": _d(p.publication_date), "grant_date": _d(p.grant_date), "ipc_main": p.ipc_main,
                  "ipc_codes": ";".join(p.ipc_codes or []), "applicants": ";".join(p.applicants or []),
                  "holders": p.owner.name, "credit_code": p.owner.credit_code, "inventors": ";".join(p.inventors or []),
                  "abstract": p.abstract, "claims": p.claims}
        for name in ("transfer", "licence", "pledge"):
            dates = history.get((p.id, name), [])
            values[f"{name}_count"] = len(dates)
            values[f"{name}_dates"] = ";".join(_d(d) for d in dates if d)
        yield _row("patents", values)


def _listings(db: Session, model, org_columns, user, q, mode, mine, org):
    """The rows of the list page (``lifecycle.list_filters``), read at once: a refused or unknown organisation
    is its 403/404 before any row is written."""
    filters = lifecycle.list_filters(db, user, mine=mine, org_id=org)
    stmt = lifecycle.listing_stmt(db, model, org_columns, user, mode=mode, q=q, **filters)
    return db.scalars(stmt.order_by(model.id).limit(MAX_ROWS)).unique()


def _status(listing) -> str:
    """The listing's own status label (草稿, 已发布, 已撤回, 已成交/关闭, 已过期). The importer accepts every one:
    only 已发布 publishes; a new listing with any other is a draft, an existing one keeps its status."""
    return ListingStatus(listing.status).zh


def offers(db: Session, user, *, q=None, mode=None, mine=False, org=None) -> Iterator[list[str]]:
    found = _listings(db, Offer, (Offer.owner_org_id, Offer.publisher_org_id), user, q, mode, mine, org)
    return (_row("offers", {
            "title": o.title, "patents": ";".join(p.application_number for p in o.patents), "modes": _modes(o.modes),
            "asking_price": _wan(o.asking_price), "negotiable": "是" if o.negotiable else "否",
            "open_licence_fee": _wan(o.open_licence_fee), "open_licence_terms": o.open_licence_terms,
            "application_fields": ";".join(o.application_fields or []), "maturity": o.maturity.zh if o.maturity else None,
            "description": o.description, "contact_name": o.contact_name, "contact_phone": o.contact_phone,
            "contact_email": o.contact_email, "expires_on": _d(o.expires_on), "status": _status(o)}) for o in found)


def demands(db: Session, user, *, q=None, mode=None, mine=False, org=None) -> Iterator[list[str]]:
    found = _listings(db, Demand, (Demand.org_id,), user, q, mode, mine, org)
    return (_row("demands", {
            "title": d.title, "description": d.description, "industry_code": d.industry_code,
            "region_code": d.region_code, "preferred_ipc": ";".join(d.preferred_ipc or []), "modes": _modes(d.modes),
            "budget_min": _wan(d.budget_min), "budget_max": _wan(d.budget_max), "deadline": _d(d.deadline),
            "contact_name": d.contact_name, "contact_phone": d.contact_phone, "contact_email": d.contact_email,
            "status": _status(d)}) for d in found)


def matches(db: Session, user, **_filters) -> Iterator[list[str]]:
    stmt = select(Match).order_by(Match.demand_id, Match.rank).limit(MAX_ROWS)
    scope = policy.org_scope(db, user, Action.MATCH_READ)
    if scope is not None:
        stmt = stmt.join(Demand, Demand.id == Match.demand_id).join(Offer, Offer.id == Match.offer_id).where(or_(
            Demand.org_id.in_(scope), Offer.owner_org_id.in_(scope), Offer.publisher_org_id.in_(scope)))
    for m in db.scalars(stmt).unique():
        yield [m.demand.title, m.demand.organisation.name, m.offer.title, m.offer.owner.name, f"{m.score:.3f}",
               str(m.rank), "是" if m.strong else "否", m.status.zh if hasattr(m.status, "zh") else str(m.status),
               ";".join(p.application_number for p in m.offer.patents)]


def deals(db: Session, user, **_filters) -> Iterator[list[str]]:
    stmt = select(Deal).where(Deal.imported_history.is_(False)).order_by(Deal.id).limit(MAX_ROWS)
    scope = policy.org_scope(db, user, Action.DEAL_READ)
    if scope is not None:
        stmt = stmt.where(or_(Deal.from_org_id.in_(scope), Deal.to_org_id.in_(scope), Deal.lender_org_id.in_(scope)))
    for d in db.scalars(stmt).unique():
        yield _row("deals", {
            "type": d.type.zh, "numbers": ";".join(p.application_number for p in d.patents),
            "from_code": d.from_org.credit_code, "to_code": d.to_org.credit_code if d.to_org else None,
            "lender_code": d.lender.credit_code if d.lender else None, "amount": _yuan(d.amount),
            "loan_amount": _yuan(d.loan_amount), "valuation": _yuan(d.valuation), "contract_date": _d(d.contract_date),
            "recordal_number": d.recordal_number, "recordal_date": _d(d.recordal_date)})


EXPORTS = {"patents": patents, "offers": offers, "demands": demands, "matches": matches, "deals": deals}


def headers(kind: str) -> list[str]:
    return MATCH_HEADERS if kind == "matches" else [c.header for c in KINDS[kind].layout.columns]


def to_xlsx(kind: str, rows: Iterator[list[str]]) -> bytes:
    book = Workbook(write_only=True)
    ws = book.create_sheet(KINDS_ZH[kind])
    ws.append(headers(kind))
    for row in rows:
        spreadsheet.append(ws, row)  # user text stays text, never a formula
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def to_csv(kind: str, rows: Iterator[list[str]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(headers(kind))
    writer.writerows(spreadsheet.csv_row(row) for row in rows)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
