from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from ipplatform.auth import policy
from ipplatform.auth.policy import Action
from ipplatform.common.schemas import Page, PageParams
from ipplatform.dependencies import CurrentUser, DbSession
from ipplatform.organisations import service as org_service
from ipplatform.patents import service
from ipplatform.patents.enums import LegalStatus, PatentKind
from ipplatform.patents.models import Patent
from ipplatform.patents.schemas import PatentCreate, PatentRead, PatentUpdate
from ipplatform.common.validators import CleanText, Id

router = APIRouter(prefix="/patents", tags=["patents"])


def patent_or_404(patent_id: Id, db: DbSession) -> Patent:
    return service.get(db, patent_id)


CurrentPatent = Annotated[Patent, Depends(patent_or_404)]


@router.get("", response_model=Page[PatentRead])
def list_patents(db: DbSession, page: Annotated[PageParams, Depends()], owner_org_id: Id | None = None,
                 q: Annotated[CleanText | None, Query(max_length=100)] = None,
                 legal_status: Annotated[list[LegalStatus] | None, Query(
                     description="any of these legal statuses (repeat the parameter)")] = None,
                 kind: PatentKind | None = None):
    return Page.of(service.list_patents(db, page, owner_org_id, q, legal_status=legal_status, kind=kind), page)


@router.get("/{patent_id}", response_model=PatentRead)
def read_patent(patent: CurrentPatent):
    return patent


@router.post("", response_model=PatentRead, status_code=201)
def create_patent(data: PatentCreate, user: CurrentUser, db: DbSession):
    owner = org_service.get(db, data.owner_org_id or user.org_id)
    policy.require(user, Action.PATENT_WRITE, owner)
    return service.create(db, data, owner.id)


@router.patch("/{patent_id}", response_model=PatentRead)
def update_patent(patent: CurrentPatent, data: PatentUpdate, user: CurrentUser, db: DbSession):
    policy.require(user, Action.PATENT_WRITE, patent.owner)
    return service.update(db, patent, data)


@router.delete("/{patent_id}", status_code=204)
def delete_patent(patent: CurrentPatent, user: CurrentUser, db: DbSession):
    policy.require(user, Action.PATENT_WRITE, patent.owner)
    service.delete(db, patent)
    return Response(status_code=204)
