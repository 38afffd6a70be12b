"""The search package's tables: the outbox of documents to (re)index and the embedding cache."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ipplatform.database import Base, UTCDateTime, utcnow


class OutboxEntry(Base):
    """One search document (offer or demand) to re-read and re-index. Written by the session hook in
    ``ipplatform.search.outbox`` in the transaction of the change; drained by ``ipplatform.search.indexer``."""

    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    doc_type: Mapped[str] = mapped_column(String(10))
    doc_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    available_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # Set instead of deleting the entry when the indexer drained it while a rebuild of its type was running
    # (``SearchRebuild``): that change went to the index being replaced, so the rebuild replays it.
    drained_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SearchRebuild(Base):
    """A rebuild of one document type in progress (``ipplatform.search.reindex``), from any process: while
    the row exists, the indexer keeps the entries it drains (``OutboxEntry.drained_at``)."""

    __tablename__ = "search_rebuild"

    doc_type: Mapped[str] = mapped_column(String(10), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class EmbeddingCache(Base):
    """Vectors by (model, sha256 of the text): unchanged text is never encoded twice."""

    __tablename__ = "embedding_cache"

    model: Mapped[str] = mapped_column(String(100), primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    vector: Mapped[bytes] = mapped_column(LargeBinary)
