"""The index follows the database without loss: outbox in the same transaction, idempotent and
versioned writes, retries when the engine is down, zero-downtime rebuilds."""

from __future__ import annotations

import threading
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from ipplatform.auth.enums import Role
from ipplatform.main import create_app
from ipplatform.offers.models import Offer
from ipplatform.organisations.enums import OrgKind
from ipplatform.search import reindex
from ipplatform.search.documents import DocType
from ipplatform.search.embeddings import EmbeddingModelMissing, Embedder, resolve_model_path
from ipplatform.search.models import OutboxEntry, SearchRebuild
from tests import factories as f
from tests.conftest import ENGINE_HOME, ENGINE_PORT, engine_script
from tests.search.conftest import drop, make_backend


@pytest.fixture(params=["embedded", "elasticsearch"])
def env(request, db_engine, tmp_path, embedder):
    """A fresh app on SQLite and PostgreSQL (db_engine) × both backends."""
    backend = make_backend(request.param, request, tmp_path)
    app = create_app(db_engine, search_backend=backend, embedder_provider=lambda: embedder, start_indexer=False)
    with app.state.session_factory.begin() as db:
        org = f.org(db, OrgKind.UNIVERSITY)
        member = f.user(db, org, Role.UNIVERSITY_MEMBER)
        patents = [f.patent(db, org, title=f"一种储能电池热管理装置{i}", ipc=["H01M 10/613"]) for i in range(3)]
    with TestClient(app) as client:
        yield app, client, backend, f.auth(member), [p.id for p in patents]
    drop(backend)


def _search(client, q):
    resp = client.get("/api/search/offers", params={"q": q, "mode": "keyword", "page_size": 50})
    assert resp.status_code == 200, resp.text
    return {h["id"]: h for h in resp.json()["hits"]}


def _reconcile(app, backend):
    result = reindex.reconcile(app.state.session_factory, backend, DocType.OFFER)
    return result


def test_publish_update_withdraw_follow_the_database(env):
    app, client, backend, headers, patent_ids = env
    resp = client.post("/api/offers", headers=headers, json={
        "title": "储能电池热管理技术转让", "patent_ids": patent_ids[:1], "modes": ["transfer"], "publish": True})
    offer_id = resp.json()["id"]
    with app.state.session_factory() as db:  # the outbox row was written with the offer
        assert db.scalar(select(func.count()).select_from(OutboxEntry).where(OutboxEntry.doc_id == offer_id)) >= 1
    assert offer_id not in _search(client, "储能")  # not yet drained
    app.state.indexer.drain()
    backend.refresh(DocType.OFFER)
    assert offer_id in _search(client, "储能")

    client.patch(f"/api/offers/{offer_id}", headers=headers, json={"title": "液冷散热技术许可"})
    app.state.indexer.drain()
    backend.refresh(DocType.OFFER)
    assert offer_id not in _search(client, "转让")  # only the old title had it
    assert "<em>液冷</em>" in _search(client, "液冷")[offer_id]["title_html"]

    client.post(f"/api/offers/{offer_id}/withdraw", headers=headers)
    app.state.indexer.drain()
    backend.refresh(DocType.OFFER)
    assert offer_id not in _search(client, "液冷")
    assert _reconcile(app, backend).ok
    with app.state.session_factory() as db:
        assert db.scalar(select(func.count()).select_from(OutboxEntry)) == 0


def test_patent_and_organisation_changes_reach_their_offers(env):
    app, client, backend, headers, patent_ids = env
    offer_id = client.post("/api/offers", headers=headers, json={
        "title": "电池技术转让", "patent_ids": patent_ids[:1], "modes": ["transfer"], "publish": True}).json()["id"]
    app.state.indexer.drain()
    client.patch(f"/api/patents/{patent_ids[0]}", headers=headers, json={"ipc_codes": ["H01M 10/613", "F28D 15/02"]})
    app.state.indexer.drain()
    backend.refresh(DocType.OFFER)
    resp = client.get("/api/search/offers", params={"ipc": "F28D"}).json()
    assert [h["id"] for h in resp["hits"]] == [offer_id]


