"""Refusals say what was wrong in Chinese: an unknown choice lists the accepted values with their Chinese
labels (one enumeration's, not another's with the same value), a page names the field in Chinese, and a
403 gives the reason of the refused action (audit trail, credit, statistics …), not one shared text."""

from __future__ import annotations

import re

import pytest

from ipplatform.auth.enums import Role
from ipplatform.organisations.enums import OrgKind
from tests import factories as f
from tests.test_input_hardening import bilingual, fields


@pytest.fixture
def people(db):
    with db.begin():
        office = f.org(db, OrgKind.IP_OFFICE)
        univ = f.org(db, OrgKind.UNIVERSITY)
        return {"staff": f.auth(f.user(db, office, Role.OFFICE_STAFF)),
                "member": f.auth(f.user(db, univ, Role.UNIVERSITY_MEMBER)), "univ": univ.id}


def test_an_unknown_choice_lists_the_values_with_chinese_labels(client, people):
    sort = fields(client.get("/api/search/offers", params={"sort": "cheapest"}))["sort"]["message_zh"]
    assert sort == "sort：取值无效，可选：relevance（相关度）、newest（最新发布）、price_asc（价格从低到高） 或 price_desc（价格从高到低）"
    status = fields(client.get("/api/offers", params={"status": "gone"}))["status"]["message_zh"]
    assert "closed（已成交/关闭）" in status and "已结束" not in status  # the listing's 'closed', not an event's
    kind = fields(client.get("/api/stats/summary", params={"org_kind": "bank"}, headers=people["staff"]))["org_kind"]
    assert "financial（金融机构）" in kind["message_zh"] and " or " not in kind["message_zh"]


def _page_text(resp) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", resp.text))


def test_pages_name_the_wrong_field_in_chinese(client, people):
    search = _page_text(client.get("/search", params={"mode": "fuzzy"}, headers={"Accept": "text/html"}))
    assert "检索方式：取值无效，可选：keyword（关键词）、semantic（语义） 或 hybrid（智能（关键词+语义））" in search
    client.cookies.set("ipp_session", people["staff"]["Authorization"].split()[1])
    stats = client.get("/stats", params={"org_kind": "bank"}, headers={"Accept": "text/html"})
    assert "筛选条件有误：机构类型：取值无效" in _page_text(stats)


@pytest.mark.parametrize("method, path, reason", [
    ("get", "/api/audit", "操作日志仅对知识产权局工作人员开放"),
    ("get", "/api/credit/flags", "仅知识产权局工作人员可以办理信用监管"),
    ("get", "/api/credit/dishonest", "仅知识产权局工作人员可以办理信用监管"),
    ("get", "/api/stats/summary", "统计数据仅对知识产权局工作人员开放"),
    ("post", "/api/organisations/{univ}/verify", "仅知识产权局工作人员可以认证机构"),
])
def test_a_refusal_gives_the_reason_of_the_action(client, people, method, path, reason):
    resp = getattr(client, method)(path.format(univ=people["univ"]), headers=people["member"])
    assert bilingual(resp, 403)["message_zh"] == reason
    assert getattr(client, method)(path.format(univ=people["univ"]), headers=people["staff"]).status_code == 200
