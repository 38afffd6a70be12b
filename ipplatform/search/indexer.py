"""Drains the search outbox (``ipplatform.search.models.OutboxEntry``) into the backend: idempotent,
retried with backoff, versioned.

Each drain reads the *current* database state of the affected documents (so replaying an entry twice,
or out of order, is harmless) and stamps it with a version taken after the read (microseconds since
the epoch): a slower indexer holding an older snapshot can never overwrite a newer one. When the
backend is down the entries stay, with exponential backoff (2, 4 … 300 s), and drain when it returns.

The web app runs one ``Indexer`` in a background thread that drains every ``poll_seconds`` and at once
when woken: the outbox hook calls ``wake`` after a commit that wrote entries (``ipplatform.main``
passes it to ``ipplatform.hooks.install_session_hooks``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from ipplatform.database import utcnow
from ipplatform.search.backends.protocol import SearchBackend
from ipplatform.search.documents import BUILDERS, DocType, load_rows
from ipplatform.search.models import OutboxEntry, SearchRebuild

log = logging.getLogger(__name__)
MAX_BACKOFF_S = 300
# A rebuild marker older than this was left by a reindex that died: ignored, and its kept entries dropped.
STALE_REBUILD = timedelta(hours=24)


def rebuilding(db: Session) -> set[str]:
    """Document types being rebuilt now. The marker rows are read ``FOR SHARE`` (PostgreSQL): a rebuild
    that ends waits for this transaction to commit before it reads the entries kept for it. Stale markers
    (a reindex that died) are removed with the entries they kept: those changes reached the live index."""
    rows = db.execute(select(SearchRebuild.doc_type, SearchRebuild.started_at).with_for_update(read=True)).all()
    stale = [t for t, started in rows if started < utcnow() - STALE_REBUILD]
    if stale:
        db.execute(delete(SearchRebuild).where(SearchRebuild.doc_type.in_(stale)))
        db.execute(delete(OutboxEntry).where(OutboxEntry.doc_type.in_(stale), OutboxEntry.drained_at.is_not(None)))
    return {t for t, _ in rows if t not in stale}


def snapshot_version() -> int:
    return time.time_ns() // 1000


def load_documents(db: Session, doc_type: DocType, ids: list[int]) -> list[dict]:
    rows = load_rows(db, doc_type, ids)
    version = snapshot_version()  # after the read: later reads get larger versions
    return [BUILDERS[doc_type](row, version) for row in rows]


def embed_documents(embedder, db: Session | None, docs: list[dict]):
    return embedder.encode_documents([d["embed_text"] for d in docs], db=db)


@dataclass
class DrainResult:
    indexed: int = 0
    deleted: int = 0
    entries: int = 0
    failed: int = 0
    error: str | None = None


class Indexer:
    def __init__(self, session_factory: sessionmaker, backend: SearchBackend, embedder_provider):
        self.session_factory = session_factory
        self.backend = backend
        self._embedder_provider = embedder_provider
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._drain_lock = threading.Lock()
        self.after_commit: list = []  # callbacks(doc_type, ids) run after an indexed batch is committed

    @property
    def embedder(self):
        return self._embedder_provider()

    def sync(self, db: Session, doc_type: DocType, ids: list[int]) -> tuple[int, int]:
        """Index the current state of ``ids``; ids no longer in the database are removed."""
        self.backend.ensure(doc_type, self.embedder.dims)  # cached by the backend after the first call
        docs = load_documents(db, doc_type, ids)
        written = self.backend.upsert(doc_type, docs, embed_documents(self.embedder, db, docs)) if docs else 0
        gone = sorted(set(ids) - {d["id"] for d in docs})
        if gone:
            self.backend.delete(doc_type, gone, snapshot_version())
        return written, len(gone)

    def drain(self, *, batch: int = 200, ignore_backoff: bool = False) -> DrainResult:
        """Process due outbox entries until none are left (or a batch fails)."""
        total = DrainResult()
        with self._drain_lock:
            while True:
                result = self._drain_batch(batch, ignore_backoff)
                total.indexed += result.indexed
                total.deleted += result.deleted
                total.entries += result.entries
                total.failed += result.failed
                total.error = result.error or total.error
                if result.entries < batch or result.failed:
                    break
        return total

    def _drain_batch(self, batch: int, ignore_backoff: bool) -> DrainResult:
        result = DrainResult()
        with self.session_factory() as db:
            stmt = select(OutboxEntry).where(OutboxEntry.drained_at.is_(None)).order_by(OutboxEntry.id).limit(batch)
            if not ignore_backoff:
                stmt = stmt.where(OutboxEntry.available_at <= utcnow())
            entries = db.scalars(stmt).all()
            if not entries:
                return result
            result.entries = len(entries)
            entry_ids = [e.id for e in entries]
            attempts = {e.id: e.attempts for e in entries}
            groups: dict[DocType, set[int]] = defaultdict(set)
            for e in entries:
                groups[DocType(e.doc_type)].add(e.doc_id)
            try:
                # Checked before writing: a rebuild that has not swapped yet sees these writes replayed
                kept = rebuilding(db) & {t.value for t in groups}
                for doc_type, ids in groups.items():
                    written, gone = self.sync(db, doc_type, sorted(ids))
                    result.indexed += written
                    result.deleted += gone
                keep = [e.id for e in entries if e.doc_type in kept]
                done = [e.id for e in entries if e.doc_type not in kept]
                if keep:  # these went to the index a rebuild is replacing: it replays them (reindex.rebuild)
                    db.execute(update(OutboxEntry).where(OutboxEntry.id.in_(keep)).values(drained_at=utcnow()))
                if done:
                    db.execute(delete(OutboxEntry).where(OutboxEntry.id.in_(done)))
                db.commit()
                for callback in self.after_commit:
                    for doc_type, ids in groups.items():
                        try:
                            callback(doc_type, sorted(ids))
                        except Exception:  # noqa: BLE001 - follow-up work must not undo indexing
                            log.exception("after-index callback failed for %s %s", doc_type, sorted(ids)[:5])
            except Exception as exc:  # noqa: BLE001 - any failure: keep the entries and retry later
                db.rollback()
                result.failed, result.error = len(entries), f"{type(exc).__name__}: {exc}"[:2000]
                now = utcnow()
                for entry_id in entry_ids:
                    delay = min(2 ** (attempts[entry_id] + 1), MAX_BACKOFF_S)
                    db.execute(update(OutboxEntry).where(OutboxEntry.id == entry_id).values(
                        attempts=OutboxEntry.attempts + 1, available_at=now + timedelta(seconds=delay),
                        last_error=result.error))
                db.commit()
                log.warning("search indexer: %s entries kept for retry: %s", len(entries), result.error)
        return result

    # ---- background thread ---------------------------------------------------------------------
    def start(self, poll_seconds: float = 2.0) -> None:
        if self._thread is not None:
            return

        def loop():
            while not self._stop.is_set():
                try:
                    self.drain()
                except Exception:  # noqa: BLE001
                    log.exception("search indexer loop")
                self._wake.wait(poll_seconds)
                self._wake.clear()

        self._thread = threading.Thread(target=loop, name="search-indexer", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Drain now instead of at the next poll (called after a commit that wrote outbox entries)."""
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None