def test_older_snapshot_never_overwrites_newer(env, embedder):
    app, client, backend, headers, patent_ids = env
    offer_id = client.post("/api/offers", headers=headers, json={
        "title": "储能电池热管理技术转让", "patent_ids": patent_ids[:1], "modes": ["transfer"], "publish": True}).json()["id"]
    from ipplatform.search.indexer import load_documents

    with app.state.session_factory() as db:
        old = load_documents(db, DocType.OFFER, [offer_id])[0]
    client.patch(f"/api/offers/{offer_id}", headers=headers, json={"title": "液冷散热技术许可"})
    app.state.indexer.drain()
    vec = embedder.encode_documents([old["embed_text"]])
    assert backend.upsert(DocType.OFFER, [old], vec) == 0  # stale: refused
    backend.refresh(DocType.OFFER)
    assert offer_id in _search(client, "液冷") and offer_id not in _search(client, "转让")
    # Draining the same entries again is harmless (idempotent).
    with app.state.session_factory.begin() as db:
        db.add(OutboxEntry(doc_type="offer", doc_id=offer_id))
    assert app.state.indexer.drain().failed == 0
    assert backend.count(DocType.OFFER) == 1


def test_unchanged_text_is_not_encoded_again(env, embedder):
    app, client, backend, headers, patent_ids = env
    offer_id = client.post("/api/offers", headers=headers, json={
        "title": "一段只出现一次的储能标题甲乙丙", "patent_ids": patent_ids[:1], "modes": ["transfer"],
        "publish": True}).json()["id"]
    app.state.indexer.drain()
    before = embedder.encoded
    client.post(f"/api/offers/{offer_id}/withdraw", headers=headers)  # status changes, text does not
    app.state.indexer.drain()
    assert embedder.encoded == before


def test_missing_model_error_names_the_fix():
    with pytest.raises(EmbeddingModelMissing) as exc:
        resolve_model_path("no-such-model")
    assert "IPP_EMBEDDING_MODEL" in str(exc.value) or "bundled" in str(exc.value)
    with pytest.raises(EmbeddingModelMissing) as exc:
        Embedder("/nonexistent/model/folder")
    assert "/nonexistent/model/folder" in str(exc.value)


def test_rebuild_swaps_while_queries_keep_answering(env, embedder):
    app, client, backend, headers, patent_ids = env
    for i, pid in enumerate(patent_ids):
        client.post("/api/offers", headers=headers, json={
            "title": f"储能电池技术{i}", "patent_ids": [pid], "modes": ["transfer"], "publish": True})
    app.state.indexer.drain()
    backend.refresh(DocType.OFFER)
    statuses, totals, stop = [], [], threading.Event()

    def query_loop():
        while not stop.is_set():
            resp = client.get("/api/search/offers", params={"q": "储能", "mode": "hybrid"})
            statuses.append(resp.status_code)
            totals.append(resp.json().get("total"))

    thread = threading.Thread(target=query_loop)
    thread.start()
    time.sleep(0.2)
    old_indices = _physical(backend)
    result = reindex.rebuild(app.state.session_factory, backend, embedder, DocType.OFFER, progress=False)
    time.sleep(0.2)
    stop.set()
    thread.join()
    assert result.ok and result.database == 3
    assert statuses and set(statuses) == {200}
    assert set(totals) == {3}, "every query during the rebuild saw the full index"
    assert _physical(backend) != old_indices


def _physical(backend):
    if backend.name == "elasticsearch":
        return sorted(backend.es.indices.get_alias(name=backend.alias(DocType.OFFER)))
    return id(backend._tables.get(DocType.OFFER))


@pytest.fixture
def es_only_env(request, sqlite_engine, tmp_path, embedder, es_url):
    backend = make_backend("elasticsearch", request, tmp_path)
    app = create_app(sqlite_engine, search_backend=backend, embedder_provider=lambda: embedder, start_indexer=False)
    with TestClient(app) as client:
        yield app, client, backend
    drop(backend)


def test_engine_down_publishing_succeeds_and_backlog_drains(es_only_env):
    app, client, backend = es_only_env
    with app.state.session_factory.begin() as db:
        org = f.org(db, OrgKind.UNIVERSITY)
        headers = f.auth(f.user(db, org, Role.UNIVERSITY_MEMBER))
        patents = [f.patent(db, org, title=f"一种茶叶杀青机{i}", ipc=["A23F 3/06"]) for i in range(200)]
    backend.ensure(DocType.OFFER)
    engine_script.stop(ENGINE_HOME)
    try:
        for i, p in enumerate(patents):
            resp = client.post("/api/offers", headers=headers, json={
                "title": f"茶叶杀青技术{i}", "patent_ids": [p.id], "modes": ["transfer"], "publish": True})
            assert resp.status_code == 201, resp.text  # the publisher sees no error
        result = app.state.indexer.drain()
        assert result.failed > 0 and result.indexed == 0
        search = client.get("/api/search/offers", params={"q": "茶叶"})
        assert search.status_code == 503 and search.json()["message_zh"].startswith("检索服务暂时不可用")
        with app.state.session_factory() as db:
            assert db.scalar(select(func.count()).select_from(OutboxEntry)) >= 200
            assert db.scalar(select(func.min(OutboxEntry.attempts))) >= 1
    finally:
        engine_script.start(ENGINE_PORT, ENGINE_HOME)
    assert app.state.indexer.drain(ignore_backoff=True).failed == 0
    result = reindex.reconcile(app.state.session_factory, backend, DocType.OFFER)
    assert result.ok and result.database == result.index == 200
    with app.state.session_factory() as db:
        assert db.scalar(select(func.count()).select_from(OutboxEntry)) == 0
        versions = backend.versions(DocType.OFFER)
        assert set(versions) == set(db.scalars(select(Offer.id)))
    assert client.get("/api/search/offers", params={"q": "茶叶", "mode": "keyword"}).json()["total"] == 200


