"""Hostile input gets a clear answer in the project's error shape, never a 500 or a dropped connection:
ids beyond the database's range, unknown statistics filters, unparsable or oversized bodies, control
characters in text, wrong methods, unknown URLs. Pages answer browsers with a Chinese HTML page; the
API answers JSON (bilingual ``message``/``message_zh``, ``code``, field-level ``detail``)."""

from __future__ import annotations

import re
import time
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient

from ipplatform.auth.enums import Role
from ipplatform.dependencies import COOKIE_NAME
from ipplatform.organisations.enums import OrgKind
from tests import factories as f

BIG = 2**63  # one past the largest signed 64-bit integer; 2**31 is past PostgreSQL's INTEGER ids
HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.fixture
def world(db):
    with db.begin():
        office = f.org(db, OrgKind.IP_OFFICE)
        staff = f.user(db, office, Role.OFFICE_STAFF)
        org = f.org(db, OrgKind.ENTERPRISE)
        member = f.user(db, org, Role.ENTERPRISE_MEMBER)
        patent = f.patent(db, org)
        offer = f.offer(db, org, patents=[f.patent(db, org)])
        demand = f.demand(db, org)
    return {"staff": f.auth(staff), "member": f.auth(member), "org": org.id, "patent": patent.id,
            "offer": offer.id, "demand": demand.id}


def bilingual(resp, status: int) -> dict:
    """The JSON error body, checked for the project's shape."""
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/json"), resp.headers["content-type"]
    body = resp.json()
    assert set(body) == {"message", "message_zh", "code", "detail"}, body
    assert body["message"] and body["message_zh"] and body["code"]
    for d in body["detail"]:
        assert set(d) == {"field", "loc", "type", "message", "message_zh"}
    return body


def fields(resp) -> dict[str, dict]:
    return {d["field"]: d for d in bilingual(resp, 422)["detail"]}


def chinese_page(resp, status: int) -> str:
    assert resp.status_code == status, resp.text[:500]
    assert resp.headers["content-type"].startswith("text/html"), resp.headers["content-type"]
    assert '<html lang="zh-CN">' in resp.text and 'data-testid="error-page"' in resp.text
    return resp.text


def as_page_user(client, headers: dict) -> None:
    """Browse the pages logged in as the user of a Bearer header (the login cookie holds the same token)."""
    client.cookies.set(COOKIE_NAME, headers["Authorization"].removeprefix("Bearer "))


# ---- ids and page numbers beyond the database's integers ----------------------------------------------

@pytest.mark.parametrize("big", [BIG, 2**31, 10**30])
def test_huge_ids_and_pages_are_422(client, world, big):
    anonymous = [f"/api/offers/{big}", f"/api/demands/{big}", f"/api/patents/{big}", f"/api/organisations/{big}",
                 f"/api/offers?org_id={big}", f"/api/demands?org_id={big}", f"/api/patents?owner_org_id={big}",
                 f"/api/offers?page={big}", f"/api/organisations?page={big}", f"/api/search/offers?similar_to=offer:{big}"]
    member = [f"/api/matches/{big}", f"/api/deals/{big}", f"/api/demands/{big}/matches", f"/api/offers/{big}/matches"]
    staff = [f"/api/audit?entity_id={big}", f"/api/stats/records/deals_count?page={big}"]
    for paths, headers in ((anonymous, {}), (member, world["member"]), (staff, world["staff"])):
        for path in paths:
            resp = client.get(path, headers=headers)
            detail = fields(resp)
            assert len(detail) == 1, (path, detail)
    posts = [("/api/offers", {"title": "茶叶专利转让", "patent_ids": [big], "modes": ["transfer"]}, "patent_ids.0"),
             ("/api/offers", {"title": "茶叶专利转让", "patent_ids": [world["patent"]], "modes": ["transfer"],
                              "owner_org_id": big}, "owner_org_id"),
             ("/api/deals", {"type": "transfer", "patent_ids": [world["patent"]], "to_org_id": big}, "to_org_id"),
             ("/api/conversions", {"patent_ids": [big], "product": "茶饮料", "start_date": "2024-01-01"}, "patent_ids.0"),
             (f"/api/offers/{big}/publish", None, "offer_id"),
             ("/api/search/offers", {"filters": {"org_id": [big]}}, "filters.org_id.0"),
             ("/api/search/offers", {"page": big}, "page")]
    for path, body, field in posts:
        resp = client.post(path, headers=world["member"], json=body)
        assert field in fields(resp), (path, resp.text)
    resp = client.patch(f"/api/organisations/{world['org']}", headers=world["member"], json={"custodian_org_id": big})
    assert "custodian_org_id" in fields(resp)


