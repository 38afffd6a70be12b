"""Audit API (office staff and admins): the audit trail, newest first, by entity type and id."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select

from ipplatform.audit.models import AuditRecord
from ipplatform.audit.schemas import AuditRead
from ipplatform.common.schemas import PageParams
from ipplatform.dependencies import DbSession, AuditReader
from ipplatform.common.validators import CleanText, Id

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("", response_model=list[AuditRead])
def list_audit(_: AuditReader, db: DbSession, page: Annotated[PageParams, Depends()],
               entity_type: Annotated[CleanText | None, Query(max_length=40)] = None, entity_id: Id | None = None):
    stmt = select(AuditRecord)
    if entity_type:
        stmt = stmt.where(AuditRecord.entity_type == entity_type)
    if entity_id is not None:
        stmt = stmt.where(AuditRecord.entity_id == entity_id)
    return db.scalars(stmt.order_by(AuditRecord.id.desc()).offset(page.offset).limit(page.page_size)).all()