def _segments(backend) -> int:
    """How many pieces the offer index is in: Lucene segments, or FTS5 segments of the embedded index."""
    if backend.name == "elasticsearch":
        rows = backend.es.cat.segments(index=backend.alias(DocType.OFFER), format="json")
        return len({(r["index"], r["segment"]) for r in rows})
    with backend._lock:
        return backend._conn.execute("SELECT count(DISTINCT segid) FROM offer_fts_idx").fetchone()[0]


def test_reindex_merges_the_index_and_results_stay_the_same(env, embedder):
    app, client, backend, headers, patent_ids = env
    for i, pid in enumerate(patent_ids):  # three writes, each made visible: three segments
        client.post("/api/offers", headers=headers, json={
            "title": f"储能电池技术{i}", "patent_ids": [pid], "modes": ["transfer"], "publish": True})
        app.state.indexer.drain()
        backend.refresh(DocType.OFFER)
    assert _segments(backend) == 3

    def answers():  # everything but the timings
        return [{k: v for k, v in client.get("/api/search/offers", params={"q": q, "mode": mode}).json().items()
                 if k not in ("took_ms", "timings")}
                for q in ("储能", "电池热管理") for mode in ("keyword", "semantic", "hybrid")]

    before = answers()
    backend.optimize(DocType.OFFER)
    assert _segments(backend) == 1
    assert answers() == before
    result = reindex.rebuild(app.state.session_factory, backend, embedder, DocType.OFFER, progress=False)
    assert result.ok and _segments(backend) == 1
    assert [[h["id"] for h in a["hits"]] for a in answers()] == [[h["id"] for h in a["hits"]] for a in before]


class _EditDuringBuild:
    """The real encoder; while the build encodes its first batch, ``edit`` commits a change through the API
    (as a user would while an operator reindexes)."""

    def __init__(self, embedder, edit):
        self._embedder, self._edit = embedder, edit
        self.dims = embedder.dims

    def encode_documents(self, texts, db=None, **kw):
        if self._edit is not None:
            edit, self._edit = self._edit, None
            edit()
        return self._embedder.encode_documents(texts, db=db, **kw)

    def __getattr__(self, name):
        return getattr(self._embedder, name)


def test_reindex_replays_changes_made_during_the_build_and_not_what_it_already_covers(env, embedder):
    app, client, backend, headers, patent_ids = env
    made = [client.post("/api/offers", headers=headers, json={
        "title": f"储能电池技术{i}", "patent_ids": [pid], "modes": ["transfer"], "publish": True}).json()["id"]
        for i, pid in enumerate(patent_ids)]  # queued, never drained (as right after a seed)
    written = []
    upsert = backend.upsert

    def counting_upsert(doc_type, docs, vectors):  # the real write, counted
        written.extend(d["id"] for d in docs)
        return upsert(doc_type, docs, vectors)

    backend.upsert = counting_upsert

    def edit():
        resp = client.patch(f"/api/offers/{made[1]}", headers=headers, json={"title": "液冷储能电池热管理系统"})
        assert resp.status_code == 200, resp.text

    try:
        result = reindex.rebuild(app.state.session_factory, backend, _EditDuringBuild(embedder, edit), DocType.OFFER,
                                 progress=False)
    finally:
        backend.upsert = upsert
    assert result.ok and result.database == 3
    assert written == [made[1]], "only the offer changed during the build is written again"
    assert "液冷储能电池热管理系统" in [h["title"] for h in _search(client, "液冷").values()]
    with app.state.session_factory() as db:  # the covered entries are gone; the edit's entry stays for the indexer
        assert list(db.scalars(select(OutboxEntry.doc_id))) == [made[1]]


