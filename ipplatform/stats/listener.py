"""The statistics-facts session hook: after every flush, rewrite the facts of what the flush touched.

``refresh_facts`` runs as an ``after_flush`` hook (attached by ``ipplatform.hooks.install_session_hooks``)
and writes through the flush's own connection, so the fact tables commit or roll back with the change.
The statements themselves are in ``ipplatform.stats.facts``.
"""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from ipplatform.credit.models import CreditFlag
from ipplatform.offers.models import Offer
from ipplatform.organisations.models import Organisation
from ipplatform.outcomes.models import Conversion, Deal
from ipplatform.patents.models import Patent
from ipplatform.stats import facts

ORG_DIMENSIONS = ("county_code", "industry_code", "kind")


def _changed(obj, *attrs: str) -> bool:
    state = inspect(obj)
    return any(state.attrs[a].history.has_changes() for a in attrs)


def _patent_ids(obj) -> set[int]:
    """The patents an offer or conversion has now and had before this flush."""
    history = inspect(obj).attrs.patents.history
    return {p.id for p in (*history.added, *history.unchanged, *history.deleted) if p.id is not None}


def refresh_facts(session: Session, _flush_context=None) -> None:
    """``after_flush`` hook: refresh the deal, listed-patent and converted-patent facts the flush affects."""
    deals, listed, converted, orgs, patents = set(), set(), set(), set(), set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Deal):
            deals.add(obj.id)
        elif isinstance(obj, CreditFlag):
            deals.add(obj.deal_id)
        elif isinstance(obj, Offer):
            listed |= _patent_ids(obj)
        elif isinstance(obj, Conversion):
            converted |= _patent_ids(obj)
        elif isinstance(obj, Organisation) and obj not in session.new and _changed(obj, *ORG_DIMENSIONS):
            orgs.add(obj.id)
        elif isinstance(obj, Patent) and obj not in session.new and _changed(obj, "ipc_main"):
            patents.add(obj.id)
    if not (deals or listed or converted or orgs or patents):
        return
    conn = session.connection()
    deals |= facts.deals_of_orgs(conn, orgs) | facts.deals_of_patents(conn, patents)
    listed |= facts.listed_patents_of_orgs(conn, orgs)
    facts.refresh_deals(conn, deals)
    facts.refresh_listed(conn, listed)
    facts.refresh_converted(conn, converted)
