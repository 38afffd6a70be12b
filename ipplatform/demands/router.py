from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from ipplatform.auth import policy
from ipplatform.auth.policy import Action
from ipplatform.common.enums import ListingStatus, TransactionMode
from ipplatform.common.listing_router import add_lifecycle_routes
from ipplatform.common.schemas import Page, PageParams
from ipplatform.demands import service
from ipplatform.demands.dependencies import VisibleDemand, visible_demand
from ipplatform.demands.schemas import DemandCreate, DemandRead, DemandUpdate
from ipplatform.dependencies import CurrentUser, DbSession, OptionalUser
from ipplatform.organisations import service as org_service
from ipplatform.outcomes import listing_access
from ipplatform.common.validators import CleanText, Id

router = APIRouter(prefix="/demands", tags=["demands"])


@router.get("", response_model=Page[DemandRead])
def list_demands(db: DbSession, user: OptionalUser, page: Annotated[PageParams, Depends()],
                 status: ListingStatus | None = None, org_id: Id | None = None, mode: TransactionMode | None = None,
                 q: Annotated[CleanText | None, Query(max_length=100)] = None):
    return Page.of(service.list_demands(db, user, page, status=status, org_id=org_id, mode=mode, q=q), page)


@router.get("/{demand_id}", response_model=DemandRead)
def read_demand(demand_id: Id, db: DbSession, user: OptionalUser):
    """Also for the parties of its matches once it is closed or withdrawn (``listing_access``)."""
    return listing_access.readable(db, user, service.get(db, demand_id), "demand", "需求信息")


@router.post("", response_model=DemandRead, status_code=201)
def create_demand(data: DemandCreate, user: CurrentUser, db: DbSession):
    org = org_service.get(db, data.org_id or user.org_id)
    policy.require(user, Action.LISTING_WRITE, org)
    return service.create(db, data, org_id=org.id, user_id=user.id)


@router.patch("/{demand_id}", response_model=DemandRead)
def update_demand(demand: VisibleDemand, data: DemandUpdate, user: CurrentUser, db: DbSession):
    policy.require(user, Action.LISTING_WRITE, *policy.listing_orgs(demand))
    return service.update(db, demand, data)


add_lifecycle_routes(router, id_param="demand_id", loader=visible_demand, read_model=DemandRead)
