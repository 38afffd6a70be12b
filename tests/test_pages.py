"""The Chinese pages, through HTTP: lists, details, login, publishing with errors shown per field."""

from __future__ import annotations

import re

import pytest

from ipplatform.auth.enums import Role
from ipplatform.organisations.enums import OrgKind
from tests import factories as f


@pytest.fixture
def university(db):
    with db.begin():
        org = f.org(db, OrgKind.UNIVERSITY, name="淮上理工大学（测试）")
        f.user(db, org, Role.UNIVERSITY_MEMBER, username="tto")
        patent = f.patent(db, org, title="一种茶叶揉捻机")
    return org, patent


def _login(client, username="tto"):
    resp = f.form_post(client, "/login", data={"username": username, "password": f.PASSWORD, "next": "/offers/new"},
                       follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == "/offers/new"


def test_home_and_lists_render_in_chinese(client, db, university):
    org, patent = university
    with db.begin():
        f.offer(db, org, patents=[patent], title="茶叶揉捻技术转让")
        f.offer(db, org, publish=False, title="未发布的草稿供给")
        f.demand(db, org, title="需要茶园病虫害监测技术")
    home = client.get("/")
    assert home.status_code == 200 and 'lang="zh-CN"' in home.text
    assert "在线供给 1 项" in home.text and "在线需求 1 项" in home.text
    offers = client.get("/offers")
    assert "茶叶揉捻技术转让" in offers.text and "未发布的草稿供给" not in offers.text
    assert "转让" in offers.text and "共 1 条" in offers.text
    assert "需要茶园病虫害监测技术" in client.get("/demands").text
    assert client.get("/offers", params={"q": "不存在的词"}).text.count("暂无符合条件的供给信息") == 1


def test_wrong_password_shows_error(client, university):
    resp = f.form_post(client, "/login", data={"username": "tto", "password": "wrong-password"})
    assert resp.status_code == 401 and "用户名或密码错误" in resp.text


def test_publish_offer_form_keeps_values_and_shows_field_errors(client, university):
    _, patent = university
    assert client.get("/offers/new", follow_redirects=False).status_code == 303  # must log in first
    _login(client)
    form = client.get("/offers/new")
    assert "一种茶叶揉捻机" in form.text
    resp = f.form_post(client, "/offers/new", data={
        "title": "揉捻机技术许可", "patent_ids": str(patent.id), "modes": "open_licence",
        "contact_phone": "12345", "asking_price": "abc", "action": "publish"})
    assert resp.status_code == 422
    errors = dict(re.findall(r'data-field="(\w+)">([^<]+)<', resp.text))
    assert "手机号" in errors["contact_phone"]
    assert "有效金额" in errors["asking_price"]
    assert 'value="揉捻机技术许可"' in resp.text  # nothing the user typed is lost
    assert 'value="12345"' in resp.text
    # Once the fields are right, the cross-field rule (open licence needs a published fee) is reported.
    resp = f.form_post(client, "/offers/new", data={
        "title": "揉捻机技术许可", "patent_ids": str(patent.id), "modes": "open_licence", "action": "publish"})
    errors = dict(re.findall(r'data-field="(\w+)">([^<]+)<', resp.text))
    assert resp.status_code == 422 and "许可使用费" in errors["open_licence_fee"]

    resp = f.form_post(client, "/offers/new", data={
        "title": "揉捻机技术许可", "patent_ids": str(patent.id), "modes": ["open_licence", "transfer"],
        "open_licence_fee": "2.5", "asking_price": "50", "negotiable": "on", "action": "publish"},
        follow_redirects=False)
    assert resp.status_code == 303
    detail = client.get(resp.headers["location"])
    assert "揉捻机技术许可" in detail.text and "已发布" in detail.text
    assert "2.50 万元" in detail.text and "50 万元" in detail.text
    api = client.get("/api" + resp.headers["location"]).json()
    assert api["open_licence_fee"] == "25000.00" and api["asking_price"] == "500000.00"

    withdrawn = f.form_post(client, resp.headers["location"] + "/withdraw")
    assert withdrawn.status_code == 200 and "已撤回" in withdrawn.text


def test_demand_form(client, university):
    _login(client)
    resp = f.form_post(client, "/demands/new", data={"title": "短", "description": "太短", "budget_min": "10",
                                              "budget_max": "5", "action": "publish"})
    assert resp.status_code == 422
    errors = dict(re.findall(r'data-field="(\w+)">([^<]+)<', resp.text))
    assert {"title", "description"} <= set(errors)
    resp = f.form_post(client, "/demands/new", data={
        "title": "茶叶采摘机器人需求", "description": "名优茶人工采摘成本高，需要嫩芽识别采摘技术。",
        "industry_code": "3572", "budget_min": "100", "budget_max": "500", "modes": "exclusive_licence",
        "region_code": "411524", "action": "draft"})
    assert resp.status_code == 200 and "草稿" in resp.text and "机械化农业及园艺机具制造" in resp.text
    assert "河南省信阳市商城县" in resp.text


def test_others_drafts_are_not_shown(client, db, university):
    org, _ = university
    with db.begin():
        draft = f.offer(db, org, publish=False)
    assert client.get(f"/offers/{draft.id}").status_code == 404
    _login(client)
    assert client.get(f"/offers/{draft.id}").status_code == 200


def _length_limits(schema, field: str) -> tuple[int, int]:
    meta = schema.model_fields[field].metadata
    return (next(m.min_length for m in meta if hasattr(m, "min_length")),
            next(m.max_length for m in meta if hasattr(m, "max_length")))


def test_title_labels_state_the_limits_the_schemas_enforce(client, university):
    """A label's “（4–200 字）” is what validation accepts (regression: offers said 4 and took 2)."""
    from ipplatform.demands.schemas import DemandCreate
    from ipplatform.offers.schemas import OfferFields
    _login(client)
    for page, schema in (("/offers/new", OfferFields), ("/demands/new", DemandCreate)):
        label = re.search(r'<label for="f-title">[^<（]+（(\d+)–(\d+) 字）</label>', client.get(page).text)
        assert label is not None, page
        assert tuple(map(int, label.groups())) == _length_limits(schema, "title"), page


@pytest.mark.parametrize("path", ["/offers", "/demands", "/patents?mine=1", "/matches", "/deals"])
def test_a_page_past_the_last_says_so_and_links_the_last(client, db, university, path):
    org, _ = university
    with db.begin():
        for i in range(3):
            f.offer(db, org, title=f"茶叶揉捻装置第{i}号", patents=[f.patent(db, org)])
    _login(client)
    sep = "&" if "?" in path else "?"
    page = client.get(f"{path}{sep}page=40")
    assert page.status_code == 200
    assert 'data-testid="page-beyond"' in page.text and "没有第 40 页" in page.text, page.text[-2000:]
    assert "page=39" not in page.text and "/ 1 页" not in page.text
    assert re.search(r'href="[^"]*page=1">转到第 1 页（最后一页）</a>', page.text)
    assert 'data-testid="page-beyond"' not in client.get(f"{path}{sep}page=1").text
