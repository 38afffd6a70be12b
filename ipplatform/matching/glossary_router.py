"""``/api/glossary``: the industry glossary the matcher applies (office staff)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from ipplatform.auth import policy
from ipplatform.common.schemas import Page, PageParams
from ipplatform.common.validators import CleanText, Id
from ipplatform.dependencies import CurrentUser, DbSession
from ipplatform.matching import glossary_service as service
from ipplatform.matching.glossary_schemas import (GlossaryPreview, GlossaryTermCreate, GlossaryTermRead, GlossaryTermUpdate,
                                                  Industry)

router = APIRouter(prefix="/glossary", tags=["glossary"])


@router.get("", response_model=Page[GlossaryTermRead])
def list_terms(user: CurrentUser, db: DbSession, page: Annotated[PageParams, Depends()], industry: Industry | None = None,
               q: Annotated[CleanText | None, Query(max_length=30)] = None, active: bool | None = None):
    policy.require(user, policy.Action.GLOSSARY_MANAGE)
    items, total = service.list_terms(db, page, industry, q, active)
    return Page.of(([service.read(t) for t in items], total), page)


@router.get("/preview", response_model=GlossaryPreview)
def preview(user: CurrentUser, db: DbSession, text: Annotated[CleanText, Query(min_length=1, max_length=500)]):
    """What matching makes of a demand's text: need, context set aside, glossary hits, key words."""
    policy.require(user, policy.Action.GLOSSARY_MANAGE)
    return service.preview(db, text)


@router.post("", response_model=GlossaryTermRead, status_code=201)
def create_term(data: GlossaryTermCreate, user: CurrentUser, db: DbSession):
    policy.require(user, policy.Action.GLOSSARY_MANAGE)
    return service.read(service.create(db, data, user))


@router.get("/{term_id}", response_model=GlossaryTermRead)
def read_term(term_id: Id, user: CurrentUser, db: DbSession):
    policy.require(user, policy.Action.GLOSSARY_MANAGE)
    return service.read(service.get(db, term_id))


@router.patch("/{term_id}", response_model=GlossaryTermRead)
def update_term(term_id: Id, data: GlossaryTermUpdate, user: CurrentUser, db: DbSession):
    policy.require(user, policy.Action.GLOSSARY_MANAGE)
    return service.read(service.update(db, service.get(db, term_id), data, user))


@router.delete("/{term_id}", status_code=204)
def delete_term(term_id: Id, user: CurrentUser, db: DbSession):
    policy.require(user, policy.Action.GLOSSARY_MANAGE)
    service.delete(db, service.get(db, term_id))
    return Response(status_code=204)
