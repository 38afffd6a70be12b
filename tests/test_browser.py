"""A real headless Chromium (Debian's) drives the pages: log in, publish an offer through the form,
correct a mistake the page reported, see the offer listed, withdraw it."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from contextlib import contextmanager

import pytest
import uvicorn
from playwright.sync_api import expect, sync_playwright

from ipplatform.auth.enums import Role
from ipplatform.main import create_app
from ipplatform.search.backends.embedded import EmbeddedBackend
from ipplatform.organisations.enums import OrgKind
from tests import factories as f

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(app):
    """Serve ``app`` with uvicorn on a free local port for the browser."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(5)


@pytest.fixture
def live_server(sqlite_engine, tmp_path):
    app = create_app(sqlite_engine, search_backend=EmbeddedBackend(tmp_path / "search.sqlite3"), start_indexer=False)
    with app.state.session_factory.begin() as db:
        org = f.org(db, OrgKind.UNIVERSITY, name="淮上理工大学（测试）")
        f.user(db, org, Role.UNIVERSITY_MEMBER, username="tto")
        f.patent(db, org, title="一种信阳毛尖杀青机")
    with serve(app) as base:
        yield base


@pytest.fixture
def page():
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("chromium not installed (apt-get install -y chromium chromium-driver)", pytrace=False)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="zh-CN")
        yield context.new_page()
        browser.close()


def test_publish_and_withdraw_offer_in_browser(live_server, page):
    page.goto(live_server + "/")
    page.get_by_test_id("login-link").click()
    page.get_by_label("用户名").fill("tto")
    page.get_by_label("密码").fill(f.PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_test_id("who")).to_contain_text("淮上理工大学（测试）")

    page.goto(live_server + "/offers/new")
    page.get_by_label("题名").fill("信阳毛尖杀青技术转让")
    page.get_by_label("一种信阳毛尖杀青机", exact=False).check()
    page.get_by_label("转让", exact=True).check()
    page.get_by_label("联系电话").fill("12345")
    page.get_by_role("button", name="立即发布").click()

    expect(page.get_by_test_id("form-errors")).to_be_visible()
    expect(page.locator('[data-field="contact_phone"]')).to_contain_text("手机号")
    expect(page.get_by_label("题名")).to_have_value("信阳毛尖杀青技术转让")  # kept

    page.get_by_label("联系电话").fill("13912345678")
    page.get_by_role("button", name="立即发布").click()
    expect(page.get_by_test_id("status")).to_contain_text("已发布")
    expect(page.locator("h1")).to_contain_text("信阳毛尖杀青技术转让")

    page.goto(live_server + "/offers")
    expect(page.get_by_test_id("offer-list")).to_contain_text("信阳毛尖杀青技术转让")
    page.get_by_role("link", name="信阳毛尖杀青技术转让").click()
    page.get_by_test_id("withdraw").click()
    expect(page.get_by_test_id("status")).to_contain_text("已撤回")
    page.goto(live_server + "/offers")
    expect(page.get_by_test_id("offer-list")).to_contain_text("暂无符合条件的供给信息")
