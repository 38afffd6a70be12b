"""An import run: the uploaded file, what it was asked to do (dry run, valid rows only) and, when done,
its counts, rejected rows and review list (``result``), and the progress the page polls."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ipplatform.database import Base, TimestampMixin, UTCDateTime
from ipplatform.organisations.models import Organisation


class ImportJob(TimestampMixin, Base):
    __tablename__ = "import_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # patents, offers, demands, deals
    filename: Mapped[str] = mapped_column(String(255))
    stored_path: Mapped[str] = mapped_column(String(500))
    owner_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    dry_run: Mapped[bool] = mapped_column(Boolean, default=True)
    valid_only: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued, running, done, failed
    total_bytes: Mapped[int] = mapped_column(Integer, default=0)
    processed_bytes: Mapped[int] = mapped_column(Integer, default=0)
    processed_rows: Mapped[int] = mapped_column(Integer, default=0)
    committed: Mapped[bool] = mapped_column(Boolean, default=False)
    result: Mapped[dict | None] = mapped_column(JSON)
    error_zh: Mapped[str | None] = mapped_column(String(500))
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    owner: Mapped[Organisation | None] = relationship(lazy="joined")
