"""The patents and listings pages through HTTP (SQLite and PostgreSQL): an organisation's patent list with
search, status filter and paging; registering, editing and lapsing a patent; the offer form's patent picker
and owner choice (an agency acting for the college whose custodian it is); the offer and demand edit forms;
status-dependent actions and the confirmation before closing; Chinese field labels in form errors."""

from __future__ import annotations

import html
import random
import re

import pytest
from sqlalchemy import select

from ipplatform import seed
from ipplatform.auth.enums import Role
from ipplatform.common.enums import ListingStatus
from ipplatform.offers.models import Offer
from ipplatform.organisations.enums import OrgKind
from ipplatform.patents.enums import LegalStatus, PatentKind
from ipplatform.patents.models import Patent
from tests import factories as f

FIELD_ERRORS = re.compile(r'data-field="(\w+)">([^<]+)<')


@pytest.fixture
def world(db):
    with db.begin():
        univ = f.org(db, OrgKind.UNIVERSITY, name="淮上理工大学（测试）")
        agency = f.org(db, OrgKind.AGENCY, name="豫南运营中心（测试）")
        college = f.org(db, OrgKind.UNIVERSITY, name="大别山农林学院（测试）", custodian_org_id=agency.id)
        stranger = f.org(db, OrgKind.ENTERPRISE, name="外地企业（测试）")
        f.user(db, univ, Role.UNIVERSITY_MEMBER, username="tto")
        f.user(db, agency, Role.AGENCY_MEMBER, username="agent")
        f.user(db, agency, Role.EVENT_ORGANISER, username="organiser")
        f.user(db, stranger, Role.OFFICE_STAFF, username="staff")
        patents = {
            "valid": f.patent(db, univ, title="一种茶叶揉捻机"),
            "pending": f.patent(db, univ, PatentKind.INVENTION_APPLICATION, LegalStatus.PENDING, title="一种待审茶饮料"),
            "lapsed": f.patent(db, univ, status=LegalStatus.LAPSED, title="一种已失效烘干机"),
            "college_patent": f.patent(db, college, title="一种油茶剥壳机"),
        }
    return {"univ": univ, "agency": agency, "college": college, "stranger": stranger, **patents}


def login(client, username: str) -> None:
    resp = f.form_post(client, "/login", data={"username": username, "password": f.PASSWORD, "next": "/"},
                       follow_redirects=False)
    assert resp.status_code == 303, resp.text


def field_errors(text: str) -> dict[str, str]:
    return {k: html.unescape(v) for k, v in FIELD_ERRORS.findall(text)}


def test_patent_list_searches_filters_and_pages(client, db, world):
    with db.begin():
        for n in range(23):
            f.patent(db, world["univ"], title=f"一种批量登记的测试装置{n:02d}")
    login(client, "tto")
    page = client.get("/patents")
    assert page.status_code == 200 and "我的专利" in page.text
    assert "共 26 件" in page.text and "第 1 / 2 页" in page.text
    assert "一种油茶剥壳机" not in page.text  # another organisation's patent
    found = client.get("/patents", params={"q": "揉捻"})
    assert "一种茶叶揉捻机" in found.text and "共 1 条" in found.text
    number = world["lapsed"].application_number
    by_number = client.get("/patents", params={"q": number[7:].lower()})  # part of the application number
    assert "一种已失效烘干机" in by_number.text and "共 1 条" in by_number.text
    lapsed = client.get("/patents", params={"status": "lapsed"})
    assert "一种已失效烘干机" in lapsed.text and "一种茶叶揉捻机" not in lapsed.text
    assert client.get("/patents", params={"status": "bogus"}).status_code == 422
    everything = client.get("/patents", params={"status": "", "kind": "", "q": ""})  # the filters' "全部" options
    assert everything.status_code == 200 and "共 26 条" in everything.text
    assert client.get("/offers", params={"mode": "", "q": ""}).status_code == 200
    second = client.get("/patents", params={"page": 2})
    assert second.text.count('data-testid="patent-row"') == 6


