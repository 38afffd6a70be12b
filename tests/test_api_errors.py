"""Bad input gets a clear bilingual, field-level error and changes nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from ipplatform.auth.enums import Role
from ipplatform.offers.models import Offer
from ipplatform.organisations.enums import OrgKind
from ipplatform.patents.enums import LegalStatus, PatentKind
from ipplatform.common.timefmt import beijing_today
from tests import factories as f


@pytest.fixture
def member(db):
    with db.begin():
        org = f.org(db, OrgKind.UNIVERSITY)
        user = f.user(db, org, Role.UNIVERSITY_MEMBER)
    return org, f.auth(user)


def _fields(resp) -> dict[str, str]:
    assert resp.status_code == 422, resp.text
    body = resp.json()
    assert body["message"] and body["message_zh"].startswith("输入有误")
    return {d["field"]: d["message_zh"] for d in body["detail"]}


def test_patent_validation_messages(client, member):
    _, headers = member
    resp = client.post("/api/patents", headers=headers, json={
        "application_number": "CN202223220665.3", "kind": "utility_model", "title": "x",
        "ipc_codes": ["A23F", "茶叶"], "application_date": "2099-01-01"})
    fields = _fields(resp)
    assert "校验位错误" in fields["application_number"]
    assert "至少 2 个字符" in fields["title"]
    assert "IPC" in fields["ipc_codes.1"]
    assert "晚于今天" in fields["application_date"]


def test_patent_kind_must_match_number(client, member):
    _, headers = member
    resp = client.post("/api/patents", headers=headers, json={
        "application_number": "CN202223220665.2", "kind": "invention_granted", "title": "一种装置"})
    assert "与专利类型" in _fields(resp)["kind"]


def test_patent_date_order(client, member):
    _, headers = member
    resp = client.post("/api/patents", headers=headers, json={
        "application_number": "CN202223220665.2", "kind": "utility_model", "title": "一种装置",
        "application_date": "2022-05-01", "publication_date": "2022-01-01"})
    assert "公开日早于申请日" in _fields(resp)["publication_date"]


def test_duplicate_patent_is_a_conflict(client, db, member):
    org, headers = member
    with db.begin():
        existing = f.patent(db, org)
    resp = client.post("/api/patents", headers=headers, json={
        "application_number": existing.application_number, "kind": "invention_granted", "title": "重复"})
    assert resp.status_code == 409
    assert "已登记" in resp.json()["message_zh"]


def test_partial_update_revalidates_whole_record(client, db, member):
    org, headers = member
    with db.begin():
        p = f.patent(db, org, kind=PatentKind.INVENTION_GRANTED)
    # Switching kind to utility model contradicts the invention application number.
    resp = client.patch(f"/api/patents/{p.id}", headers=headers, json={"kind": "utility_model"})
    assert "kind" in _fields(resp)
    resp = client.patch(f"/api/patents/{p.id}", headers=headers, json={"ipc_main": "H01M 10/0525"})
    assert resp.status_code == 200 and resp.json()["ipc_codes"][0] == "H01M 10/0525"


def test_offer_business_rules(client, db, member):
    org, headers = member
    with db.begin():
        pending = f.patent(db, org, kind=PatentKind.INVENTION_APPLICATION, status=LegalStatus.PENDING)
        lapsed = f.patent(db, org, status=LegalStatus.LAPSED)
        foreign = f.patent(db, f.org(db))
    base = {"title": "专利许可", "patent_ids": [pending.id], "modes": ["ordinary_licence"]}
    cases = [
        ({"modes": ["open_licence"]}, "open_licence_fee", "许可使用费"),
        ({"modes": ["open_licence", "exclusive_licence"], "open_licence_fee": "1000"}, "modes", "独占或排他"),
        ({"modes": ["pledge"]}, "modes", "质押"),
        ({"patent_ids": [lapsed.id]}, "patent_ids", "已失效"),
        ({"patent_ids": [foreign.id]}, "patent_ids", "不属于"),
        ({"patent_ids": [999999]}, "patent_ids", "不存在"),
        ({"patent_ids": []}, "patent_ids", "至少需要 1 项"),
        ({"modes": ["transfer", "transfer"]}, "modes", "重复"),
        ({"modes": ["lease"]}, "modes.0", "取值无效"),
        ({"negotiable": False}, "asking_price", "面议"),
        ({"asking_price": "-5"}, "asking_price", "负数"),
        ({"asking_price": "12.345"}, "asking_price", "两位小数"),
        ({"expires_on": str(beijing_today() - timedelta(days=1))}, "expires_on", "早于今天"),
        ({"contact_phone": "12345"}, "contact_phone", "手机号"),
        ({"unknown_field": 1}, "unknown_field", "不允许"),
    ]
    for patch, field, words in cases:
        resp = client.post("/api/offers", headers=headers, json={**base, **patch})
        assert resp.status_code == 422, (patch, resp.text)
        detail = {d["field"]: d["message_zh"] for d in resp.json()["detail"]}
        assert field in detail and words in detail[field], (patch, detail)
    with db.begin():
        assert db.scalar(select(func.count()).select_from(Offer)) == 0


def test_malformed_json_and_not_found(client, member):
    _, headers = member
    resp = client.post("/api/offers", headers={**headers, "Content-Type": "application/json"}, content=b"{bad")
    assert resp.status_code == 422 and "JSON" in resp.json()["message_zh"]
    for path in ("/api/offers/424242", "/api/demands/424242", "/api/patents/424242", "/api/organisations/424242"):
        resp = client.get(path)
        assert resp.status_code == 404 and resp.json()["message_zh"].startswith("未找到")


def test_demand_budget_order_and_codes(client, member):
    _, headers = member
    resp = client.post("/api/demands", headers=headers, json={
        "title": "需求标题", "description": "足够长的需求描述文字。", "budget_min": "500", "budget_max": "100",
        "industry_code": "9999", "region_code": "411599"})
    fields = _fields(resp)
    assert set(fields) == {"industry_code", "region_code"}
    resp = client.post("/api/demands", headers=headers, json={
        "title": "需求标题", "description": "足够长的需求描述文字。", "budget_min": "500", "budget_max": "100"})
    assert "预算上限低于下限" in _fields(resp)["budget_max"]


def test_closed_listing_cannot_change(client, db, member):
    org, headers = member
    with db.begin():
        offer = f.offer(db, org)
    assert client.post(f"/api/offers/{offer.id}/close", headers=headers).status_code == 200
    resp = client.patch(f"/api/offers/{offer.id}", headers=headers, json={"title": "再次修改标题"})
    assert resp.status_code == 409
    assert client.post(f"/api/offers/{offer.id}/publish", headers=headers).status_code == 409


def test_bad_login_and_bad_token(client, db, member):
    resp = client.post("/api/auth/token", data={"username": "nobody", "password": "whatever-123"})
    assert resp.status_code == 401 and resp.json()["message_zh"] == "用户名或密码错误"
    resp = client.post("/api/offers", headers={"Authorization": "Bearer forged.token.value"}, json={})
    assert resp.status_code == 401


def test_organisation_credit_code_and_duplicates(client, db):
    with db.begin():
        office = f.org(db, OrgKind.IP_OFFICE)
        staff = f.user(db, office, Role.OFFICE_STAFF)
    body = {"kind": "enterprise", "name": "信阳某企业", "credit_code": "91350100M000100Y44", "county_code": "411502"}
    resp = client.post("/api/organisations", headers=f.auth(staff), json=body)
    assert "校验位" in _fields(resp)["credit_code"]
    body["credit_code"] = "91350100M000100Y43"
    assert client.post("/api/organisations", headers=f.auth(staff), json=body).status_code == 201
    dup = client.post("/api/organisations", headers=f.auth(staff), json=body)
    assert dup.status_code == 409 and "已登记" in dup.json()["message_zh"]
