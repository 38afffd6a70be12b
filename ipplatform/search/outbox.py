"""Transactional outbox: every change that affects a search document writes a row in the same
database transaction as the change itself, so publishing never depends on the search engine being up.

One ``after_flush`` hook covers offers and demands (their own changes), patents (→ the offers that
contain them) and organisations (→ their offers and demands). ``ipplatform.search.indexer`` drains
the rows into the backend.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text, event, insert, inspect, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ipplatform.database import Base, utcnow
from ipplatform.demands.models import Demand
from ipplatform.offers.models import Offer, offer_patent
from ipplatform.organisations.models import Organisation
from ipplatform.patents.models import Patent
from ipplatform.search.documents import DocType


class OutboxEntry(Base):
    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    doc_type: Mapped[str] = mapped_column(String(10))
    doc_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    available_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


# The columns of a patent or an organisation that the offer and demand documents read
# (ipplatform.search.documents); a change to any other column (a patent's owner on transfer, an
# organisation's name, contacts or verified flag) leaves every document as it was.
PATENT_DOC_COLUMNS = ("title", "abstract", "ipc_codes", "kind", "legal_status")
ORG_DOC_COLUMNS = ("kind", "county_code", "industry_code")


def _changed(obj, columns: tuple[str, ...]) -> bool:
    attrs = inspect(obj).attrs
    return any(attrs[c].history.has_changes() for c in columns)


def _affected(session: Session) -> set[tuple[str, int]]:
    out: set[tuple[str, int]] = set()
    conn = session.connection()
    patent_ids, org_ids = set(), set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Offer):
            out.add((DocType.OFFER.value, obj.id))
        elif isinstance(obj, Demand):
            out.add((DocType.DEMAND.value, obj.id))
        elif isinstance(obj, Patent) and obj not in session.new:
            if obj in session.deleted or _changed(obj, PATENT_DOC_COLUMNS):
                patent_ids.add(obj.id)
        elif isinstance(obj, Organisation) and obj not in session.new:
            if obj in session.deleted or _changed(obj, ORG_DOC_COLUMNS):
                org_ids.add(obj.id)
    if patent_ids:
        rows = conn.execute(select(offer_patent.c.offer_id).where(offer_patent.c.patent_id.in_(patent_ids)))
        out.update((DocType.OFFER.value, r[0]) for r in rows)
    if org_ids:
        rows = conn.execute(select(Offer.id).where(or_(Offer.owner_org_id.in_(org_ids),
                                                       Offer.publisher_org_id.in_(org_ids))))
        out.update((DocType.OFFER.value, r[0]) for r in rows)
        rows = conn.execute(select(Demand.id).where(Demand.org_id.in_(org_ids)))
        out.update((DocType.DEMAND.value, r[0]) for r in rows)
    return out


@event.listens_for(Session, "after_flush")
def _write_outbox(session: Session, _ctx) -> None:
    affected = _affected(session)
    if affected:
        now = utcnow()
        session.connection().execute(insert(OutboxEntry), [
            {"doc_type": t, "doc_id": i, "created_at": now, "available_at": now, "attempts": 0} for t, i in affected])
        session.info["outbox_written"] = True


@event.listens_for(Session, "after_commit")
def _kick_indexer(session: Session) -> None:
    if session.info.pop("outbox_written", False):
        from ipplatform.search import indexer

        indexer.kick()


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop("outbox_written", None)
