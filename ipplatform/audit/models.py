"""The audit table: one row per create, update or delete of a model with ``__audited__ = True``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ipplatform.database import Base, UTCDateTime, utcnow


class AuditRecord(Base):
    """Who changed what, when: one row per create/update/delete of an audited entity."""

    __tablename__ = "audit_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(10))  # create / update / delete
    changes: Mapped[dict] = mapped_column(JSON, default=dict)  # {field: [old, new]}
