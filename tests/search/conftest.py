from __future__ import annotations

import shutil
import uuid
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from ipplatform.database import make_engine
from ipplatform.main import create_app
from ipplatform.search.backends.elasticsearch import ElasticsearchBackend
from ipplatform.search.backends.embedded import EmbeddedBackend
from ipplatform.search.documents import DocType
from tests.search import corpus


def drain(app, backend):
    """Index everything the outbox holds, failing the test on any indexing error, and make it searchable."""
    result = app.state.indexer.drain(ignore_backoff=True)
    assert result.failed == 0, result.error
    for t in DocType:
        backend.refresh(t)
    return result


@dataclass
class SearchEnv:
    name: str
    app: object
    client: TestClient
    backend: object
    orgs: dict

    def drain(self):
        return drain(self.app, self.backend)

    def search(self, kind="offers", **params):
        resp = self.client.get(f"/api/search/{kind}", params=params)
        assert resp.status_code == 200, resp.text
        return resp.json()


def make_backend(name: str, request, tmp_dir):
    if name == "embedded":
        return EmbeddedBackend(tmp_dir / "search.sqlite3")
    es_url = request.getfixturevalue("es_url")
    return ElasticsearchBackend(es_url, prefix=f"test-{uuid.uuid4().hex[:8]}")


def drop(backend) -> None:
    for t in DocType:
        backend.drop(t)
    backend.close()


@contextmanager
def corpus_app(backend, template, tmp_dir, embedder, setup=None):
    """An app (no lifespan entered) on a copy of the migrated SQLite ``template`` holding the corpus of
    tests/search/corpus.py, fully indexed in ``backend``. ``setup(db, orgs)`` adds records in the same
    transaction; yields ``(app, org ids by corpus key, what setup returned)``. Drops the index afterwards."""
    shutil.copy(template, tmp_dir / "db.sqlite3")
    engine = make_engine(f"sqlite:///{tmp_dir / 'db.sqlite3'}")
    app = create_app(engine, search_backend=backend, embedder_provider=lambda: embedder, start_indexer=False)
    try:
        with app.state.session_factory.begin() as db:
            orgs = corpus.build(db)
            extra = setup(db, orgs) if setup else None
            org_ids = {k: v.id for k, v in orgs.items()}
        drain(app, backend)
        yield app, org_ids, extra
    finally:
        drop(backend)
        engine.dispose()


@pytest.fixture(scope="module", params=["embedded", "elasticsearch"])
def search_env(request, _sqlite_template, tmp_path_factory, embedder):
    tmp = tmp_path_factory.mktemp(f"search-{request.param}")
    backend = make_backend(request.param, request, tmp)
    with corpus_app(backend, _sqlite_template, tmp, embedder) as (app, orgs, _), TestClient(app) as client:
        yield SearchEnv(request.param, app, client, backend, orgs)
