"""The office staff area and user administration pages, through HTTP on SQLite and PostgreSQL: what they show
(evidence in words, states), what they change, and their errors in Chinese with Chinese field labels."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from ipplatform.auth.enums import Role
from ipplatform.auth.models import AuthSession, User
from ipplatform.credit.models import CreditFlag, DishonestEntity
from ipplatform.organisations.enums import OrgKind
from ipplatform.organisations.models import Organisation
from ipplatform.common.timefmt import beijing_today
from tests import factories as f
from tests.journeys.conftest import page_problems


def visible_text(html: str) -> str:
    """The page's text roughly as a reader sees it (tags, scripts and attribute values dropped)."""
    body = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def login(client, username: str) -> None:
    resp = f.form_post(client, "/login", data={"username": username, "password": f.PASSWORD, "next": "/"},
                       follow_redirects=False)
    assert resp.status_code == 303


@pytest.fixture
def office(db):
    with db.begin():
        office_org = f.org(db, OrgKind.IP_OFFICE, name="市知识产权局（测试）")
        univ = f.org(db, OrgKind.UNIVERSITY, name="淮上理工大学（测试）")
        ent = f.org(db, OrgKind.ENTERPRISE, name="云雾茶业（测试）")
        agency = f.org(db, OrgKind.AGENCY, name="豫南运营中心（测试）")
        f.user(db, office_org, Role.OFFICE_STAFF, username="staff")
        f.user(db, office_org, Role.ADMIN, username="root")
        member = f.user(db, ent, Role.ENTERPRISE_MEMBER, username="member")
        patents = [f.patent(db, univ) for _ in range(2)]
        deal = f.deal(db, univ, ent, patents, date(2025, 3, 1), amount="250000")
        flags = [
            CreditFlag(deal_id=deal.id, rule="dishonest_party", message_zh="受让方列入失信主体名单（信用中国）",
                       evidence={"role": "受让方", "org": ent.id, "credit_code": ent.credit_code, "source": "信用中国",
                                 "listed_from": "2024-01-01", "listed_to": None}),
            CreditFlag(deal_id=deal.id, rule="price_outlier", message_zh="价格偏离同类中位数",
                       evidence={"price_per_patent": 125000.0, "median": 20000.0, "robust_z": 4.2, "comparables": 9,
                                 "ipc_section": "A", "kind": "invention_granted"}),
            CreditFlag(deal_id=deal.id, rule="repeated_transfer", message_zh="专利一年内转让 2 次",
                       evidence={"patent": patents[0].application_number, "deals": [deal.id],
                                 "dates": ["2025-03-01", "2025-06-01"]}),
        ]
        db.add_all(flags)
    return {"univ": univ, "ent": ent, "agency": agency, "deal": deal, "flags": flags, "member": member,
            "office_org": office_org}


def test_flags_show_their_evidence_in_words_and_take_a_decision(client, db, office):
    login(client, "staff")
    page = client.get("/office/flags")
    assert page.status_code == 200
    text = visible_text(page.text)
    for words in ("受让方：云雾茶业（测试）", "名单来源 信用中国", "2024-01-01 起", "每件专利转让价 12.50 万元",
                  "同类交易中位数 2 万元（IPC A 部、发明授权，可比交易 9 笔）", "稳健 z 值 4.2", "交易 #%d" % office["deal"].id,
                  "待核查（3）", "25 万元"):
        assert words in text, words
    assert page_problems(text) == []
    assert f'href="/deals/{office["deal"].id}"' in page.text
    flag = office["flags"][1]
    refused = f.form_post(client, f"/office/flags/{flag.id}/review", data={"decision": "cleared", "note": " "})
    assert refused.status_code == 422
    assert "核查说明：排除预警时请填写核查说明" in visible_text(refused.text)
    assert 'value="cleared" checked' in refused.text  # the choice is kept
    assert db.get(CreditFlag, flag.id).status == "open"
    ok = f.form_post(client, f"/office/flags/{flag.id}/review", data={"decision": "cleared", "note": "同类样本偏少"},
                     follow_redirects=False)
    assert ok.status_code == 303
    shown = client.get(ok.headers["location"])
    assert f"信用预警 #{flag.id} 的核查结论已保存：已排除" in shown.text and "待核查（2）" in shown.text
    db.expire_all()
    saved = db.get(CreditFlag, flag.id)
    assert saved.status == "cleared" and saved.review_note == "同类样本偏少" and saved.reviewed_at is not None
    cleared = visible_text(client.get("/office/flags?status=cleared").text)
    assert "说明：同类样本偏少" in cleared and not re.search(r"\d{2}:\d{2}:\d{2}\.\d", cleared)
    bad = f.form_post(client, f"/office/flags/{flag.id}/review", data={"decision": "maybe"})
    assert bad.status_code == 422 and "核查结论：请选择核查结论" in visible_text(bad.text)
    assert client.get("/office/flags?status=nope").status_code == 422


