"""What the audit API returns for one audit record."""

from __future__ import annotations

from datetime import datetime

from ipplatform.common.schemas import AppSchema


class AuditRead(AppSchema):
    id: int
    at: datetime
    actor_user_id: int | None
    entity_type: str
    entity_id: int
    action: str
    changes: dict
