"""Loaders for demand routes (API and pages): the demand a visitor may read, else 404."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from ipplatform.auth import policy
from ipplatform.common.errors import NotFound
from ipplatform.common.validators import Id
from ipplatform.demands import service
from ipplatform.demands.models import Demand
from ipplatform.dependencies import DbSession, OptionalUser


def visible_demand(demand_id: Id, db: DbSession, user: OptionalUser) -> Demand:
    demand = service.get(db, demand_id)
    if not policy.can_read_listing(user, demand):
        raise NotFound("demand", "需求信息", demand_id)  # drafts of others are not revealed
    return demand


VisibleDemand = Annotated[Demand, Depends(visible_demand)]