def test_the_dishonest_list_is_kept_on_its_page(client, db, office):
    login(client, "staff")
    code = office["ent"].credit_code
    bad = f.form_post(client, "/office/dishonest", data={"credit_code": code[:-1] + ("0" if code[-1] != "0" else "1"),
                                                          "name": "云雾茶业", "source": "信用中国",
                                                          "listed_from": "2025-01-01"})
    assert bad.status_code == 422
    assert "统一社会信用代码：" in visible_text(bad.text) and 'value="云雾茶业"' in bad.text
    assert page_problems(visible_text(bad.text)) == []
    missing = f.form_post(client, "/office/dishonest", data={"credit_code": code, "name": "", "source": "信用中国",
                                                              "listed_from": ""})
    text = visible_text(missing.text)
    assert missing.status_code == 422 and "主体名称：" in text and "列入日期：" in text
    order = f.form_post(client, "/office/dishonest", data={"credit_code": code, "name": "云雾茶业", "source": "信用中国",
                                                            "listed_from": "2025-05-01", "listed_to": "2025-01-01"})
    assert order.status_code == 422 and "列入截止日期：列入截止日期早于列入日期" in visible_text(order.text)
    data = {"credit_code": code, "name": "云雾茶业", "source": "信用中国 2025-17 号", "listed_from": "2025-01-01"}
    assert f.form_post(client, "/office/dishonest", data=data, follow_redirects=False).status_code == 303
    again = f.form_post(client, "/office/dishonest", data=data)
    assert again.status_code == 422 and "已在失信名单中" in visible_text(again.text)
    entry = db.scalar(select(DishonestEntity).where(DishonestEntity.credit_code == code))
    listing = visible_text(client.get("/office/dishonest?state=active").text)
    assert "云雾茶业" in listing and "生效中" in listing
    yesterday = beijing_today() - timedelta(days=1)
    assert f.form_post(client, f"/office/dishonest/{entry.id}/expire", data={"listed_to": str(yesterday)},
                       follow_redirects=False).status_code == 303
    assert "云雾茶业" not in visible_text(client.get("/office/dishonest?state=active").text)
    assert "已截止" in visible_text(client.get("/office/dishonest?state=expired").text)
    early = f.form_post(client, f"/office/dishonest/{entry.id}/expire", data={"listed_to": "2024-01-01"})
    assert early.status_code == 422 and "列入截止日期早于列入日期" in early.text
    assert f.form_post(client, f"/office/dishonest/{entry.id}/remove", follow_redirects=False).status_code == 303
    assert db.scalar(select(func.count()).select_from(DishonestEntity)) == 0
    assert f.form_post(client, f"/office/dishonest/{entry.id}/remove").status_code == 404


def test_dishonest_api_expires_and_removes(client, db, office):
    with db.begin():
        staff = f.auth(db.scalar(select(User).where(User.username == "staff")))
    body = {"credit_code": office["ent"].credit_code, "name": "云雾茶业", "source": "信用中国", "listed_from": "2025-01-01"}
    created = client.post("/api/credit/dishonest", headers=staff, json=body).json()
    assert client.post("/api/credit/dishonest", headers=staff, json=body).status_code == 409
    expired = client.post(f"/api/credit/dishonest/{created['id']}/expire", headers=staff, json={"listed_to": "2025-06-30"})
    assert expired.status_code == 200 and expired.json()["listed_to"] == "2025-06-30"
    assert client.get("/api/credit/dishonest?state=expired", headers=staff).json()[0]["id"] == created["id"]
    assert client.get("/api/credit/dishonest?state=active", headers=staff).json() == []
    assert client.delete(f"/api/credit/dishonest/{created['id']}", headers=staff).status_code == 204
    assert client.delete(f"/api/credit/dishonest/{created['id']}", headers=staff).status_code == 404