def test_register_edit_and_lapse_a_patent(client, db, world):
    login(client, "tto")
    form = client.get("/patents/new")
    assert form.status_code == 200 and "登记专利" in form.text
    number = f.application_number()
    bad = f.form_post(client, "/patents/new", data={
        "owner_org_id": str(world["univ"].id), "application_number": "CN123", "kind": "invention_granted",
        "title": "一种新型茶叶分拣机", "legal_status": "valid", "ipc_codes": "A23F 3/06"})
    assert bad.status_code == 422
    errors = field_errors(bad.text)
    assert errors["application_number"].startswith("申请号") and "application_number" not in errors["application_number"]
    assert 'value="一种新型茶叶分拣机"' in bad.text and 'aria-invalid="true" aria-describedby="err-application_number"' in bad.text
    done = f.form_post(client, "/patents/new", data={
        "owner_org_id": str(world["univ"].id), "application_number": number, "kind": "invention_granted",
        "title": "一种新型茶叶分拣机", "legal_status": "valid", "ipc_codes": "a23f3/6、A23N 12/02",
        "application_date": "2021-03-01", "grant_date": "2022-06-01", "inventors": "张三、李四"})
    assert done.status_code == 200 and "已保存" in done.text and "一种新型茶叶分拣机" in done.text
    with db.begin():
        patent = db.scalar(select(Patent).where(Patent.application_number == number))
        assert patent.owner_org_id == world["univ"].id and patent.ipc_codes == ["A23F 3/06", "A23N 12/02"]
        assert patent.inventors == ["张三", "李四"]
    edit = client.get(f"/patents/{patent.id}/edit")
    assert "一种新型茶叶分拣机" in edit.text and number in edit.text
    wrong = f.form_post(client, f"/patents/{patent.id}/edit", data={
        "kind": "invention_application", "title": "一种新型茶叶分拣机", "legal_status": "valid",
        "ipc_codes": "A23F 3/06", "application_date": "2021-03-01", "grant_date": "2022-06-01"})
    assert wrong.status_code == 422 and "授权日" in field_errors(wrong.text)["grant_date"]
    saved = f.form_post(client, f"/patents/{patent.id}/edit", data={
        "kind": "invention_granted", "title": "一种改进的茶叶分拣机", "legal_status": "valid",
        "ipc_codes": "A23F 3/06", "application_date": "2021-03-01", "grant_date": "2022-06-01"})
    assert saved.status_code == 200 and "一种改进的茶叶分拣机" in saved.text
    confirm = client.get(f"/patents/{patent.id}/lapse")
    assert confirm.status_code == 200 and "确认标记失效" in confirm.text
    lapsed = f.form_post(client, f"/patents/{patent.id}/lapse", data={"legal_status": "expired"})
    assert lapsed.status_code == 200 and "期限届满" in lapsed.text
    again = f.form_post(client, f"/patents/{patent.id}/lapse", data={"legal_status": "lapsed"})
    assert again.status_code == 409 and "期限届满" in again.text
    with db.begin():
        offer = f.offer(db, world["univ"], patents=[db.get(Patent, world["valid"].id)], title="揉捻机专利转让")
    warned = client.get(f"/patents/{world['valid'].id}/lapse")
    assert "揉捻机专利转让" in warned.text and 'data-testid="lapse-offers"' in warned.text
    assert f.form_post(client, f"/patents/{world['valid'].id}/lapse", data={}).status_code == 200
    detail = client.get(f"/offers/{offer.id}").text
    assert 'data-testid="lapsed-patents"' in detail and world["valid"].application_number in detail
    not_dead = f.form_post(client, f"/patents/{world['pending'].id}/lapse", data={"legal_status": "valid"})
    assert not_dead.status_code == 422 and "失效原因" in not_dead.text


def test_other_organisations_patents_cannot_be_managed(client, world):
    login(client, "tto")
    assert client.get(f"/patents/{world['college_patent'].id}/edit").status_code == 403
    assert f.form_post(client, f"/patents/{world['college_patent'].id}/lapse", data={}).status_code == 403
    assert f.form_post(client, "/patents/new", data={"owner_org_id": str(world["college"].id)}).status_code == 403
    other = client.get("/patents", params={"org_id": world["college"].id})  # patents are public: read only
    assert other.status_code == 200 and "一种油茶剥壳机" in other.text and "标记失效" not in other.text


