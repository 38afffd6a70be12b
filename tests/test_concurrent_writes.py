"""Concurrent writes: no request fails with a 5xx, every answered update is stored, and a database that
stays busy is a bilingual 503 with ``Retry-After`` (nothing changed), never a 500 or a lost update.

Runs on the SQLite file (WAL, busy timeout) and on PostgreSQL. Another writer holding the lock for a few
seconds stands for the search indexer or the matcher, whose transactions can last that long.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from contextlib import contextmanager

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select, text

from ipplatform import database
from ipplatform.audit.models import AuditRecord
from ipplatform.auth.enums import Role
from ipplatform.dependencies import DbSession
from ipplatform.main import create_app
from ipplatform.patents.models import Patent
from ipplatform.search.backends.embedded import EmbeddedBackend
from tests import factories as f

THREADS = 8
PATCHES = 10


@contextmanager
def lock_held(engine, patent_ids: list[int], seconds: float):
    """Another connection holds the write lock (SQLite) or the patents' row locks (PostgreSQL) for
    ``seconds`` from entry (released in a background thread)."""
    acquired, done = threading.Event(), threading.Event()

    def hold() -> None:
        if engine.dialect.name == "sqlite":
            conn = sqlite3.connect(engine.url.database, isolation_level=None)
            conn.execute("BEGIN IMMEDIATE")
            acquired.set()
            time.sleep(seconds)
            conn.execute("COMMIT")
            conn.close()
        else:
            with engine.connect() as conn:
                conn.execute(text("SELECT id FROM patent WHERE id = ANY(:ids) FOR UPDATE"), {"ids": patent_ids})
                acquired.set()
                time.sleep(seconds)
                conn.commit()
        done.set()

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    assert acquired.wait(10), "the lock holder did not start"
    try:
        yield
    finally:
        thread.join(seconds + 10)
        assert done.is_set()


@pytest.fixture
def member_patents(db):
    with db.begin():
        org = f.org(db)
        member = f.user(db, org, Role.ENTERPRISE_MEMBER)
        patent_ids = [f.patent(db, org).id for _ in range(THREADS)]
    return member, patent_ids


def _update_count(db, patent_id: int) -> int:
    return db.scalar(select(func.count()).select_from(AuditRecord).where(
        AuditRecord.entity_type == "patent", AuditRecord.entity_id == patent_id, AuditRecord.action == "update"))


def test_concurrent_patches_all_succeed_and_are_stored(app, db, db_engine, serve, member_patents):
    """8 clients x 10 PATCHes at once against uvicorn, while another writer holds the lock for 6 s
    (longer than sqlite3's default 5 s timeout)."""
    member, patent_ids = member_patents
    headers = [f.auth(member) for _ in range(THREADS)]  # a login per client
    statuses: list[list[int]] = [[] for _ in range(THREADS)]
    start = threading.Barrier(THREADS)

    def client(n: int, base: str) -> None:
        with httpx.Client(base_url=base, headers=headers[n], timeout=60) as http:
            start.wait()
            for i in range(PATCHES):
                resp = http.patch(f"/api/patents/{patent_ids[n]}",
                                  json={"title": f"并发修改第{n}组第{i}次", "abstract": f"摘要 {n}-{i}"})
                statuses[n].append(resp.status_code)

    with serve(app) as base, lock_held(db_engine, patent_ids, 6):
        threads = [threading.Thread(target=client, args=(n, base)) for n in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    flat = [s for per in statuses for s in per]
    assert len(flat) == THREADS * PATCHES, statuses
    assert [s for s in flat if s >= 500] == [], statuses
    assert set(flat) == {200}, statuses
    db.expire_all()
    for n, pid in enumerate(patent_ids):
        assert db.get(Patent, pid).title == f"并发修改第{n}组第{PATCHES - 1}次"
        assert _update_count(db, pid) == PATCHES, pid


@pytest.fixture
def impatient_app(db_engine, tmp_path, monkeypatch):
    """The app on the test database with a 1 s lock wait (SQLite busy timeout, PostgreSQL lock_timeout)."""
    monkeypatch.setattr(database, "SQLITE_BUSY_TIMEOUT_S", 1, raising=False)
    engine = database.make_engine(db_engine.url.render_as_string(hide_password=False))
    if engine.dialect.name == "postgresql":
        @event.listens_for(engine, "connect")
        def _lock_timeout(dbapi_conn, _record):
            with dbapi_conn.cursor() as cur:
                cur.execute("SET lock_timeout = '1s'")
            dbapi_conn.commit()
    app = create_app(engine, search_backend=EmbeddedBackend(tmp_path / "impatient.sqlite3"), start_indexer=False)

    @app.post("/api/test-unflushed/{patent_id}")
    def unflushed_change(patent_id: int, db: DbSession):
        """Changes a patent without flushing: the write happens at commit, after the endpoint returned."""
        db.get(Patent, patent_id).title = "未提交的修改"
        return {"ok": True}

    yield app
    engine.dispose()


def _assert_busy(resp) -> None:
    assert resp.status_code == 503, resp.text
    assert int(resp.headers["Retry-After"]) >= 1
    body = resp.json()
    assert body["code"] == "busy" and body["message"] and "稍后重试" in body["message_zh"]


def test_busy_database_is_a_503_with_retry_after(impatient_app, db, db_engine, member_patents):
    member, patent_ids = member_patents
    pid = patent_ids[0]
    with db.begin():
        before = db.get(Patent, pid).title
    headers = f.auth(member)  # the login is written before the lock is taken
    with TestClient(impatient_app) as client, lock_held(db_engine, [pid], 4):
        # the write in the endpoint (flush) waits 1 s, then gives up
        _assert_busy(client.patch(f"/api/patents/{pid}", headers=headers, json={"title": "锁等待中的修改"}))
        # the write at commit, after the endpoint returned 200: still answered 503, not 200
        _assert_busy(client.post(f"/api/test-unflushed/{pid}"))
    db.expire_all()
    assert db.get(Patent, pid).title == before
    assert _update_count(db, pid) == 0
