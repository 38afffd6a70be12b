from __future__ import annotations

import shutil
import uuid
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from ipplatform.database import make_engine
from ipplatform.main import create_app
from ipplatform.search.backends.elasticsearch import ElasticsearchBackend
from ipplatform.search.backends.embedded import EmbeddedBackend
from ipplatform.search.documents import DocType
from tests.search import corpus


@dataclass
class SearchEnv:
    name: str
    app: object
    client: TestClient
    backend: object
    orgs: dict

    def drain(self):
        result = self.app.state.indexer.drain(ignore_backoff=True)
        assert result.failed == 0, result.error
        for t in DocType:
            self.backend.refresh(t)
        return result

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


@pytest.fixture(scope="module", params=["embedded", "elasticsearch"])
def search_env(request, _sqlite_template, tmp_path_factory, embedder):
    tmp = tmp_path_factory.mktemp(f"search-{request.param}")
    shutil.copy(_sqlite_template, tmp / "db.sqlite3")
    engine = make_engine(f"sqlite:///{tmp / 'db.sqlite3'}")
    backend = make_backend(request.param, request, tmp)
    app = create_app(engine, search_backend=backend, embedder_provider=lambda: embedder, start_indexer=False)
    with app.state.session_factory.begin() as db:
        orgs = corpus.build(db)
        orgs = {k: v.id for k, v in orgs.items()}
    with TestClient(app) as client:
        env = SearchEnv(request.param, app, client, backend, orgs)
        env.drain()
        yield env
    drop(backend)
    engine.dispose()
