"""What the pages answer when the visitor must log in, may not do something, asks for something that is not
there or sends a form that does not validate: the login redirect, the common error page per status, and
forms shown again with their messages."""

from __future__ import annotations

import re

import pytest

from ipplatform.auth.cookies import COOKIE_NAME
from ipplatform.auth.enums import Role
from ipplatform.matching.models import Match
from ipplatform.organisations.enums import OrgKind
from tests import factories as f

HTML = {"Accept": "text/html"}


@pytest.fixture
def world(db):
    with db.begin():
        ent, univ, office = f.org(db, OrgKind.ENTERPRISE), f.org(db, OrgKind.UNIVERSITY), f.org(db, OrgKind.IP_OFFICE)
        users = {"ent": f.user(db, ent, Role.ENTERPRISE_MEMBER), "univ": f.user(db, univ, Role.UNIVERSITY_MEMBER),
                 "staff": f.user(db, office, Role.OFFICE_STAFF)}
        demand = f.demand(db, ent, title="需要茶叶加工技术")
        match = Match(demand_id=demand.id, offer_id=f.offer(db, univ, title="茶叶揉捻技术转让").id, score=0.8, rank=1,
                      strong=True, explanation={})
        db.add(match)
        db.flush()
    return {"users": users, "demand": demand.id, "match": match.id, "offer": match.offer_id}


def _as(client, user) -> None:
    client.cookies.set(COOKIE_NAME, f.auth(user)["Authorization"].removeprefix("Bearer "))


def error_page(resp, status: int) -> str:
    assert resp.status_code == status, resp.text[-1000:]
    assert 'data-testid="error-page"' in resp.text and f'data-status="{status}"' in resp.text
    return resp.text


def test_pages_that_need_a_login_redirect_back_to_where_the_visitor_was(client, world):
    for path in ("/account", "/offers/new", "/demands/new", "/matches", "/stats", "/stats/records/deals_count"):
        resp = client.get(path, follow_redirects=False)
        assert resp.status_code == 303 and resp.headers["location"] == f"/login?next={path}", path
    resp = client.get("/stats?county=411524", follow_redirects=False)
    assert resp.headers["location"] == "/login?next=/stats%3Fcounty%3D411524"
    assert 'name="next" value="/stats?county=411524"' in client.get(resp.headers["location"]).text
    # A form posted without a login goes back to the page the form was on, not to the POST address.
    offer = f"/offers/{world['offer']}"
    resp = f.form_post(client, offer + "/withdraw", headers={"Referer": f"http://testserver{offer}"},
                       follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == f"/login?next={offer}"
    resp = f.form_post(client, "/account/password", headers={"Referer": "http://testserver/account"},
                       follow_redirects=False)
    assert resp.headers["location"] == "/login?next=/account"
    resp = f.form_post(client, f"/matches/{world['match']}/feedback", data={"intent": "buy"}, follow_redirects=False)
    assert resp.headers["location"] == "/login?next=/"  # no page to go back to


def test_a_refused_page_says_so_with_the_reason(client, world):
    _as(client, world["users"]["ent"])
    text = error_page(client.get("/stats", headers=HTML), 403)
    assert "无权访问" in text and "统计数据仅对知识产权局工作人员开放" in text
    error_page(client.get("/stats/records/deals_count", headers=HTML), 403)
    _as(client, world["users"]["univ"])  # the offer's side may not rate the match
    text = error_page(f.form_post(client, f"/matches/{world['match']}/feedback", data={"intent": "buy"}), 403)
    assert "无权访问" in text and "仅需求方可以反馈" in text
    text = error_page(f.form_post(client, f"/demands/{world['demand']}/close"), 403)
    assert "无权访问" in text and "只能管理本机构" in text


def test_a_role_that_cannot_publish_sees_the_form_with_a_notice_and_is_refused(client, world):
    _as(client, world["users"]["staff"])
    form = client.get("/offers/new")
    assert form.status_code == 200 and 'data-testid="form-refused"' in form.text and "您的角色不能发布供给信息" in form.text
    assert 'data-testid="form-refused"' in client.get("/demands/new").text
    text = error_page(f.form_post(client, "/demands/new", data={
        "title": "需要茶叶加工技术", "description": "需要名优绿茶连续化加工技术方案。", "action": "publish"}), 403)
    assert "无权访问" in text and "您的角色不能发布需求信息" in text
    _as(client, world["users"]["ent"])
    assert 'data-testid="form-refused"' not in client.get("/demands/new").text


def test_missing_records_bad_filters_and_conflicts_use_the_error_page(client, world):
    assert "未找到" in error_page(client.get("/offers/2147483000", headers=HTML), 404)
    assert "未找到" in error_page(client.get("/demands/2147483000", headers=HTML), 404)
    _as(client, world["users"]["staff"])
    assert "nope" in error_page(client.get("/stats/records/nope", headers=HTML), 404)
    text = error_page(client.get("/stats/records/deals_count", params={"start": "2025-02-01", "end": "2025-01-01"},
                                 headers=HTML), 400)
    assert "请求有误" in text and "筛选条件有误" in text
    _as(client, world["users"]["ent"])
    text = error_page(f.form_post(client, f"/demands/{world['demand']}/publish"), 409)  # already published
    assert "已发布" in text
    assert "not_found" not in text


def test_invalid_feedback_shows_the_match_page_again(client, world):
    _as(client, world["users"]["ent"])
    resp = f.form_post(client, f"/matches/{world['match']}/feedback",
                       data={"prospect_rating": "4", "intent": "shout", "improvement_needs": "需要中试数据"})
    assert resp.status_code == 422
    assert "需要茶叶加工技术" in resp.text and 'data-testid="feedback-refused"' in resp.text
    form = re.search(r'<form method="post" action="/matches/%d/feedback".*?</form>' % world["match"], resp.text, re.S)
    assert form and 'data-field="intent"' in form.group(0)
    assert '<option value="4" selected>' in form.group(0) and 'value="需要中试数据"' in form.group(0)  # kept
    ok = f.form_post(client, f"/matches/{world['match']}/feedback", data={"intent": "negotiate"}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == f"/matches/{world['match']}?saved=feedback#feedback"


def test_a_bad_query_value_typed_by_hand_is_named_in_chinese(client, world):
    """A filter value nobody's form sends (``/patents?status=bogus``) answers the error page naming the field by
    its label, not the parameter's internal name; an unlabelled parameter reads 查询条件, a bad part of the path 网址."""
    _as(client, world["users"]["ent"])
    text = error_page(client.get("/patents", params={"status": "bogus"}, headers=HTML), 422)
    assert "状态：取值无效" in text
    assert "status：" not in text
    text = error_page(client.get("/patents", params={"page": "x"}, headers=HTML), 422)
    assert "查询条件：" in text and "page：" not in text
    # a part of the address typed by hand is the address, not a query condition
    text = error_page(client.get("/offers/abc", headers=HTML), 422)
    assert "网址：应为整数" in text and "查询条件" not in text
    text = error_page(f.form_post(client, f"/offers/{world['offer']}/bogus"), 422)
    assert "网址：取值无效" in text and "publish" in text and "查询条件" not in text