def test_huge_ids_on_pages_are_a_chinese_page(client, world):
    chinese_page(client.get(f"/offers/{BIG}", headers=HTML), 422)
    chinese_page(client.get(f"/demands/{BIG}", headers=HTML), 422)
    as_page_user(client, world["staff"])
    chinese_page(client.get(f"/stats/records/deals_count?page={BIG}", headers=HTML), 422)


# ---- statistics filters -----------------------------------------------------------------------------

STATS = ["/api/stats/summary", "/api/stats/breakdown/deals_count", "/api/stats/records/deals_count",
         "/api/stats/report.xlsx"]
BAD_FILTERS = [({"county": "000000"}, "county", "行政区划代码"), ({"county": "999999"}, "county", "行政区划代码"),
               ({"org_kind": "foo"}, "org_kind", "取值无效"), ({"industry_section": "Z"}, "industry_section", "门类"),
               ({"industry_section": "1"}, "industry_section", "门类"), ({"start": "2025-13-01"}, "start", "日期"),
               ({"start": "20260101"}, "start", "应为 YYYY-MM-DD"),
               ({"start": "0001-01-01", "end": "9999-12-31"}, "start", "大于或等于 1980-01-01")]


def test_stats_api_rejects_unknown_filters(client, world):
    for path in STATS:
        for params, field, words in BAD_FILTERS:
            detail = fields(client.get(path, headers=world["staff"], params=params))
            assert field in detail and words in detail[field]["message_zh"], (path, params, detail)
    good = [{"county": "411524"}, {"county": "411500"}, {"county": "410000"}, {"org_kind": "university"},
            {"industry_section": "c"}, {"county": "411502", "org_kind": "enterprise", "industry_section": "A"}]
    for params in good:  # counties, a city, a province (expanded to their counties), a lower-case section
        for path in STATS:
            assert client.get(path, headers=world["staff"], params=params).status_code == 200, (path, params)


def test_stats_pages_answer_400_with_the_reason(client, world):
    as_page_user(client, world["staff"])
    for params, _field, words in BAD_FILTERS:
        for path in ("/stats", "/stats/records/deals_count"):
            resp = client.get(path, params=params, headers=HTML)
            assert resp.status_code == 400, (path, params, resp.status_code)
            assert "筛选条件有误" in resp.text and words in resp.text, (path, params)
            if path == "/stats":  # the links under the message (明细, reports, periods) carry no refused filter
                hrefs = re.findall(r'href="([^"]*(?:/stats/records/|/api/stats/|/stats\?)[^"]*)"', resp.text)
                refused = [urlencode({k: v}) for k, v in params.items()]
                assert hrefs and not any(r in h for h in hrefs for r in refused), (params, hrefs[:5])
    assert client.get("/stats", params={"county": "411500", "org_kind": "university"}).status_code == 200
    assert client.get("/stats/records/deals_count", params={"industry_section": "c"}).status_code == 200


# ---- bodies: unparsable, too large ------------------------------------------------------------------

def test_unparsable_bodies_are_bilingual(client, world):
    json_headers = {**world["member"], "Content-Type": "application/json"}
    cases = [b'{"title": "\xff\xfe\xfa"}', b"[" * 100_000, b'{"title": "' + "茶".encode("utf-8")[:2] + b'"}',
             b"{bad", b'{"title": "x"']
    for raw in cases:
        resp = client.post("/api/offers", headers=json_headers, content=raw)
        assert resp.status_code in (400, 422), (raw[:20], resp.text)
        body = bilingual(resp, resp.status_code)
        assert body["code"] in ("json_invalid", "body_invalid"), body
        assert "JSON" in body["message_zh"]


