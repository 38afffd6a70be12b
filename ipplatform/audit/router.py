from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select

from ipplatform.audit.models import AuditRecord
from ipplatform.audit.schemas import AuditRead
from ipplatform.auth import policy
from ipplatform.common.errors import Forbidden
from ipplatform.common.schemas import PageParams
from ipplatform.dependencies import CurrentUser, DbSession

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("", response_model=list[AuditRead])
def list_audit(user: CurrentUser, db: DbSession, page: Annotated[PageParams, Depends()],
               entity_type: Annotated[str | None, Query(max_length=40)] = None, entity_id: int | None = None):
    if not policy.reads_everything(user):
        raise Forbidden("Only office staff and admins read the audit trail", "仅知识产权局工作人员或管理员可查看审计记录")
    stmt = select(AuditRecord)
    if entity_type:
        stmt = stmt.where(AuditRecord.entity_type == entity_type)
    if entity_id is not None:
        stmt = stmt.where(AuditRecord.entity_id == entity_id)
    return db.scalars(stmt.order_by(AuditRecord.id.desc()).offset(page.offset).limit(page.page_size)).all()
