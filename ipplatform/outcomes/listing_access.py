"""Who may read one offer or demand: whom ``lifecycle.readable`` allows and, once the listing is no longer
published (never a draft), the organisations on the other side of a match or deal on it (their members and
custodian agencies). Their match, deal and demand pages link to it, and a closed offer is what they agreed on. The API's ``GET /api/offers/{id}`` and ``/api/demands/{id}``
and the detail pages both ask here; listings, search and exports keep to ``lifecycle`` visibility.

Cross-domain (matches and deals), so it sits above the offers and demands domains, beside the deal flows.
"""

from __future__ import annotations

from sqlalchemy import select, union
from sqlalchemy.orm import Session

from ipplatform.auth import policy
from ipplatform.common.enums import ListingStatus
from ipplatform.common.errors import NotFound
from ipplatform.demands.models import Demand
from ipplatform.matching.models import Match
from ipplatform.offers.models import Offer
from ipplatform.organisations.models import Organisation
from ipplatform.outcomes.models import Deal


def readable(db: Session, user, listing, entity: str, entity_zh: str):
    """``listing`` if ``user`` may read it (see the module), else the 404 (others' drafts are not revealed)."""
    if policy.can_read_listing(user, listing):
        return listing
    # a party's own side only: the roles that read every match (event organisers) gain nothing here
    if user is not None and listing.status != ListingStatus.DRAFT and any(policy.owns(user, o)
                                                                           for o in parties(db, listing)):
        return listing
    raise NotFound(entity, entity_zh, listing.id)


def parties(db: Session, listing) -> list:
    """The organisations on the other side of the listing's matches and deals (one query for their ids)."""
    if isinstance(listing, Offer):
        ids = union(select(Demand.org_id).join(Match, Match.demand_id == Demand.id).where(Match.offer_id == listing.id),
                    *(select(col).where(Deal.offer_id == listing.id)
                      for col in (Deal.from_org_id, Deal.to_org_id, Deal.lender_org_id)))
    else:
        ids = union(*(select(col).join(Match, Match.offer_id == Offer.id).where(Match.demand_id == listing.id)
                      for col in (Offer.owner_org_id, Offer.publisher_org_id)))
    return list(db.scalars(select(Organisation).where(Organisation.id.in_(ids))))
