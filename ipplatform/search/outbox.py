"""Transactional outbox, the writing side: every change that affects a search document writes an
``OutboxEntry`` in the same database transaction as the change itself, so publishing never depends on
the search engine being up.

One ``after_flush`` hook covers offers and demands (their own changes), patents (→ the offers that
contain them) and organisations (→ their offers and demands). ``install`` attaches it to a session
factory (``ipplatform.hooks`` does, in its stated order) together with an ``after_commit`` hook that
calls ``on_commit`` once a transaction that wrote entries has committed: the web app passes its
indexer's ``wake``. The reading side, draining the entries into the backend, is ``ipplatform.search.indexer``.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event, insert, inspect, or_, select
from sqlalchemy.orm import Session, sessionmaker

from ipplatform.database import utcnow
from ipplatform.demands.models import Demand
from ipplatform.offers.models import Offer, offer_patent
from ipplatform.organisations.models import Organisation
from ipplatform.patents.models import Patent
from ipplatform.search.documents import DocType
from ipplatform.search.models import OutboxEntry

# The columns of a patent or an organisation that the offer and demand documents read
# (ipplatform.search.documents); a change to any other column (a patent's owner on transfer, an
# organisation's name, contacts or verified flag) leaves every document as it was.
PATENT_DOC_COLUMNS = ("title", "abstract", "ipc_codes", "kind", "legal_status")
ORG_DOC_COLUMNS = ("kind", "county_code", "industry_code")
WRITTEN = "search_outbox_written"  # session.info flag: this transaction wrote outbox entries


def _changed(obj, columns: tuple[str, ...]) -> bool:
    attrs = inspect(obj).attrs
    return any(attrs[c].history.has_changes() for c in columns)


def affected_documents(session: Session) -> set[tuple[str, int]]:
    """(doc_type, id) of every search document the session's pending flush changes."""
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


def write_outbox(session: Session, _flush_context=None) -> None:
    """``after_flush`` hook: one outbox entry per affected document, on the flush's own connection."""
    affected = affected_documents(session)
    if affected:
        now = utcnow()
        session.connection().execute(insert(OutboxEntry), [
            {"doc_type": t, "doc_id": i, "created_at": now, "available_at": now, "attempts": 0} for t, i in affected])
        session.info[WRITTEN] = True


def install(factory: sessionmaker, *, on_commit: Callable[[], None] | None = None) -> None:
    """Attach the outbox hook to ``factory``; ``on_commit()`` runs after each commit that wrote entries."""

    def committed(session: Session) -> None:
        if session.info.pop(WRITTEN, False) and on_commit is not None:
            on_commit()

    def rolled_back(session: Session) -> None:
        session.info.pop(WRITTEN, None)

    event.listen(factory, "after_flush", write_outbox)
    event.listen(factory, "after_commit", committed)
    event.listen(factory, "after_rollback", rolled_back)
