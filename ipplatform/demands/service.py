from __future__ import annotations

from sqlalchemy.orm import Session

from ipplatform.common import lifecycle
from ipplatform.common.enums import ListingStatus
from ipplatform.common.errors import Conflict, get_or_404
from ipplatform.common.patch import assign, merged
from ipplatform.common.schemas import PageParams
from ipplatform.demands.models import Demand
from ipplatform.demands.schemas import DemandCreate, DemandFields, DemandUpdate


def get(db: Session, demand_id: int) -> Demand:
    return get_or_404(db, Demand, demand_id, "demand", "需求信息")


def create(db: Session, data: DemandCreate, *, org_id: int, user_id: int | None, synthetic: bool = False) -> Demand:
    fields = data.model_dump(exclude={"org_id", "publish"})
    fields["modes"] = [m.value for m in data.modes]
    demand = Demand(**fields, org_id=org_id, created_by_id=user_id, synthetic=synthetic, status=ListingStatus.DRAFT)
    db.add(demand)
    if data.publish:
        lifecycle.transition(demand, ListingStatus.PUBLISHED)
    db.flush()
    return demand


def update(db: Session, demand: Demand, data: DemandUpdate) -> Demand:
    if demand.status == ListingStatus.CLOSED:
        raise Conflict("a closed demand cannot be edited", "已关闭的需求信息不能修改", code="closed")
    values = merged(demand, DemandFields, data)
    assign(demand, {**values.model_dump(), "modes": [m.value for m in values.modes]})
    db.flush()
    return demand


def list_demands(db: Session, user, page: PageParams, **filters):
    """Demands ``user`` may see (filters: status, org_id, mode, q)."""
    return lifecycle.list_listings(db, Demand, (Demand.org_id,), user, page, **filters)
