"""Web security: security headers on every response, CSRF protection of forms and of cookie-authenticated
API calls (tokens, Origin/Referer), nothing user-supplied written into pages as raw markup, and a real
browser visiting every page under the Content-Security-Policy without a single violation."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import expect

from ipplatform.auth.enums import Role
from ipplatform.common.enums import ListingStatus
from ipplatform.offers.models import Offer
from ipplatform.organisations.enums import OrgKind
from ipplatform.search import text as textmod
from tests import factories as f
from web.markup import highlighted
from web.security import CSP, HEADERS

TEMPLATES = Path(__file__).resolve().parent.parent / "web" / "templates"
STATIC = TEMPLATES.parent / "static"


def assert_security_headers(resp) -> None:
    assert CSP == ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                   "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
    for name, value in HEADERS.items():
        assert resp.headers.get(name) == value, (resp.url, name, resp.headers.get(name))
    assert resp.headers["x-frame-options"] == "DENY" and resp.headers["x-content-type-options"] == "nosniff"


@pytest.fixture
def seller(db):
    """A university member ("tto") with one published offer, and office staff ("staff"); the offer's id and
    a Bearer header of the member."""
    with db.begin():
        univ = f.org(db, OrgKind.UNIVERSITY, name="淮上理工大学（测试）")
        member = f.user(db, univ, Role.UNIVERSITY_MEMBER, username="tto")
        offer = f.offer(db, univ, title="茶叶揉捻技术转让")
        f.user(db, f.org(db, OrgKind.IP_OFFICE), Role.OFFICE_STAFF, username="staff")
        bearer = f.auth(member)
    return offer.id, bearer


def log_in(client, username="tto") -> None:
    resp = f.form_post(client, "/login", data={"username": username, "password": f.PASSWORD}, follow_redirects=False)
    assert resp.status_code == 303, resp.text[:300]
    assert client.cookies.get("ipp_session")


def offer_status(client, offer_id: int) -> str:
    """The offer's status as its (logged-in) owner reads it."""
    return client.get(f"/api/offers/{offer_id}").json()["status"]


# ---- headers -------------------------------------------------------------------------------------------

def test_security_headers_on_pages_static_files_errors_and_api(client, seller):
    responses = {
        "page": client.get("/"),
        "static file": client.get("/static/style.css"),
        "page 404": client.get("/offers/999999"),
        "unknown path 404": client.get("/no-such-page"),
        "API": client.get("/api/offers"),
        "API 404": client.get("/api/offers/999999"),
        "API 401": client.post("/api/offers", json={}),
        "docs": client.get("/docs"),
        "docs asset": client.get("/docs-assets/swagger-ui-bundle.js"),
        "CSRF refusal": client.post("/logout"),
    }
    codes = {k: r.status_code for k, r in responses.items()}
    assert codes == {"page": 200, "static file": 200, "page 404": 404, "unknown path 404": 404, "API": 200,
                     "API 404": 404, "API 401": 401, "docs": 200, "docs asset": 200, "CSRF refusal": 403}
    for resp in responses.values():
        assert_security_headers(resp)


