"""Session hooks are attached explicitly (``ipplatform.hooks``), never by importing a module: a factory
without them writes no derived row; one with them writes an audit record, a search-outbox entry and
statistics facts in the transaction of the change, in the stated order; the web app's indexer is woken
by the commit (on SQLite and PostgreSQL)."""

from __future__ import annotations

import time
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import ipplatform.models  # noqa: F401
from ipplatform.audit.listener import write_audit
from ipplatform.audit.models import AuditRecord
from ipplatform.database import session_factory
from ipplatform.hooks import hooked_session_factory, install_session_hooks
from ipplatform.main import create_app
from ipplatform.organisations.enums import OrgKind
from ipplatform.search.backends.embedded import EmbeddedBackend
from ipplatform.search.documents import DocType
from ipplatform.search.models import OutboxEntry
from ipplatform.search.outbox import write_outbox
from ipplatform.stats.listener import refresh_facts
from ipplatform.stats.models import DealFact, ListedPatentFact
from tests import factories as f

DERIVED = {"audit": AuditRecord, "outbox": OutboxEntry, "deal facts": DealFact, "listed facts": ListedPatentFact}


def _write_everything(db: Session) -> None:
    """Changes every hook reacts to: audited rows, a published offer (a search document, listed patents)
    and a recorded deal (a deal fact)."""
    univ, ent = f.org(db, OrgKind.UNIVERSITY), f.org(db, OrgKind.ENTERPRISE)
    patents = [f.patent(db, univ), f.patent(db, univ)]
    f.offer(db, univ, patents=patents, publish=True)
    f.deal(db, univ, ent, patents[:1], date(2025, 3, 1), amount=100000)
    db.flush()


def _counts(db: Session) -> dict[str, int]:
    return {name: db.scalar(select(func.count()).select_from(model)) for name, model in DERIVED.items()}


def test_a_factory_without_the_hooks_writes_no_derived_row(db_engine):
    bare = session_factory(db_engine)
    with bare.begin() as db:
        _write_everything(db)
    with bare() as db:
        assert _counts(db) == dict.fromkeys(DERIVED, 0)


def test_importing_the_models_attaches_nothing_to_the_global_session(db_engine):
    with Session(db_engine) as db:
        assert not set(db.dispatch.after_flush) & {write_audit, write_outbox, refresh_facts}


def test_a_hooked_factory_writes_all_three_in_the_transaction_of_the_change(db_engine):
    commits: list[int] = []
    factory = hooked_session_factory(db_engine, on_outbox_commit=lambda: commits.append(1))
    with factory() as db:
        db.begin()
        _write_everything(db)
        inside = _counts(db)  # before the commit, on the same transaction
        assert all(inside[name] > 0 for name in DERIVED), inside
        db.rollback()
        assert _counts(db) == dict.fromkeys(DERIVED, 0)  # rolled back with the change
        assert commits == []
    with factory.begin() as db:
        _write_everything(db)
    assert commits == [1]  # one call per commit that wrote outbox entries
    with factory() as db:
        assert _counts(db) == inside


def test_the_hooks_run_in_the_stated_order_and_once(db_engine):
    factory = hooked_session_factory(db_engine)
    with factory() as db:
        assert list(db.dispatch.after_flush) == [write_audit, write_outbox, refresh_facts]
    with pytest.raises(ValueError):
        install_session_hooks(factory)


def test_a_factory_without_the_facts_hook_writes_audit_and_outbox_only(db_engine):
    factory = hooked_session_factory(db_engine, facts=False)
    with factory.begin() as db:
        _write_everything(db)
    with factory() as db:
        counts = _counts(db)
    assert counts["audit"] > 0 and counts["outbox"] > 0
    assert counts["deal facts"] == counts["listed facts"] == 0


def test_a_commit_that_writes_the_outbox_wakes_the_apps_indexer(db_engine, tmp_path, embedder):
    backend = EmbeddedBackend(tmp_path / "search.sqlite3")
    app = create_app(db_engine, search_backend=backend, embedder_provider=lambda: embedder, start_indexer=False)
    indexer = app.state.indexer
    indexer.start(poll_seconds=600)  # without a wake-up nothing would be indexed for ten minutes
    try:
        time.sleep(0.3)  # the thread's first drain (of an empty outbox) is over
        with app.state.session_factory.begin() as db:
            org = f.org(db, OrgKind.UNIVERSITY)
            offer = f.offer(db, org, publish=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            backend.refresh(DocType.OFFER)
            if backend.count(DocType.OFFER) == 1:
                break
            time.sleep(0.05)
        assert set(backend.versions(DocType.OFFER)) == {offer.id}
    finally:
        indexer.stop()
        backend.close()