def test_an_untouched_organisation_form_keeps_a_class_level_industry(client, db, office):
    """Seeded and API organisations carry GB/T 4754 classes (小类, 4 digits): the form shows the class in the
    picker's detail select, so saving it unchanged keeps the industry."""
    with db.begin():
        org = f.org(db, OrgKind.ENTERPRISE, name="光山县羽绒制品（测试）", industry_code="1830")
    login(client, "staff")
    edit = client.get(f"/office/organisations/{org.id}/edit").text
    assert re.search(r'<option value="18" selected>', edit) and re.search(r'<option value="1830" selected>', edit)
    untouched = {"name": org.name, "county_code": org.county_code, "industry_code": "18",
                 "industry_code_detail": "1830", "custodian_org_id": ""}  # what the browser sends back
    assert f.form_post(client, f"/office/organisations/{org.id}/edit", data=untouched,
                       follow_redirects=False).status_code == 303
    db.expire_all()
    assert db.get(Organisation, org.id).industry_code == "1830"
    division_only = {**untouched, "industry_code_detail": ""}
    f.form_post(client, f"/office/organisations/{org.id}/edit", data=division_only)
    db.expire_all()
    assert db.get(Organisation, org.id).industry_code == "18"
    # Without JavaScript the detail select still holds the old division's class when another division (or 不限)
    # is picked: the division picked wins, the stale class is dropped.
    for division, expected in (("18", "1830"), ("15", "15"), ("C", "C"), ("", None)):
        f.form_post(client, f"/office/organisations/{org.id}/edit",
                    data={**untouched, "industry_code": division, "industry_code_detail": "1830"})
        db.expire_all()
        assert db.get(Organisation, org.id).industry_code == expected, division


def test_organisations_are_registered_edited_and_verified(client, db, office):
    login(client, "staff")
    form = client.get("/office/organisations/new").text
    assert '<optgroup label="C 制造业">' in form  # the shared industry picker: sections with their divisions,
    assert re.search(r'<option value="15">15 ', form) and '"1530"' in form  # groups and classes in its detail tree
    assert "豫南运营中心（测试）" in form and "云雾茶业（测试）" not in form.split('name="custodian_org_id"')[1]
    base = {"kind": "university", "credit_code": f.credit_code("411502"), "name": "信阳农林研究院（测试）",
            "county_code": "411502", "industry_code": "73"}
    bad = f.form_post(client, "/office/organisations/new", data={**base, "credit_code": "123", "contact_email": "x@"})
    text = visible_text(bad.text)
    assert bad.status_code == 422 and "统一社会信用代码：" in text and "电子邮箱：" in text
    assert 'value="信阳农林研究院（测试）"' in bad.text and page_problems(text) == []
    not_agency = f.form_post(client, "/office/organisations/new", data={**base, "custodian_org_id": str(office["ent"].id)})
    assert not_agency.status_code == 422 and "托管/代理机构：托管机构必须是已登记的运营/托管机构" in visible_text(not_agency.text)
    elsewhere = f.form_post(client, "/office/organisations/new",
                            data={**base, "county_code": "", "other_region": "410105",
                                  "custodian_org_id": str(office["agency"].id)}, follow_redirects=False)
    assert elsewhere.status_code == 303
    org = db.scalar(select(Organisation).where(Organisation.credit_code == base["credit_code"]))
    assert org.county_code == "410105" and org.custodian_org_id == office["agency"].id and not org.verified
    listing = visible_text(client.get(elsewhere.headers["location"]).text)
    assert "机构已登记" in listing and "待认证" in listing and "豫南运营中心（测试）" in listing
    dup = f.form_post(client, "/office/organisations/new", data=base)
    assert dup.status_code == 422 and f"统一社会信用代码：统一社会信用代码 {org.credit_code} 已登记" in visible_text(dup.text)
    edit = client.get(f"/office/organisations/{org.id}/edit").text
    assert 'name="other_region" value="410105"' in edit
    saved = f.form_post(client, f"/office/organisations/{org.id}/edit", data={
        "name": "信阳农林研究院（改名）", "county_code": "411503", "industry_code": "", "address": "平桥区",
        "custodian_org_id": ""}, follow_redirects=False)
    assert saved.status_code == 303
    db.expire_all()
    org = db.get(Organisation, org.id)
    assert (org.name, org.county_code, org.industry_code, org.custodian_org_id, org.address) == (
        "信阳农林研究院（改名）", "411503", None, None, "平桥区")
    emptied = f.form_post(client, f"/office/organisations/{org.id}/edit", data={"name": "", "county_code": "411503"})
    assert emptied.status_code == 422 and "机构名称：必填" in visible_text(emptied.text)
    assert f.form_post(client, f"/office/organisations/{org.id}/verify", data={"verified": "1"},
                       follow_redirects=False).status_code == 303
    db.expire_all()
    assert db.get(Organisation, org.id).verified
    assert "已认证" in visible_text(client.get("/office/organisations?verified=yes&q=改名").text)
    assert "改名" not in visible_text(client.get("/office/organisations?verified=no").text)
    f.form_post(client, f"/office/organisations/{org.id}/verify", data={"verified": "0"})
    db.expire_all()
    assert not db.get(Organisation, org.id).verified
    assert client.get("/office/organisations/999999/edit").status_code == 404