def test_security_headers_on_an_unhandled_error(app):
    """Even the 500 answer of Starlette's outermost error middleware carries the headers."""
    def boom():
        raise RuntimeError("boom")

    app.add_api_route("/boom-for-test", boom, include_in_schema=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        resp = client.get("/boom-for-test")
    assert resp.status_code == 500
    assert_security_headers(resp)


def test_docs_need_no_cdn(client):
    """Swagger UI and ReDoc come from local files and start from script files; only /redoc's policy allows
    inline styles (ReDoc writes them) and a blob worker, and its vendor's logo stays blocked (img-src)."""
    redoc = client.get("/redoc")
    assert redoc.status_code == 200 and "https://" not in redoc.text and re.search(r"<script>", redoc.text) is None
    assert '<script src="/docs-assets/redoc.standalone.js"></script>' in redoc.text
    policy = redoc.headers["content-security-policy"]
    assert "style-src 'self' 'unsafe-inline'" in policy and "script-src 'self';" in policy and "img-src 'self' data:;" in policy
    assert "unsafe-inline" not in client.get("/docs").headers["content-security-policy"]
    for asset in ("/docs-assets/redoc.standalone.js", "/static/redoc-init.js"):
        assert client.get(asset).status_code == 200, asset
    html = client.get("/docs").text
    assert "cdn." not in html and "https://" not in html
    assert '<script src="/docs-assets/swagger-ui-bundle.js"></script>' in html
    assert re.search(r"<script>", html) is None  # no inline script
    for asset in ("/docs-assets/swagger-ui-bundle.js", "/docs-assets/swagger-ui.css", "/static/swagger-init.js"):
        assert client.get(asset).status_code == 200, asset


# ---- CSRF: forms -------------------------------------------------------------------------------------------

def test_foreign_origin_cannot_withdraw_an_offer(client, seller):
    offer_id, _ = seller
    log_in(client)
    token = f.csrf_token(client, f"/offers/{offer_id}")
    url = f"/offers/{offer_id}/withdraw"
    refused = {
        "foreign Origin": client.post(url, data={"csrf_token": token}, headers={"Origin": "http://evil.example"}),
        "Origin null": client.post(url, data={"csrf_token": token}, headers={"Origin": "null"}),
        "foreign Referer": client.post(url, data={"csrf_token": token},
                                       headers={"Referer": "http://evil.example/page.html"}),
        "same host, other port": client.post(url, data={"csrf_token": token},
                                             headers={"Origin": "http://testserver:8080"}),
        "no token": client.post(url),
        "empty token": client.post(url, data={"csrf_token": ""}),
        "wrong token": client.post(url, data={"csrf_token": "0" * 64}),
        "token of another browser": client.post(url, data={"csrf_token": _other_browser_token(client)}),
    }
    for why, resp in refused.items():
        assert resp.status_code == 403, why
        assert "页面已过期或请求来源无效，请刷新页面后重试" in resp.text, why
        assert resp.headers["content-type"].startswith("text/html"), why
    assert offer_status(client, offer_id) == ListingStatus.PUBLISHED.value

    # The same request from this site's own page goes through: the refusals were the CSRF check.
    ok = client.post(url, data={"csrf_token": token}, headers={"Origin": "http://testserver"}, follow_redirects=False)
    assert ok.status_code == 303
    assert offer_status(client, offer_id) == ListingStatus.WITHDRAWN.value


def _other_browser_token(client) -> str:
    with TestClient(client.app) as other:
        return f.csrf_token(other, "/login")


def test_token_is_bound_to_the_login(client, seller):
    """A token from before logging in (or of another login) does not work after it."""
    offer_id, _ = seller
    anonymous_token = f.csrf_token(client, "/login")
    log_in(client)
    resp = client.post(f"/offers/{offer_id}/withdraw", data={"csrf_token": anonymous_token})
    assert resp.status_code == 403
    assert offer_status(client, offer_id) == ListingStatus.PUBLISHED.value


def test_multipart_form_post_is_checked_and_still_readable(client, seller):
    """The middleware reads the token from a multipart body and hands the whole body on to the route."""
    log_in(client)
    files = {"attachment": ("note.txt", b"x" * 10_000, "text/plain")}
    form = {"title": "揉捻机技术许可", "modes": "transfer", "action": "publish"}
    assert client.post("/offers/new", data=form, files=files).status_code == 403
    resp = client.post("/offers/new", data={**form, "csrf_token": f.csrf_token(client)}, files=files)
    assert resp.status_code == 422 and 'data-field="patent_ids"' in resp.text  # the route read the form
    assert 'value="揉捻机技术许可"' in resp.text


def test_oversized_form_is_refused_unread(client, seller, monkeypatch):
    from ipplatform.common import csrf

    offer_id, _ = seller
    log_in(client)
    token = f.csrf_token(client)
    monkeypatch.setattr(csrf, "MAX_FORM_BYTES", 1000)
    resp = client.post(f"/offers/{offer_id}/withdraw", data={"csrf_token": token, "pad": "x" * 2000},
                       headers={"X-CSRF-Token": token})
    assert resp.status_code == 413
    assert offer_status(client, offer_id) == ListingStatus.PUBLISHED.value


@pytest.mark.parametrize("encoded", [b"%B2%E8%D2%B6", "茶叶".encode("gbk")])  # GBK "茶叶", escaped and raw
def test_a_form_that_is_not_utf8_is_refused_and_writes_nothing(client, db, seller, encoded):
    """A page form whose text is not UTF-8 (a GBK client, a hand-made request) is a Chinese 400 page; the
    route would otherwise store U+FFFD where the user typed."""
    log_in(client)
    token = f.csrf_token(client)
    body = b"title=" + encoded + b"&description=" + encoded + b"&action=draft&csrf_token=" + token.encode()
    resp = client.post("/demands/new", content=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"})
    assert resp.status_code == 400 and resp.headers["content-type"].startswith("text/html")
    assert "请求体无法解析（应为 UTF-8 编码的 JSON 或表单）" in resp.text
    api = client.post("/demands/new", content=body, headers={"Content-Type": "application/x-www-form-urlencoded",
                                                             "Accept": "application/json"})
    assert api.status_code == 400 and api.json()["code"] == "body_invalid"
    from ipplatform.demands.models import Demand
    assert db.query(Demand).count() == 0
    for utf8 in ("%E8%8C%B6%E5%8F%B6".encode(), "茶叶".encode()):  # as browsers send it, and raw
        ok = client.post("/demands/new", content=b"title=" + utf8 + b"&csrf_token=" + token.encode(),
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert ok.status_code == 422 and 'value="茶叶"' in ok.text  # the route reads it (and asks for the rest)


def test_login_needs_a_token(client, seller):
    """Login CSRF: a forged login form (the attacker's account) is refused before any session exists."""
    creds = {"username": "tto", "password": f.PASSWORD}
    no_token = client.post("/login", data=creds, follow_redirects=False)
    assert no_token.status_code == 403 and "页面已过期" in no_token.text
    cookie = no_token.headers["set-cookie"]  # the refusal page gives a new browser its CSRF cookie
    assert "ipp_session" not in cookie
    assert "ipp_csrf=" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    foreign = client.post("/login", data={**creds, "csrf_token": _other_browser_token(client)},
                          follow_redirects=False)
    assert foreign.status_code == 403 and not client.cookies.get("ipp_session")
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    assert client.post("/login", data={**creds, "csrf_token": token}, follow_redirects=False).status_code == 303


def test_every_post_form_in_the_templates_carries_the_token():
    forms = 0
    for path in TEMPLATES.glob("*.html"):
        for form in re.findall(r"<form\b[^>]*>.*?</form>", path.read_text(), re.S):
            if re.search(r'method="post"', form, re.I):
                forms += 1
                assert "{{ csrf_input() }}" in form, (path.name, form[:120])
    assert forms >= 6


# ---- CSRF: the API -------------------------------------------------------------------------------------------

def test_cookie_authenticated_api_post_needs_the_header(client, db, seller):
    offer_id, _ = seller
    log_in(client)
    url = f"/api/offers/{offer_id}/withdraw"
    refused = client.post(url)
    assert refused.status_code == 403
    assert refused.json() == {"message": refused.json()["message"], "message_zh": "页面已过期或请求来源无效，请刷新页面后重试",
                              "code": "csrf", "detail": []}
    assert client.post(url, headers={"X-CSRF-Token": "0" * 64}).status_code == 403
    token = f.csrf_token(client)
    foreign = client.post(url, headers={"X-CSRF-Token": token, "Origin": "http://evil.example"})
    assert foreign.status_code == 403 and foreign.json()["code"] == "csrf"
    assert offer_status(client, offer_id) == ListingStatus.PUBLISHED.value
    ok = client.post(url, headers={"X-CSRF-Token": token})
    assert ok.status_code == 200 and ok.json()["status"] == ListingStatus.WITHDRAWN.value
    # Safe methods need nothing.
    assert client.get("/api/auth/me").status_code == 200


def test_bearer_api_requests_need_no_token(client, seller):
    offer_id, headers = seller
    # Even with a (stale or real) login cookie in the jar, a Bearer request is not subject to CSRF.
    log_in(client)
    resp = client.post(f"/api/offers/{offer_id}/withdraw", headers={**headers, "Origin": "http://evil.example"})
    assert resp.status_code == 200 and resp.json()["status"] == ListingStatus.WITHDRAWN.value
    client.cookies.clear()
    resp = client.post(f"/api/offers/{offer_id}/publish", headers=headers)
    assert resp.status_code == 200 and resp.json()["status"] == ListingStatus.PUBLISHED.value
    # Anonymous API calls carry no ambient authority: no token either (they are refused as anonymous).
    assert client.post(f"/api/offers/{offer_id}/withdraw").status_code == 401


# ---- nothing raw in pages ------------------------------------------------------------------------------------

XSS = "</script><img src=x onerror=alert(1)>"


def test_stats_page_writes_no_query_value_raw(client, seller):
    log_in(client, "staff")
    resp = client.get("/stats", params={"county": XSS, "industry_section": XSS, "start": XSS})
    assert resp.status_code in (200, 400, 422)
    assert "<img" not in resp.text and XSS not in resp.text
    data = re.search(r'<script type="application/json" id="stats-data">(.*?)</script>', resp.text, re.S)
    if data:  # the chart data is JSON the script parses, not code
        assert json.loads(data.group(1))["indicators"]
    records = client.get("/stats/records/deals_count", params={"county": XSS})
    assert "<img" not in records.text


def test_highlights_are_rebuilt_from_escaped_text():
    title = '<img src=x onerror=alert(1)>茶叶"杀青"&机'
    out = str(highlighted(textmod.highlight(title, ("茶叶", "杀青"))))
    assert out == '&lt;img src=x onerror=alert(1)&gt;<em>茶叶</em>&#34;<em>杀青</em>&#34;&amp;机'
    # Markup in the stored string itself (a tampered explanation) comes out as text; only <em> survives.
    out = str(highlighted('<script>alert(1)</script><em onclick="x">a</em><em>b</em> &lt;em&gt;'))
    assert "<script" not in out and "<em onclick" not in out
    assert out == ('&lt;script&gt;alert(1)&lt;/script&gt;&lt;em onclick=&#34;x&#34;&gt;a<em>b</em> &lt;em&gt;')
    assert str(highlighted(None)) == ""


def test_templates_have_no_safe_inline_script_style_or_handlers():
    for path in TEMPLATES.glob("*.html"):
        html = path.read_text()
        assert "|safe" not in html.replace(" ", ""), path.name
        assert re.search(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", html) is None, path.name
        assert "<style" not in html and " style=" not in html, path.name
        assert re.search(r"\son[a-z]+\s*=", html) is None, path.name
    for js in STATIC.glob("*.js"):
        assert "innerHTML" not in js.read_text(), js.name


# ---- the browser: every page under the policy ---------------------------------------------------------------

TEA_DEMAND = dict(title="名优绿茶加工设备升级",
                  description="春茶季鲜叶多，需要茶叶杀青、揉捻的自动化加工设备，提升信阳毛尖品质稳定性。",
                  industry_code="1530", modes=["transfer", "exclusive_licence"])


@pytest.fixture
def site(_sqlite_template, tmp_path, embedder, serve):
    """The search corpus (indexed and matched), a buyer with a matched demand, office staff, recorded deals."""
    from ipplatform.outcomes.demo import seed_outcomes
    from ipplatform.search.backends.embedded import EmbeddedBackend
    from tests.search.conftest import corpus_app

    def people(db, orgs):
        buyer = f.org(db, OrgKind.ENTERPRISE, name="光山县绿茶加工厂（测试）", county_code="411522", industry_code="1530")
        f.user(db, buyer, Role.ENTERPRISE_MEMBER, username="buyer")
        f.user(db, f.org(db, OrgKind.IP_OFFICE), Role.OFFICE_STAFF, username="staff")
        f.org(db, OrgKind.FINANCIAL)
        demand = f.demand(db, buyer, **TEA_DEMAND)
        seed_outcomes(db, random.Random(5), n_deals=40)
        return demand.id

    backend = EmbeddedBackend(tmp_path / "search.sqlite3")
    with corpus_app(backend, _sqlite_template, tmp_path, embedder, people) as (app, _, demand_id):
        with app.state.session_factory() as db:
            offer_id = db.query(Offer.id).filter(Offer.status == ListingStatus.PUBLISHED).order_by(Offer.id).first()[0]
        with serve(app) as base:
            yield base, offer_id, demand_id


CSP_WORDS = ("Content Security Policy", "Content-Security-Policy", "Refused to")


def test_every_page_under_the_policy_in_a_browser(site, page, log_in):
    base, offer_id, demand_id = site
    console, errors, violations = [], [], []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text} @ {page.url}"))
    page.on("pageerror", lambda e: errors.append(f"{e} @ {page.url}"))
    page.expose_function("reportViolation", lambda v: violations.append(v))
    page.context.add_init_script("document.addEventListener('securitypolicyviolation', e => "
                                 "window.reportViolation(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}`))")
    visited = []

    def visit(path: str, status: int = 200):
        resp = page.goto(base + path)
        assert resp.status == status, (path, resp.status)
        assert resp.headers["content-security-policy"].startswith("default-src 'self'"), path
        page.wait_for_load_state("load")
        visited.append(path)

    common = ["/", "/offers", f"/offers/{offer_id}", "/demands", f"/demands/{demand_id}", "/search?q=茶叶",
              "/stats/indicators"]
    for path in [*common, "/login"]:  # anonymous
        visit(path)
    visit("/no-such-page", 404)
    visit(f"/offers/{10 ** 6}", 404)
    visit("/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("信阳知识产权运营平台 API")
    expect(page.locator(".opblock").first).to_be_visible()

    for user in ("buyer", "staff"):
        visit("/login")
        log_in(user)
        for path in [*common, "/offers/new", "/demands/new", "/matches", "/offers?mine=1", "/demands?mine=1", "/deals",
                     "/deals/new"]:
            visit(path)
        if user == "buyer":
            visit(f"/demands/{demand_id}")
            expect(page.get_by_test_id("match").first).to_be_visible()  # the highlighted explanations
            expect(page.locator(".snippet em").first).to_be_visible()
            page.get_by_test_id("match").first.get_by_role("button", name="提交反馈").click()  # a CSRF-checked form
            expect(page.get_by_test_id("saved")).to_be_visible()  # on the match's page, which says what was saved
            assert "/matches/" in page.url
            visited.append(page.url)
            visit("/search?q=茶叶")
            expect(page.get_by_test_id("hit").first.locator("em").first).to_be_visible()
            page.get_by_test_id("q").fill("锂电")  # autocomplete: search.js fills the datalist
            expect(page.locator("#suggestions option[value^='锂电池']").first).to_be_attached()
            visit("/stats", 403)
        else:
            visit(f"/offers/{offer_id}/matches")
            visit("/stats")
            page.wait_for_function("document.querySelectorAll('.chart[data-rendered=\"1\"] canvas').length >= 7")
            box = page.get_by_test_id("chart-funnel").bounding_box()
            page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # a tooltip
            page.wait_for_timeout(300)
            visit("/stats/records/deals_count")
            expect(page.get_by_test_id("records")).to_be_visible()
        page.get_by_role("button", name="退出").click()  # a CSRF-checked form in the header
        expect(page.get_by_test_id("login-link")).to_be_visible()

    csp_messages = [m for m in console if any(w in m for w in CSP_WORDS)]
    assert csp_messages == [] and violations == [], (csp_messages, violations)
    assert errors == []
    assert len(visited) >= 40
    # The collectors do see a violation: an inline style attribute written by a script is refused.
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<b style=\"color: red\">x</b>')")
    page.wait_for_function("document.querySelector('b[style]') !== null")
    for _ in range(50):
        if violations and any("Content Security Policy" in m for m in console):
            break
        page.wait_for_timeout(100)
    assert violations and "style-src" in violations[-1]
    print(f"CSP audit: {len(visited)} page loads, {len(set(visited))} distinct pages")
