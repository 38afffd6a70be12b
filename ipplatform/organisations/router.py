from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from ipplatform.auth import policy
from ipplatform.common.errors import Forbidden
from ipplatform.common.schemas import Page, PageParams
from ipplatform.dependencies import CurrentUser, DbSession, StaffUser
from ipplatform.organisations import service
from ipplatform.organisations.enums import OrgKind
from ipplatform.organisations.models import Organisation
from ipplatform.organisations.schemas import OrganisationCreate, OrganisationRead, OrganisationUpdate

router = APIRouter(prefix="/organisations", tags=["organisations"])


def org_or_404(org_id: int, db: DbSession) -> Organisation:
    return service.get(db, org_id)


CurrentOrg = Annotated[Organisation, Depends(org_or_404)]


@router.get("", response_model=Page[OrganisationRead])
def list_organisations(db: DbSession, page: Annotated[PageParams, Depends()],
                       kind: OrgKind | None = None, q: Annotated[str | None, Query(max_length=100)] = None):
    return Page.of(service.list_orgs(db, page, kind, q), page)


@router.get("/{org_id}", response_model=OrganisationRead)
def read_organisation(org: CurrentOrg):
    return org


@router.post("", response_model=OrganisationRead, status_code=201)
def create_organisation(data: OrganisationCreate, _: StaffUser, db: DbSession):
    return service.create(db, data)


@router.patch("/{org_id}", response_model=OrganisationRead)
def update_organisation(org: CurrentOrg, data: OrganisationUpdate, user: CurrentUser, db: DbSession):
    if not policy.can_edit_organisation(user, org):
        raise Forbidden("You may only edit your own organisation", "只能修改本机构信息")
    return service.update(db, org, data)


@router.post("/{org_id}/verify", response_model=OrganisationRead)
def verify_organisation(org: CurrentOrg, _: StaffUser, db: DbSession, verified: bool = True):
    return service.set_verified(db, org, verified)
