"""Loaders for offer routes (API and pages): the offer a visitor may read, else 404."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from ipplatform.auth import policy
from ipplatform.common.errors import NotFound
from ipplatform.common.validators import Id
from ipplatform.dependencies import DbSession, OptionalUser
from ipplatform.offers import service
from ipplatform.offers.models import Offer


def visible_offer(offer_id: Id, db: DbSession, user: OptionalUser) -> Offer:
    offer = service.get(db, offer_id)
    if not policy.can_read_listing(user, offer):
        raise NotFound("offer", "供给信息", offer_id)  # drafts of others are not revealed
    return offer


VisibleOffer = Annotated[Offer, Depends(visible_offer)]
