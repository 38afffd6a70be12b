"""The layout in a real browser: the top menu stays on one line at 1280 px for every demo role, the pages fit a
390 px phone (no sideways scrolling of the page, the search facets stacked above the results instead of a
sidebar), and the API docs (Swagger UI and ReDoc) render their operations from local files only."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.journeys.conftest import SCREENSHOTS

ROLES = ["office", "admin", "univ", "agri", "teaco", "agency", "organiser"]

NAV_LINES = """() => {
  const tops = [...document.querySelectorAll('header.top nav > *')].filter((e) => e.offsetParent !== null)
    .map((e) => Math.round(e.getBoundingClientRect().top + e.getBoundingClientRect().height / 2));
  return new Set(tops.map((t) => Math.round(t / 8))).size;
}"""
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.mark.parametrize("username", ROLES)
def test_the_menu_fits_one_line_at_1280(demo_site, page, sign_in, visit, username):
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(username)
    visit(demo_site.url + "/offers")
    assert page.evaluate(NAV_LINES) == 1, page.locator("header.top").inner_text()
    expect(page.get_by_role("button", name="退出")).to_be_visible()
    more = page.get_by_test_id("nav-more")
    if more.is_visible():  # entries that did not fit are one click away
        more.locator("summary").click()
        expect(more.locator("a").first).to_be_visible()
        more.locator("summary").click()
    if username == "admin":
        expect(page.get_by_test_id("nav-users")).to_be_visible()  # the administrator's own entries stay on the bar
        expect(page.get_by_test_id("nav-office")).to_be_visible()
    page.get_by_test_id("who").click()  # the account menu
    expect(page.get_by_test_id("account-link")).to_be_visible()
    header = page.locator("header.top").bounding_box()
    brand = page.locator("header.top .brand").bounding_box()
    assert header["height"] < 2.5 * brand["height"]  # one row: the brand's line plus padding
    assert page.evaluate(OVERFLOW) <= 0


def test_pages_fit_a_phone(demo_site, page, sign_in, visit, shoot):
    page.set_viewport_size({"width": 390, "height": 844})
    for path in ("/", "/offers", "/search?q=茶叶"):
        visit(demo_site.url + path)
        assert page.evaluate(OVERFLOW) <= 0, path
        shoot("phone" + path.replace("/", "-").replace("?", "-"))
    facets = page.get_by_test_id("facets").bounding_box()
    results = page.locator("section.results").bounding_box()
    main = page.locator("main").bounding_box()
    assert results["width"] > 0.8 * main["width"]  # the results use the width, not 40 % of it
    assert facets["y"] + facets["height"] <= results["y"] + 1  # facets stacked above, not beside
    sign_in("office")
    page.set_viewport_size({"width": 390, "height": 844})
    for path in ("/stats", "/office", "/office/flags", "/office/organisations", "/stats/records/deals_count"):
        visit(demo_site.url + path)
        assert page.evaluate(OVERFLOW) <= 0, path
        shoot("phone-office" + path.replace("/", "-"))
    visit(demo_site.url + "/stats")
    page.wait_for_function("document.querySelectorAll('.chart[data-rendered=\"1\"] canvas').length >= 3")
    chart = page.get_by_test_id("chart-county").bounding_box()
    assert chart["width"] <= 390 and chart["width"] > 0.7 * 390


def test_api_docs_render_from_local_files(demo_site, page):
    """(Not ``visit``: API docs name the API's fields, which is their job; screenshots of the first screen, the
    whole documents are very long.)"""
    folder = SCREENSHOTS / "test_api_docs_render_from_local_files"
    folder.mkdir(parents=True, exist_ok=True)
    answered: list[str] = []
    page.on("response", lambda r: answered.append(r.url))
    assert page.goto(demo_site.url + "/docs").status == 200
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("API", timeout=60_000)  # a busy machine
    expect(page.locator(".opblock").first).to_be_visible()
    assert page.locator(".opblock").count() > 50  # every operation, e.g. POST /api/auth/token
    expect(page.locator(".opblock-summary-path", has_text="/api/auth/token").first).to_be_visible()
    page.screenshot(path=str(folder / "01-swagger-ui.png"))
    assert page.goto(demo_site.url + "/redoc").status == 200
    expect(page.get_by_role("heading", level=1).first).to_contain_text("API", timeout=60_000)
    expect(page.get_by_role("heading", name="登录 / log in (OAuth2 password form)").first).to_be_visible()
    assert page.locator("h2 a[href*='/operation/']").count() > 50
    page.screenshot(path=str(folder / "02-redoc.png"))
    local = urlsplit(demo_site.url).netloc
    outside = [u for u in answered if urlsplit(u).scheme in ("http", "https") and urlsplit(u).netloc != local]
    assert outside == []
