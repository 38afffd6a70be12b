"""Loaders for offer routes (API and pages): the offer a visitor may read, else 404."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from ipplatform.common import lifecycle
from ipplatform.common.validators import Id
from ipplatform.dependencies import DbSession, OptionalUser
from ipplatform.offers import service
from ipplatform.offers.models import Offer


def visible_offer(offer_id: Id, db: DbSession, user: OptionalUser) -> Offer:
    return lifecycle.readable(user, service.get(db, offer_id), "offer", "供给信息")


VisibleOffer = Annotated[Offer, Depends(visible_offer)]