def test_body_size_limits(client, world):
    big = b'{"title": "' + b"x" * (20 * 1024 * 1024) + b'"}'
    started = time.monotonic()
    resp = client.post("/api/offers", content=big, headers={"Content-Type": "application/json"})  # anonymous
    assert bilingual(resp, 413)["code"] == "body_too_large" and "过大" in resp.json()["message_zh"]
    assert time.monotonic() - started < 5

    def chunks(total: int):  # no Content-Length: the body is counted as it streams in
        for _ in range(total // 65536):
            yield b" " * 65536

    resp = client.post("/api/offers", content=chunks(3 * 1024 * 1024), headers={
        **world["member"], "Content-Type": "application/json"})
    assert bilingual(resp, 413)["code"] == "body_too_large"
    # below the limit the body is read and validated as usual
    resp = client.post("/api/offers", headers=world["member"],
                       json={"title": "茶叶专利转让", "patent_ids": [world["patent"]], "modes": ["transfer"],
                             "description": "长" * 4000, "open_licence_terms": "x" * 1_000_000})
    assert "open_licence_terms" in fields(resp)
    # the .xlsx import takes up to 20 MiB: a 5 MiB file is read (and refused as a workbook, not as too large)
    resp = client.post("/api/deals/import", headers=world["staff"],
                       files={"file": ("deals.xlsx", b"PK" + b"\0" * (5 * 1024 * 1024), "application/octet-stream")})
    assert resp.status_code == 422, resp.text[:300]
    # pages: the Chinese page
    resp = client.post("/offers/new", content=b"title=" + b"x" * (3 * 1024 * 1024), headers={
        **HTML, "Content-Type": "application/x-www-form-urlencoded"})
    assert "过大" in chinese_page(resp, 413)


# ---- control characters -------------------------------------------------------------------------------

@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\x0b"])
def test_control_characters_are_refused_in_text(client, world, char):
    member = world["member"]
    offer = {"title": "茶叶专利转让", "patent_ids": [world["patent"]], "modes": ["transfer"]}
    cases = [
        ("post", "/api/offers", {**offer, "title": f"茶叶{char}专利转让"}, "title"),
        ("post", "/api/offers", {**offer, "description": f"说明{char}"}, "description"),
        ("post", "/api/offers", {**offer, "contact_name": f"张{char}三"}, "contact_name"),
        ("post", "/api/offers", {**offer, "application_fields": ["茶叶", f"饮{char}料"]}, "application_fields.1"),
        ("post", "/api/demands", {"title": f"需要{char}技术", "description": "需要名优绿茶连续化加工生产线技术。"}, "title"),
        ("post", "/api/patents", {"application_number": f.application_number(), "kind": "invention_granted",
                                  "title": "一种装置", "inventors": [f"李{char}"]}, "inventors.0"),
        ("patch", f"/api/patents/{world['patent']}", {"title": f"一种{char}装置"}, "title"),
        ("patch", f"/api/organisations/{world['org']}", {"name": f"机构{char}名称"}, "name"),
        ("patch", f"/api/offers/{world['offer']}", {"open_licence_terms": f"条款{char}"}, "open_licence_terms"),
        ("patch", f"/api/demands/{world['demand']}", {"description": f"需要名优绿茶加工技术{char}提高品质。"}, "description"),
    ]
    for method, path, body, field in cases:
        detail = fields(getattr(client, method)(path, headers=member, json=body))
        assert field in detail and detail[field]["type"] == "control_character", (path, detail)
        assert "控制字符" in detail[field]["message_zh"]
    for path in ("/api/offers", "/api/patents", "/api/organisations"):
        assert "q" in fields(client.get(path, params={"q": f"茶{char}"}))
    assert "prefix" in fields(client.get("/api/search/suggest", params={"prefix": f"茶{char}"}))
    for page in ("/offers", "/demands"):  # the pages' keyword box: the Chinese page (PostgreSQL refuses U+0000)
        assert "控制字符" in chinese_page(client.get(page, params={"q": f"茶{char}"}, headers=HTML), 422)
    assert "q" in fields(client.post("/api/search/offers", json={"q": f"茶{char}"}))


def test_control_characters_in_a_login_are_wrong_credentials(client):
    for username in ("ad\x00min", "office\x1b"):
        resp = client.post("/api/auth/token", data={"username": username, "password": "x\x00y-password"})
        assert bilingual(resp, 401)["code"] == "unauthenticated"
        resp = f.form_post(client, "/login", data={"username": username, "password": "x\x00y-password"})
        assert resp.status_code == 401 and "用户名或密码错误" in resp.text


def test_tabs_and_newlines_stay_allowed(client, world):
    resp = client.post("/api/offers", headers=world["member"], json={
        "title": "茶叶专利\t转让", "patent_ids": [world["patent"]], "modes": ["transfer"],
        "description": "第一行\r\n第二行\n\t缩进"})
    assert resp.status_code == 201, resp.text
    assert resp.json()["description"] == "第一行\r\n第二行\n\t缩进"


# ---- methods and unknown URLs -------------------------------------------------------------------------

def test_wrong_method_on_the_api_is_a_405_naming_the_allowed_ones(client, world):
    for method, path, allowed in [("POST", f"/api/offers/{world['offer']}", {"GET", "PATCH"}),
                                  ("POST", f"/api/demands/{world['demand']}", {"GET", "PATCH"}),
                                  ("DELETE", f"/api/offers/{world['offer']}", {"GET", "PATCH"}),
                                  ("PUT", "/api/offers", {"GET", "POST"}),
                                  ("GET", f"/api/offers/{world['offer']}/publish", {"POST"})]:
        resp = client.request(method, path, headers=world["member"])
        body = bilingual(resp, 405)
        assert body["code"] == "method_not_allowed" and method in body["message_zh"]
        assert set(resp.headers["Allow"].replace(" ", "").split(",")) == allowed, resp.headers["Allow"]


def test_page_lifecycle_routes_take_only_offers_and_demands(client, world):
    resp = client.post(f"/api/offers/{world['offer']}", headers={**world["member"], **HTML})
    assert resp.status_code == 405 and resp.headers["content-type"].startswith("application/json")
    for path in (f"/patents/{world['patent']}/publish", f"/organisations/{world['org']}/close"):
        assert client.post(path, headers=HTML).status_code in (403, 404, 405), path


def test_unknown_urls_and_bad_queries_render_a_chinese_page_for_browsers(client):
    assert "未找到" in chinese_page(client.get("/no/such/page", headers=HTML), 404)
    assert "输入有误" in chinese_page(client.get("/offers?page=-1", headers=HTML), 422)
    assert "输入有误" in chinese_page(client.get("/demands?page=abc", headers=HTML), 422)
    assert "不支持" in chinese_page(client.get("/logout", headers=HTML), 405)
    # the API keeps JSON, whatever the browser accepts
    assert bilingual(client.get("/api/no/such", headers=HTML), 404)["code"] == "not_found"
    assert "page" in fields(client.get("/api/offers?page=-1", headers=HTML))
    # a client that asks only for JSON gets JSON on a page path too
    assert bilingual(client.get("/no/such/page", headers={"Accept": "application/json"}), 404)["code"] == "not_found"


def test_server_errors_are_a_chinese_page_or_bilingual_json(app):
    def boom():
        raise RuntimeError("boom")

    app.add_api_route("/boom", boom, include_in_schema=False)
    app.add_api_route("/api/boom", boom, include_in_schema=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        assert "服务器内部错误" in chinese_page(client.get("/boom", headers=HTML), 500)
        assert bilingual(client.get("/api/boom", headers=HTML), 500)["code"] == "internal_error"
