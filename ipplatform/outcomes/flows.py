"""Deal work that spans domains. A deal's own rules are in ``outcomes.service``; recording one also
moves its match, the patents' holder, their offers and the credit flags, each through its domain.

Routers and the Excel importer call these; services never do (they only import downward).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from ipplatform.common import lifecycle
from ipplatform.common.enums import LISTING_TRANSITIONS, ListingStatus
from ipplatform.credit import rules as credit_rules
from ipplatform.matching import service as matching_service
from ipplatform.matching.enums import MatchStatus
from ipplatform.matching.models import Match
from ipplatform.offers import service as offers_service
from ipplatform.outcomes import service as outcomes_service
from ipplatform.outcomes.enums import DealType
from ipplatform.outcomes.models import Deal
from ipplatform.outcomes.schemas import DealRecord
from ipplatform.patents import service as patents_service


def record_deal(db: Session, deal: Deal, data: DealRecord, user_id: int | None) -> Deal:
    """Conclude ``deal`` (completed with ``data``'s details): its match (if any) becomes agreed; the offer it
    was made on closes (``data.close_offer``, by default as ``closes_offer_by_default``); a transfer moves the
    patents to the acquirer and closes their published offers; then the credit rules look at the deal."""
    outcomes_service.conclude(db, deal, data)
    close_offer = outcomes_service.closes_offer_by_default(deal) if data.close_offer is None else data.close_offer
    if deal.match_id is not None:
        match = db.get(Match, deal.match_id)
        if match is not None and match.status != MatchStatus.AGREED:
            matching_service.change_status(db, match, MatchStatus.AGREED, user_id)  # it has its deal: this one
    if close_offer and deal.offer is not None and ListingStatus.CLOSED in LISTING_TRANSITIONS[deal.offer.status]:
        lifecycle.transition(deal.offer, ListingStatus.CLOSED)
    if deal.type == DealType.TRANSFER and deal.to_org_id is not None:
        patents_service.transfer(deal.patents, deal.to_org_id)
        for offer in offers_service.published_with_patents(db, [p.id for p in deal.patents]):
            lifecycle.transition(offer, ListingStatus.CLOSED)
    db.flush()
    credit_rules.evaluate(db, deal)
    return deal