def test_offer_form_offers_only_valid_patents_and_links_registration(client, db, world):
    login(client, "tto")
    form = client.get("/offers/new")
    assert "一种茶叶揉捻机" in form.text
    assert "一种待审茶饮料" not in form.text and "一种已失效烘干机" not in form.text
    assert "请先通过 API" not in form.text and f'/patents/new?owner_org_id={world["univ"].id}' in form.text
    # The picker searches all of the owner's valid patents through the API, not only the first page.
    with db.begin():
        for n in range(120):
            f.patent(db, world["univ"], title=f"一种批量测试装置{n:03d}")
    found = client.get("/api/patents", params={"owner_org_id": world["univ"].id, "legal_status": "valid",
                                               "q": "批量测试装置000"}).json()
    assert [p["title"] for p in found["items"]] == ["一种批量测试装置000"]
    every = client.get("/api/patents", params={"owner_org_id": world["univ"].id, "legal_status": "valid",
                                               "page_size": 100, "page": 2}).json()
    assert every["total"] == 121 and len(every["items"]) == 21
    # A lapsed patent sent anyway is refused with its number, not a Python list.
    resp = f.form_post(client, "/offers/new", data={
        "title": "烘干机技术转让", "patent_ids": str(world["lapsed"].id), "modes": "transfer", "negotiable": "on",
        "action": "publish"})
    assert resp.status_code == 422
    message = field_errors(resp.text)["patent_ids"]
    assert world["lapsed"].application_number in message and "['" not in message and message.startswith("包含专利：")


def test_agency_offers_for_the_college_it_acts_for(client, db, world):
    login(client, "agent")
    form = client.get("/offers/new")
    assert "大别山农林学院（测试）" in form.text and "（托管代理）" in form.text
    college = client.get("/offers/new", params={"owner_org_id": world["college"].id})
    assert "一种油茶剥壳机" in college.text
    resp = f.form_post(client, "/offers/new", data={
        "owner_org_id": str(world["college"].id), "title": "油茶剥壳机专利转让",
        "patent_ids": str(world["college_patent"].id),
        "modes": "transfer", "negotiable": "on", "action": "publish"}, follow_redirects=False)
    assert resp.status_code == 303, resp.text
    with db.begin():
        offer = db.get(Offer, int(resp.headers["location"].rsplit("/", 1)[1]))
        assert offer.owner_org_id == world["college"].id and offer.publisher_org_id == world["agency"].id
    # Not an organisation it acts for: refused, and nothing created.
    refused = f.form_post(client, "/offers/new", data={
        "owner_org_id": str(world["univ"].id), "title": "别人的专利", "patent_ids": str(world["valid"].id),
        "modes": "transfer", "negotiable": "on", "action": "publish"})
    assert refused.status_code == 422 and "只能管理本机构" in refused.text


def test_offer_edit_form_keeps_unticked_negotiable_and_saves(client, db, world):
    with db.begin():
        offer = f.offer(db, world["univ"], patents=[db.get(Patent, world["valid"].id)], publish=False,
                        title="揉捻机专利转让草稿")
    login(client, "tto")
    detail = client.get(f"/offers/{offer.id}")
    assert 'data-testid="publish"' in detail.text and 'data-testid="edit"' in detail.text
    assert 'data-testid="withdraw"' not in detail.text  # a draft cannot be withdrawn from the page
    edit = client.get(f"/offers/{offer.id}/edit")
    assert edit.status_code == 200 and 'value="揉捻机专利转让草稿"' in edit.text and "10" in edit.text
    bad = f.form_post(client, f"/offers/{offer.id}/edit", data={
        "title": "揉捻机专利转让", "patent_ids": str(world["valid"].id), "modes": "transfer",
        "asking_price": "", "action": "save"})  # 面议 cleared and no price
    assert bad.status_code == 422
    assert field_errors(bad.text)["asking_price"].startswith("报价：")
    negotiable = re.search(r'<input type="checkbox" name="negotiable"[^>]*>', bad.text).group(0)
    assert "checked" not in negotiable  # the cleared box comes back cleared
    ok = f.form_post(client, f"/offers/{offer.id}/edit", data={
        "title": "揉捻机专利转让", "patent_ids": str(world["valid"].id), "modes": ["transfer", "ordinary_licence"],
        "asking_price": "12.5", "action": "save"}, follow_redirects=False)
    assert ok.status_code == 303
    db.expire_all()
    with db.begin():
        saved = db.get(Offer, offer.id)
        assert saved.title == "揉捻机专利转让" and str(saved.asking_price) == "125000.00" and not saved.negotiable
        assert saved.modes == ["transfer", "ordinary_licence"]


