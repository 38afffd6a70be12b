"""Loaders for demand routes (API and pages): the demand a visitor may read, else 404."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from ipplatform.common import lifecycle
from ipplatform.common.validators import Id
from ipplatform.demands import service
from ipplatform.demands.models import Demand
from ipplatform.dependencies import DbSession, OptionalUser


def visible_demand(demand_id: Id, db: DbSession, user: OptionalUser) -> Demand:
    return lifecycle.readable(user, service.get(db, demand_id), "demand", "需求信息")


VisibleDemand = Annotated[Demand, Depends(visible_demand)]
