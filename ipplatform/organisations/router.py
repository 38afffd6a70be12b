from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from ipplatform.auth import policy
from ipplatform.common.schemas import Page, PageParams
from ipplatform.dependencies import CurrentUser, DbSession, OptionalUser, OrgRegistrar
from ipplatform.organisations import service
from ipplatform.organisations.enums import OrgKind
from ipplatform.organisations.models import Organisation
from ipplatform.organisations.schemas import CONTACT_FIELDS, OrganisationCreate, OrganisationRead, OrganisationUpdate
from ipplatform.common.validators import CleanText, Id

router = APIRouter(prefix="/organisations", tags=["organisations"])


def org_or_404(org_id: Id, db: DbSession) -> Organisation:
    return service.get(db, org_id)


CurrentOrg = Annotated[Organisation, Depends(org_or_404)]


def _read(org: Organisation, user) -> OrganisationRead:
    """What ``user`` may see of ``org``: contacts and address only for its members and staff."""
    read = OrganisationRead.model_validate(org)
    if policy.sees_contacts(user, org):
        return read
    return read.model_copy(update={**dict.fromkeys(CONTACT_FIELDS), "contacts_visible": False})


@router.get("", response_model=Page[OrganisationRead])
def list_organisations(db: DbSession, user: OptionalUser, page: Annotated[PageParams, Depends()],
                       kind: OrgKind | None = None, q: Annotated[CleanText | None, Query(max_length=100)] = None):
    orgs, total = service.list_orgs(db, page, kind, q)
    return Page.of(([_read(o, user) for o in orgs], total), page)


@router.get("/{org_id}", response_model=OrganisationRead)
def read_organisation(org: CurrentOrg, user: OptionalUser):
    return _read(org, user)


@router.post("", response_model=OrganisationRead, status_code=201)
def create_organisation(data: OrganisationCreate, _: OrgRegistrar, db: DbSession):
    return service.create(db, data)


@router.patch("/{org_id}", response_model=OrganisationRead)
def update_organisation(org: CurrentOrg, data: OrganisationUpdate, user: CurrentUser, db: DbSession):
    keeps_register = policy.require_org_update(user, org, data.model_fields_set)
    return service.update(db, org, data, keep_verification=keeps_register)


@router.post("/{org_id}/verify", response_model=OrganisationRead)
def verify_organisation(org: CurrentOrg, user: CurrentUser, db: DbSession, verified: bool = True):
    policy.require(user, policy.Action.ORG_VERIFY, org)
    return service.set_verified(db, org, verified)