def test_published_offer_actions_and_close_confirmation(client, db, world):
    with db.begin():
        offer = f.offer(db, world["univ"], patents=[db.get(Patent, world["valid"].id)])
    login(client, "tto")
    detail = client.get(f"/offers/{offer.id}").text
    assert f'href="/deals/new?offer_id={offer.id}"' in detail and 'data-testid="withdraw"' in detail
    assert 'data-testid="publish"' not in detail
    confirm = client.get(f"/offers/{offer.id}/close")
    assert confirm.status_code == 200 and "确认关闭" in confirm.text and f"/deals/new?offer_id={offer.id}" in confirm.text
    db.expire_all()
    with db.begin():
        assert db.get(Offer, offer.id).status == ListingStatus.PUBLISHED  # opening the confirmation changes nothing
    closed = f.form_post(client, f"/offers/{offer.id}/close")
    assert closed.status_code == 200 and 'data-testid="listing-actions"' in closed.text
    assert 'data-testid="edit"' not in closed.text
    assert client.get(f"/offers/{offer.id}/edit").status_code == 409
    assert client.get(f"/offers/{offer.id}/close").status_code == 409


def test_demand_edit_with_industry_and_region_pickers_and_labelled_errors(client, db, world):
    with db.begin():
        demand = f.demand(db, world["univ"], title="需要茶园采摘机器人", industry_code="3572", region_code="411524")
    login(client, "tto")
    edit = client.get(f"/demands/{demand.id}/edit")
    assert edit.status_code == 200
    assert re.search(r'<option value="35" selected>', edit.text)  # the division of class 3572
    assert re.search(r'<option value="3572" selected>', edit.text)
    assert re.search(r'<option value="411524" selected>商城县', edit.text)
    bad = f.form_post(client, f"/demands/{demand.id}/edit", data={
        "title": "需要茶园采摘机器人", "description": "名优茶人工采摘成本高，需要嫩芽识别采摘技术。",
        "industry_code": "35", "industry_code_detail": "3572", "budget_min": "50", "budget_max": "5",
        "preferred_ipc": "A01D, 坏代码", "region_code": "411524", "action": "save"})
    assert bad.status_code == 422
    errors = field_errors(bad.text)
    assert errors["preferred_ipc"].startswith("期望 IPC 分类第 2 项：")
    assert "preferred_ipc." not in bad.text and 'value="A01D, 坏代码"' in bad.text
    order = f.form_post(client, f"/demands/{demand.id}/edit", data={
        "title": "需要茶园采摘机器人", "description": "名优茶人工采摘成本高，需要嫩芽识别采摘技术。",
        "industry_code": "35", "industry_code_detail": "3572", "budget_min": "50", "budget_max": "5",
        "region_code": "411524", "action": "save"})
    assert order.status_code == 422 and field_errors(order.text)["budget_max"] == "预算上限低于下限"
    summary = order.text.split('data-testid="form-errors"')[1].split("</div>")[0]
    assert "预算上限低于下限" in summary and "budget_max：" not in order.text
    ok = f.form_post(client, f"/demands/{demand.id}/edit", data={
        "title": "需要茶园采摘机器人", "description": "名优茶人工采摘成本高，需要嫩芽识别采摘技术。",
        "industry_code": "C", "industry_code_detail": "", "budget_min": "50", "budget_max": "80",
        "region_code": "411525", "action": "save"})
    assert ok.status_code == 200 and "制造业" in ok.text and "固始县" in ok.text
    db.expire_all()
    with db.begin():
        assert str(db.get(type(demand), demand.id).budget_max) == "800000.00"
    assert 'data-testid="mark-dealt"' not in ok.text  # demands close without a deal form
    assert client.get(f"/demands/{demand.id}/close").status_code == 200


def _menu(html: str) -> str:
    """The top menu of a page (everything inside its <nav>, the 更多 entries included)."""
    return html.split('<nav data-testid="top-nav">')[1].split("</nav>")[0]


def test_publishing_menu_is_hidden_from_roles_that_cannot_publish(client, world):
    for username in ("organiser", "staff"):
        login(client, username)
        home = client.get("/").text
        menu = _menu(home)
        assert "发布供给" not in menu and "发布需求" not in menu and "我的专利" not in menu, username
        f.form_post(client, "/logout")
    login(client, "tto")
    menu = _menu(client.get("/").text)
    assert "发布供给" in menu and "我的专利" in menu


def test_demo_titles_and_abstracts_carry_no_feature_words():
    """The abstracts file glues "title [SEP] English feature words [SEP] abstract"; the demo keeps them apart."""
    rows = seed._read_patents(7798, random.Random(1))
    assert rows and all(len(r["title"]) >= 2 for r in rows)
    assert not [r["title"] for r in rows if "[SEP]" in r["title"] or re.search(r"\b[a-z]{3,} [a-z]{3,}\b", r["title"])]
    assert not [r["publication_number"] for r in rows if r["abstract"] and "[SEP]" in r["abstract"]]
