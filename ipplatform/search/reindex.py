"""Rebuild the search index from the database with zero downtime, then reconcile.

    python -m ipplatform.search.reindex [--type offer|demand|all] [--batch 256]

Builds a fresh index beside the live one (Elasticsearch: a new index behind the alias; embedded:
new tables), swaps atomically, re-indexes what changed during the build (what was queued before it
is covered by it; what an indexer drained into the old index meanwhile is kept for this, see
``indexer.rebuilding``), merges the index for reading (one segment; FTS5 optimize), and checks that the
index holds exactly the database's ids. Exit status 1 when reconciliation fails.
"""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import sessionmaker
from tqdm import tqdm

from ipplatform.database import utcnow
from ipplatform.search import pipeline
from ipplatform.search.backends.protocol import SearchBackend
from ipplatform.search.documents import MODELS, DocType
from ipplatform.search.indexer import Indexer, embed_documents, load_documents
from ipplatform.search.models import OutboxEntry, SearchRebuild

log = logging.getLogger(__name__)


@dataclass
class Reconciliation:
    doc_type: str
    database: int
    index: int
    missing: list[int]
    extra: list[int]

    @property
    def ok(self) -> bool:
        return not self.missing and not self.extra and self.database == self.index


def reconcile(session_factory: sessionmaker, backend: SearchBackend, doc_type: DocType) -> Reconciliation:
    backend.refresh(doc_type)
    model = MODELS[doc_type]
    with session_factory() as db:
        db_ids = set(db.scalars(select(model.id)))
    indexed = set(backend.versions(doc_type))
    return Reconciliation(doc_type.value, len(db_ids), len(indexed), sorted(db_ids - indexed)[:50],
                          sorted(indexed - db_ids)[:50])


def rebuild(session_factory: sessionmaker, backend: SearchBackend, embedder, doc_type: DocType, *,
            batch: int = 256, progress: bool = True) -> Reconciliation:
    model = MODELS[doc_type]
    started = utcnow()
    with session_factory() as db:
        # From now until the swap, any indexer (the web app's, in its own process) keeps the entries it drains
        # into the index being replaced, so that those changes -- a deletion, a patent's or an organisation's
        # edit, which leave the listing's updated_at alone -- are replayed below.
        db.execute(delete(SearchRebuild).where(SearchRebuild.doc_type == doc_type.value))
        db.add(SearchRebuild(doc_type=doc_type.value, started_at=started))
        db.commit()
        # Outbox entries visible now were committed with their changes, which the build reads: covered.
        covered = set(db.scalars(select(OutboxEntry.id).where(OutboxEntry.doc_type == doc_type.value)))
        ids = list(db.scalars(select(model.id).order_by(model.id)))

    def loaded():  # on the pipeline's builder thread, with its own session
        with session_factory() as db:
            for i in range(0, len(ids), batch):
                yield load_documents(db, doc_type, ids[i:i + batch])
                db.expunge_all()

    def batches():
        with session_factory() as db, tqdm(total=len(ids), desc=f"reindex {doc_type.value}", unit="doc",
                                            disable=not progress) as bar:
            def encode(docs):
                vectors = embed_documents(embedder, db, docs)
                db.commit()  # keep the embedding cache rows
                bar.update(len(docs))
                return vectors

            yield from pipeline.encoded(loaded(), encode)

    try:
        backend.rebuild(doc_type, batches(), embedder.dims)
    except BaseException:  # the old index stays live and has every drained change: nothing to replay
        _end(session_factory, doc_type, drop_kept=True)
        raise
    # Changes committed while building went to the old index (or are still queued): replay them. Entries
    # that were already queued when the build began are covered by it and go (the indexer would only write
    # the same documents again, e.g. every seeded offer right after `python -m ipplatform.seed`); entries
    # the indexer drained meanwhile (kept for this) are replayed here and go too.
    _end(session_factory, doc_type)  # waits for a drain that saw the marker to commit (indexer.rebuilding)
    with session_factory() as db:
        changed = set(db.scalars(select(model.id).where(model.updated_at >= started)))
        queued = db.execute(select(OutboxEntry.id, OutboxEntry.doc_id, OutboxEntry.drained_at)
                            .where(OutboxEntry.doc_type == doc_type.value)).all()
        changed.update(doc_id for entry_id, doc_id, _ in queued if entry_id not in covered)
        done = sorted(covered | {entry_id for entry_id, _, drained in queued if drained is not None})
        for i in range(0, len(done), 900):
            db.execute(delete(OutboxEntry).where(OutboxEntry.id.in_(done[i:i + 900])))
        db.commit()
    replay = sorted(changed)
    if replay:
        indexer = Indexer(session_factory, backend, lambda: embedder)
        with session_factory() as db:
            indexer.sync(db, doc_type, replay)
            db.commit()
    # Merged for reading, overwritten documents purged (queries keep answering meanwhile). The index is
    # complete without it, so a merge that fails or times out is reported, not fatal.
    try:
        backend.optimize(doc_type)
    except Exception as exc:  # noqa: BLE001  (BackendUnavailable, a timeout, an engine error)
        log.warning("reindex %s: the merge did not finish (%s); the index is complete, merge it later",
                    doc_type.value, exc)
    return reconcile(session_factory, backend, doc_type)


def _end(session_factory: sessionmaker, doc_type: DocType, *, drop_kept: bool = False) -> None:
    """Remove the rebuild marker; with ``drop_kept``, also the entries kept for the replay (a failed build)."""
    with session_factory() as db:
        db.execute(delete(SearchRebuild).where(SearchRebuild.doc_type == doc_type.value))
        if drop_kept:
            db.execute(delete(OutboxEntry).where(OutboxEntry.doc_type == doc_type.value,
                                                 OutboxEntry.drained_at.is_not(None)))
        db.commit()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--type", choices=["offer", "demand", "all"], default="all")
    parser.add_argument("--batch", type=int, default=256)
    args = parser.parse_args(argv)
    import ipplatform.models  # noqa: F401  (every mapper)
    from ipplatform.database import default_engine
    from ipplatform.hooks import hooked_session_factory
    from ipplatform.search.backends import make_backend
    from ipplatform.search.embeddings import get_embedder

    factory = hooked_session_factory(default_engine())
    backend = make_backend()
    embedder = get_embedder()
    ok = True
    for doc_type in ([DocType(args.type)] if args.type != "all" else list(DocType)):
        result = rebuild(factory, backend, embedder, doc_type, batch=args.batch)
        print(f"reindex {result.doc_type}: database {result.database}, index {result.index}, "
              f"missing {result.missing or 0}, extra {result.extra or 0} -> {'OK' if result.ok else 'MISMATCH'}")
        ok &= result.ok
    backend.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
