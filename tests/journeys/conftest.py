"""Browser journeys: each role's whole job done through the Chinese pages only (no API call in a test), in a
real headless Chromium, on the seeded demo site (SQLite + the embedded search backend, as ``scripts/run.sh``).

Fixtures:
- ``demo_site``: one seeded, indexed and matched demo site per test module, served by uvicorn
  (``demo_site.url``; ``demo_site.app``, ``demo_site.factory`` for checks on the database afterwards).
  The demo logins of README.md work (password ``demo-pass-2026``).
- ``shoot(name)``: a full-page screenshot of the current page, under ``.data/screenshots/<test>/``.
- ``assert_clean(page)``: the rendered page shows no internal field name (``budget_max``,
  ``preferred_ipc.0``), no Python repr (``['CN…']``, ``None``, ``Decimal(``) and no English-only error.
  Journeys call it on every page they visit (``visit(page, url)`` does both).
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.orm import sessionmaker

from ipplatform.database import make_engine
from ipplatform.hooks import hooked_session_factory
from ipplatform.main import create_app
from ipplatform.matching.matcher import Matcher
from ipplatform.matching.run import run_all
from ipplatform.search.backends.embedded import EmbeddedBackend
from ipplatform.search.documents import DocType
from ipplatform.search.embeddings import get_embedder
from ipplatform.search.reindex import rebuild
from ipplatform.seed import seed

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / ".data" / "screenshots"
DEMO_PASSWORD = "demo-pass-2026"
DEMO_PATENTS = 150  # enough for every demo organisation to hold patents; small enough to encode in seconds


@dataclass
class DemoSite:
    url: str
    app: object
    factory: sessionmaker


@pytest.fixture(scope="module")
def demo_site(_sqlite_template, tmp_path_factory):
    from tests.conftest import _serve

    folder = tmp_path_factory.mktemp("demo")
    path = folder / "demo.sqlite3"
    shutil.copy(_sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    factory = hooked_session_factory(engine)
    with factory.begin() as db:
        seed(db, patents=DEMO_PATENTS)
    backend = EmbeddedBackend(folder / "search")
    embedder = get_embedder()
    for doc_type in DocType:
        rebuild(factory, backend, embedder, doc_type, progress=False)
    run_all(factory, Matcher(backend, get_embedder), progress=False)
    app = create_app(engine, search_backend=backend, start_indexer=True)  # pages' changes reach the index
    with _serve(app) as url:
        yield DemoSite(url, app, app.state.session_factory)
    engine.dispose()


@pytest.fixture
def shoot(page, request):
    folder = SCREENSHOTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    counter = iter(range(1, 1000))

    def take(name: str) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{next(counter):02d}-{name}.png"
        page.screenshot(path=str(target), full_page=True)
        return target

    return take


# Internal names look like snake_case words or dotted paths with an index; reprs like Python lists/values.
INTERNAL_NAME = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+(?:\.\d+)?\b|\b[a-z]+\.\d+\b")
PYTHON_REPR = re.compile(r"\['|'\]|\bNone\b|Decimal\(|datetime\.|\bTrue\b|\bFalse\b|<[a-z_.]+ object at")
ALLOWED_TEXT = {"demo_pass", "demo-pass-2026"}


def page_problems(text: str) -> list[str]:
    """What in a page's visible text betrays the code behind it."""
    problems = [f"internal name {m.group(0)!r}" for m in INTERNAL_NAME.finditer(text)
                if m.group(0) not in ALLOWED_TEXT]
    problems += [f"Python repr {m.group(0)!r}" for m in PYTHON_REPR.finditer(text)]
    return problems


def assert_clean(page) -> None:
    text = page.locator("body").inner_text()
    problems = page_problems(text)
    assert not problems, f"{page.url}: {problems[:10]}"


@pytest.fixture
def visit(page):
    """``visit(url)``: open ``url``, check it answered below 400 and reads clean (see ``assert_clean``)."""

    def go(url: str):
        resp = page.goto(url)
        assert resp is not None and resp.status < 400, f"{url}: {resp.status if resp else 'no response'}"
        assert_clean(page)
        return resp

    return go


@pytest.fixture
def sign_in(page, demo_site):
    """``sign_in(username)``: log in through the login page as a demo user."""
    from playwright.sync_api import expect

    def submit(username: str, password: str = DEMO_PASSWORD) -> None:
        page.goto(demo_site.url + "/login")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(password)
        page.get_by_role("button", name="登录").click()
        expect(page.get_by_test_id("who")).to_be_visible()

    return submit
