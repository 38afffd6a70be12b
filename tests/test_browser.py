"""A real headless Chromium (Debian's) drives the pages: log in, publish an offer through the form,
correct a mistake the page reported, see the offer listed, withdraw it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ipplatform.auth.enums import Role
from ipplatform.main import create_app
from ipplatform.search.backends.embedded import EmbeddedBackend
from ipplatform.organisations.enums import OrgKind
from tests import factories as f


@pytest.fixture
def live_server(sqlite_engine, tmp_path, serve):
    app = create_app(sqlite_engine, search_backend=EmbeddedBackend(tmp_path / "search.sqlite3"), start_indexer=False)
    with app.state.session_factory.begin() as db:
        org = f.org(db, OrgKind.UNIVERSITY, name="淮上理工大学（测试）")
        f.user(db, org, Role.UNIVERSITY_MEMBER, username="tto")
        f.patent(db, org, title="一种信阳毛尖杀青机")
    with serve(app) as base:
        yield base


def test_publish_and_withdraw_offer_in_browser(live_server, page, log_in):
    page.goto(live_server + "/")
    page.get_by_test_id("login-link").click()
    log_in("tto")
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
