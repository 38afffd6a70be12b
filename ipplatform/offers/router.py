from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from ipplatform.auth import policy
from ipplatform.auth.policy import Action
from ipplatform.common.enums import ListingStatus, TransactionMode
from ipplatform.common.listing_router import add_lifecycle_routes
from ipplatform.common.schemas import Page, PageParams
from ipplatform.dependencies import CurrentUser, DbSession, OptionalUser
from ipplatform.offers import service
from ipplatform.offers.dependencies import VisibleOffer, visible_offer
from ipplatform.offers.schemas import OfferCreate, OfferRead, OfferUpdate
from ipplatform.organisations import service as org_service
from ipplatform.outcomes import listing_access
from ipplatform.common.validators import CleanText, Id

router = APIRouter(prefix="/offers", tags=["offers"])


@router.get("", response_model=Page[OfferRead])
def list_offers(db: DbSession, user: OptionalUser, page: Annotated[PageParams, Depends()],
                status: ListingStatus | None = None, org_id: Id | None = None, mode: TransactionMode | None = None,
                q: Annotated[CleanText | None, Query(max_length=100)] = None):
    return Page.of(service.list_offers(db, user, page, status=status, org_id=org_id, mode=mode, q=q), page)


@router.get("/{offer_id}", response_model=OfferRead)
def read_offer(offer_id: Id, db: DbSession, user: OptionalUser):
    """Also for the parties of its matches and deals once it is closed or withdrawn (``listing_access``)."""
    return listing_access.readable(db, user, service.get(db, offer_id), "offer", "供给信息")


@router.post("", response_model=OfferRead, status_code=201)
def create_offer(data: OfferCreate, user: CurrentUser, db: DbSession):
    owner = org_service.get(db, data.owner_org_id or user.org_id)
    policy.require(user, Action.LISTING_WRITE, owner)
    return service.create(db, data, owner=owner, publisher_org_id=user.org_id, user_id=user.id)


@router.patch("/{offer_id}", response_model=OfferRead)
def update_offer(offer: VisibleOffer, data: OfferUpdate, user: CurrentUser, db: DbSession):
    policy.require(user, Action.LISTING_WRITE, *policy.listing_orgs(offer))
    return service.update(db, offer, data)


add_lifecycle_routes(router, id_param="offer_id", loader=visible_offer, read_model=OfferRead)
