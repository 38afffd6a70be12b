"""The register of organisations: one entry per name, members edit their own entry but neither its
custodian nor (silently) its verified name — a member's rename withdraws the office's verification,
while office staff keep the register as they edit it."""

from __future__ import annotations

from ipplatform.auth.enums import Role
from ipplatform.organisations.enums import OrgKind
from ipplatform.organisations.models import Organisation
from tests import factories as f
from tests.authz.common import org_body
from tests.test_input_hardening import bilingual


def _world(db):
    with db.begin():
        office = f.org(db, OrgKind.IP_OFFICE)
        agency = f.org(db, OrgKind.AGENCY, name="豫南运营中心（测试）")
        univ = f.org(db, OrgKind.UNIVERSITY, name="淮上大学（测试）", custodian_org_id=agency.id)
        univ.verified = True
        other = f.org(db, OrgKind.ENTERPRISE, name="云雾茶业（测试）")
        return {"staff": f.auth(f.user(db, office, Role.OFFICE_STAFF)),
                "member": f.auth(f.user(db, univ, Role.UNIVERSITY_MEMBER)),
                "agency": agency.id, "univ": univ.id, "other": other.id}


def _org(db, org_id) -> Organisation:
    db.expire_all()
    return db.get(Organisation, org_id)


def test_a_member_cannot_assign_or_drop_the_custodian(client, db):
    w = _world(db)
    for value in (None, w["other"]):
        resp = client.patch(f"/api/organisations/{w['univ']}", headers=w["member"], json={"custodian_org_id": value})
        assert bilingual(resp, 403)["message_zh"] == "仅知识产权局工作人员可以指定托管/代理机构"
    assert _org(db, w["univ"]).custodian_org_id == w["agency"]
    ok = client.patch(f"/api/organisations/{w['univ']}", headers=w["staff"], json={"custodian_org_id": None})
    assert ok.status_code == 200 and ok.json()["custodian_org_id"] is None


def test_a_members_rename_withdraws_the_verification_and_staff_keep_it(client, db):
    w = _world(db)
    same = client.patch(f"/api/organisations/{w['univ']}", headers=w["member"], json={"address": "信阳市浉河区"})
    assert same.status_code == 200 and _org(db, w["univ"]).verified  # other fields keep it
    resp = client.patch(f"/api/organisations/{w['univ']}", headers=w["member"], json={"name": "信阳市人民政府（冒用）"})
    assert resp.status_code == 200 and resp.json()["verified"] is False
    assert _org(db, w["univ"]).name == "信阳市人民政府（冒用）"
    _org(db, w["other"]).verified = True
    db.commit()
    staff = client.patch(f"/api/organisations/{w['other']}", headers=w["staff"], json={"name": "云雾茶业股份（测试）"})
    assert staff.status_code == 200 and staff.json()["verified"] is True


def test_names_are_unique_in_the_register(client, db):
    w = _world(db)
    resp = client.post("/api/organisations", headers=w["staff"], json=org_body() | {"name": "云雾茶业（测试）"})
    body = bilingual(resp, 409)
    assert body["message_zh"] == "机构名称“云雾茶业（测试）”已登记" and body["detail"][0]["field"] == "name"
    renamed = client.patch(f"/api/organisations/{w['univ']}", headers=w["member"], json={"name": "云雾茶业（测试）"})
    assert bilingual(renamed, 409)["detail"][0]["field"] == "name"
    assert _org(db, w["univ"]).name == "淮上大学（测试）"
    assert client.patch(f"/api/organisations/{w['univ']}", headers=w["member"],
                        json={"name": "淮上大学（测试）"}).status_code == 200  # its own name again is no clash
    assert client.post("/api/organisations", headers=w["staff"], json=org_body() | {"name": "新登记企业（测试）"}).status_code == 201


def test_the_office_page_shows_a_duplicate_name_at_the_field(client, db):
    w = _world(db)
    client.cookies.set("ipp_session", w["staff"]["Authorization"].split()[1])
    resp = f.form_post(client, f"/office/organisations/{w['univ']}/edit",
                       data={"kind": "university", "name": "云雾茶业（测试）", "credit_code": _org(db, w["univ"]).credit_code,
                             "county_code": "411502"})
    assert resp.status_code == 422, resp.status_code  # the form again, as for any of its errors
    assert "机构名称“云雾茶业（测试）”已登记" in resp.text