def test_reindex_replays_what_the_live_indexer_drained_into_the_old_index(env, embedder):
    """A patent's edit and a deletion leave no trace in the listings' updated_at: when the web app's indexer
    drains them while a rebuild runs, they reach the index being replaced, and the rebuild replays them."""
    app, client, backend, headers, patent_ids = env
    made = [client.post("/api/offers", headers=headers, json={
        "title": f"储能电池技术{i}", "patent_ids": [pid], "modes": ["transfer"], "publish": True}).json()["id"]
        for i, pid in enumerate(patent_ids)]
    app.state.indexer.drain()

    def edit():  # the build has read every offer; the app changes two of them and drains at once
        resp = client.patch(f"/api/patents/{patent_ids[0]}", headers=headers, json={"title": "一种钠离子电池正极材料"})
        assert resp.status_code == 200, resp.text
        with app.state.session_factory.begin() as db:
            db.delete(db.get(Offer, made[2]))
        drained = app.state.indexer.drain()
        assert drained.indexed == 1 and drained.deleted == 1 and drained.failed == 0
        with app.state.session_factory() as db:  # kept for the rebuild, not drained again
            assert db.scalar(select(func.count()).select_from(OutboxEntry)
                             .where(OutboxEntry.drained_at.is_not(None))) == 2
        assert app.state.indexer.drain().entries == 0

    result = reindex.rebuild(app.state.session_factory, backend, _EditDuringBuild(embedder, edit), DocType.OFFER,
                             progress=False)
    assert result.ok and result.database == 2 and result.index == 2
    backend.refresh(DocType.OFFER)
    assert list(_search(client, "钠离子")) == [made[0]]
    assert made[2] not in _search(client, "储能")
    with app.state.session_factory() as db:  # the kept entries went with the replay, and so did the marker
        assert db.scalar(select(func.count()).select_from(OutboxEntry)) == 0
        assert db.scalar(select(func.count()).select_from(SearchRebuild)) == 0
    with app.state.session_factory.begin() as db:  # after the rebuild the indexer deletes what it drains again
        db.get(Offer, made[0]).title = "钠离子电池技术"
    assert app.state.indexer.drain().indexed == 1
    with app.state.session_factory() as db:
        assert db.scalar(select(func.count()).select_from(OutboxEntry)) == 0


def test_a_failed_rebuild_leaves_no_marker_and_drops_what_it_kept(env, embedder):
    app, client, backend, headers, patent_ids = env
    offer_id = client.post("/api/offers", headers=headers, json={
        "title": "储能电池技术", "patent_ids": patent_ids[:1], "modes": ["transfer"], "publish": True}).json()["id"]
    app.state.indexer.drain()

    class Failing(_EditDuringBuild):
        def encode_documents(self, texts, db=None, **kw):
            super().encode_documents(texts, db=db, **kw)
            raise RuntimeError("encoder crashed")

    def edit():
        client.patch(f"/api/patents/{patent_ids[0]}", headers=headers, json={"title": "一种钠离子电池正极材料"})
        assert app.state.indexer.drain().indexed == 1  # into the live index, which stays

    with pytest.raises(RuntimeError, match="encoder crashed"):
        reindex.rebuild(app.state.session_factory, backend, Failing(embedder, edit), DocType.OFFER, progress=False)
    backend.refresh(DocType.OFFER)
    assert list(_search(client, "钠离子")) == [offer_id]
    with app.state.session_factory() as db:
        assert db.scalar(select(func.count()).select_from(OutboxEntry)) == 0
        assert db.scalar(select(func.count()).select_from(SearchRebuild)) == 0


def test_a_stale_rebuild_marker_is_ignored_and_cleared(env):
    """A reindex that died leaves its marker: after a day the indexer drops it and what it kept."""
    app, client, backend, headers, patent_ids = env
    from datetime import timedelta
    from ipplatform.database import utcnow
    with app.state.session_factory.begin() as db:
        db.add(SearchRebuild(doc_type=DocType.OFFER.value, started_at=utcnow() - timedelta(hours=25)))
    client.post("/api/offers", headers=headers, json={
        "title": "储能电池技术", "patent_ids": patent_ids[:1], "modes": ["transfer"], "publish": True})
    assert app.state.indexer.drain().indexed == 1
    with app.state.session_factory() as db:
        assert db.scalar(select(func.count()).select_from(OutboxEntry)) == 0
        assert db.scalar(select(func.count()).select_from(SearchRebuild)) == 0
