"""A commit that fails half-way (the database refuses a write in the second chunk, after the first chunk was
flushed) leaves the database and the search index exactly as before: no patent, history deal, audit record
or outbox entry of the file, and nothing for the indexer, on both databases with the real Elasticsearch node.
The fault is injected (a database refusing a write mid-transaction cannot otherwise be caused on demand)."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from ipplatform.audit.models import AuditRecord
from ipplatform.auth.enums import Role
from ipplatform.imports import engine
from ipplatform.imports.patents import PatentImport
from ipplatform.main import create_app
from ipplatform.offers.models import Offer
from ipplatform.organisations.enums import OrgKind
from ipplatform.outcomes.models import Deal
from ipplatform.patents.models import Patent
from ipplatform.search.backends.elasticsearch import ElasticsearchBackend
from ipplatform.search.documents import DocType
from ipplatform.search.models import OutboxEntry
from tests import factories as f
from tests.imports.files import EXPORT_HEADER, export_row, write_csv


@pytest.fixture
def es_app(db_engine, es_url, embedder):
    backend = ElasticsearchBackend(es_url, prefix=f"test-{uuid.uuid4().hex[:8]}")
    app = create_app(db_engine, search_backend=backend, embedder_provider=lambda: embedder, start_indexer=False)
    yield app, backend
    for t in DocType:
        backend.drop(t)
    backend.close()


def _snapshot(db) -> dict:
    db.expire_all()
    patents = [(p.application_number, p.title, p.legal_status.value, p.ipc_codes) for p in
               db.scalars(select(Patent).order_by(Patent.application_number))]
    counts = {m.__name__: db.scalar(select(func.count()).select_from(m)) for m in (Deal, AuditRecord, OutboxEntry)}
    db.rollback()
    return {"patents": patents, **counts}


def test_a_failed_commit_leaves_database_and_index_unchanged(es_app, tmp_path, monkeypatch):
    app, backend = es_app
    factory = app.state.session_factory
    with factory.begin() as db:
        univ = f.org(db, OrgKind.UNIVERSITY, name="淮上理工大学（测试）")
        member = f.auth(f.user(db, univ, Role.UNIVERSITY_MEMBER))
    first = [export_row(i, univ.name) for i in range(1, 4)]
    with TestClient(app) as client:
        resp = client.post("/api/imports/patents", headers=member, data={"dry_run": "false"},
                           files={"file": ("p.csv", write_csv(tmp_path / "p.csv", first, header=EXPORT_HEADER).read_bytes())})
        assert client.get(f"/api/imports/jobs/{resp.json()['id']}", headers=member).json()["committed"]
        with factory.begin() as db:
            patent = db.scalar(select(Patent).where(Patent.application_number == first[0]["申请号"]))
            f.offer(db, db.merge(univ), [patent], title="茶叶杀青装置转让")
        assert app.state.indexer.drain(ignore_backoff=True).failed == 0
        backend.refresh(DocType.OFFER)
        before = _snapshot(factory())
        def search(status: str):
            found = client.get("/api/search/offers", params={"q": "茶叶杀青", "mode": "keyword", "legal_status": status})
            return [(h["id"], h["title"]) for h in found.json()["hits"]]

        assert search("valid") == [(patent_offer_id(factory), "茶叶杀青装置转让")] and search("lapsed") == []

        # the file: the offer's patent lapses (an outbox entry for its document), new patents with history
        rows = [export_row(1, univ.name, 法律状态="无权-未缴年费")]
        rows += [export_row(i, univ.name, 专利转移次数="1", 转让日期="20220301") for i in range(10, 16)]
        calls = {"n": 0}
        original = PatentImport.apply

        def failing_apply(self, ctx, record, existing, outcome):
            calls["n"] += 1
            if calls["n"] == 5:  # in the second chunk: the first chunk is already flushed
                raise OperationalError("INSERT INTO patent", {}, Exception("disk I/O error"))
            return original(self, ctx, record, existing, outcome)

        monkeypatch.setattr(engine, "CHUNK", 3)
        monkeypatch.setattr(PatentImport, "apply", failing_apply)
        resp = client.post("/api/imports/patents", headers=member, data={"dry_run": "false"},
                           files={"file": ("p2.csv", write_csv(tmp_path / "p2.csv", rows, header=EXPORT_HEADER).read_bytes())})
        job = client.get(f"/api/imports/jobs/{resp.json()['id']}", headers=member).json()
        assert calls["n"] == 5 and job["status"] == "failed" and not job["committed"]
        assert "未作任何修改" in job["error_zh"]

        assert _snapshot(factory()) == before  # the database: every table as it was
        drained = app.state.indexer.drain(ignore_backoff=True)
        assert (drained.entries, drained.indexed) == (0, 0)  # nothing for the search index
        backend.refresh(DocType.OFFER)
        assert search("valid") == [(patent_offer_id(factory), "茶叶杀青装置转让")] and search("lapsed") == []


def patent_offer_id(factory) -> int:
    with factory() as db:
        return db.scalar(select(Offer.id))