def test_admin_manages_users(client, db, office):
    login(client, "root")
    page = visible_text(client.get("/admin/users").text)
    assert "member" in page and "企业用户" in page and "云雾茶业（测试）" in page
    data = {"username": "newbie", "display_name": "新用户", "email": "", "role": "university_member",
            "org_id": str(office["univ"].id), "password": "long-enough-1", "password_confirm": "long-enough-2"}
    differ = f.form_post(client, "/admin/users/new", data=data)
    assert differ.status_code == 422 and "确认密码：两次输入的密码不一致" in visible_text(differ.text)
    assert 'value="newbie"' in differ.text and "long-enough" not in differ.text  # passwords are not echoed
    short = f.form_post(client, "/admin/users/new", data={**data, "username": "a b", "password": "x",
                                                           "password_confirm": "x", "role": ""})
    text = visible_text(short.text)
    assert short.status_code == 422 and "用户名：" in text and "初始密码：" in text and "角色：" in text
    assert page_problems(text) == []
    ok = f.form_post(client, "/admin/users/new", data={**data, "password_confirm": "long-enough-1"},
                     follow_redirects=False)
    assert ok.status_code == 303 and "newbie" in client.get(ok.headers["location"]).text
    taken = f.form_post(client, "/admin/users/new", data={**data, "password_confirm": "long-enough-1"})
    assert taken.status_code == 422 and "用户名：用户名 newbie 已被使用" in visible_text(taken.text)
    newbie = db.scalar(select(User).where(User.username == "newbie"))
    assert newbie.role == Role.UNIVERSITY_MEMBER and newbie.org_id == office["univ"].id
    db.rollback()  # end the reads' transaction
    with db.begin():
        member_token = f.auth(db.get(User, office["member"].id))
    assert client.get("/api/auth/me", headers=member_token).status_code == 200
    assert f.form_post(client, f"/admin/users/{office['member'].id}/active", data={"active": "0"},
                       follow_redirects=False).status_code == 303
    assert client.get("/api/auth/me", headers=member_token).status_code == 401  # signed out at once
    assert "已停用" in visible_text(client.get("/admin/users?active=no").text)
    f.form_post(client, f"/admin/users/{office['member'].id}/active", data={"active": "1"})
    db.expire_all()
    assert db.get(User, office["member"].id).is_active
    root = db.scalar(select(User).where(User.username == "root"))
    assert f.form_post(client, f"/admin/users/{root.id}/active", data={"active": "0"}).status_code == 409
    weak = f.form_post(client, f"/admin/users/{newbie.id}/password", data={"password": "123", "password_confirm": "123"})
    assert weak.status_code == 422 and "新密码：至少需要 8 个字符" in visible_text(weak.text)
    assert f.form_post(client, f"/admin/users/{newbie.id}/password", data={
        "password": "brand-new-pass", "password_confirm": "brand-new-pass"}, follow_redirects=False).status_code == 303
    other = type(client)(client.app)
    assert f.form_post(other, "/login", data={"username": "newbie", "password": "brand-new-pass", "next": "/"},
                       follow_redirects=False).status_code == 303
    assert db.scalar(select(func.count()).select_from(AuthSession).where(AuthSession.user_id == newbie.id)) == 1


def test_staff_only_and_admin_only(client, db, office):
    login(client, "member")
    assert "无权访问" in client.get("/office").text
    assert client.get("/office/flags").status_code == 403
    login(client, "staff")
    assert client.get("/office").status_code == 200 and client.get("/admin/users").status_code == 403
    home = visible_text(client.get("/office").text)
    assert "3 条待核查" in home and "交易批量导入" in home and "用户管理" not in home
    assert 'href="/admin/users"' not in client.get("/office").text
