"""Publish → read → withdraw through the API as a real user would: log in with a password, register a
patent, publish an offer, find it anonymously, withdraw it, and check the audit trail."""

from __future__ import annotations

from ipplatform.auth.enums import Role
from ipplatform.organisations.enums import OrgKind
from tests import factories as f


def login(client, username: str) -> dict[str, str]:
    resp = client.post("/api/auth/token", data={"username": username, "password": f.PASSWORD})
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['access_token']}"}


def test_offer_publish_read_withdraw(client, db):
    with db.begin():
        univ = f.org(db, OrgKind.UNIVERSITY, name="淮上理工大学（测试）")
        f.user(db, univ, Role.UNIVERSITY_MEMBER, username="tto")
        office = f.org(db, OrgKind.IP_OFFICE)
        f.user(db, office, Role.OFFICE_STAFF, username="staff")
    headers = login(client, "tto")
    assert client.get("/api/auth/me", headers=headers).json()["username"] == "tto"

    app_no = f.application_number()
    patent = client.post("/api/patents", headers=headers, json={
        "application_number": app_no, "publication_number": "CN114081026B", "kind": "invention_granted",
        "title": "一种信阳毛尖连续化杀青装置", "ipc_codes": ["a23f3/06", "A23N 12/08"], "legal_status": "valid",
        "application_date": "2021-04-02", "grant_date": "2022-06-10"})
    assert patent.status_code == 201, patent.text
    assert patent.json()["ipc_main"] == "A23F 3/06"
    assert patent.json()["owner_org_id"] == univ.id

    created = client.post("/api/offers", headers=headers, json={
        "title": "信阳毛尖杀青技术转让", "patent_ids": [patent.json()["id"]],
        "modes": ["transfer", "open_licence"], "open_licence_fee": "20000", "asking_price": "500000",
        "negotiable": True, "contact_phone": "0376-6231234", "application_fields": ["茶叶加工"]})
    assert created.status_code == 201, created.text
    offer = created.json()
    assert offer["status"] == "draft" and offer["published_at"] is None
    assert offer["modes_zh"] == ["转让", "开放许可"]

    # A draft is not public.
    assert client.get(f"/api/offers/{offer['id']}").status_code == 404
    assert client.get("/api/offers").json()["total"] == 0

    published = client.post(f"/api/offers/{offer['id']}/publish", headers=headers)
    assert published.status_code == 200
    assert published.json()["status"] == "published" and published.json()["published_at"]

    public = client.get(f"/api/offers/{offer['id']}")
    assert public.status_code == 200
    assert public.json()["patents"][0]["application_number"] == app_no
    listing = client.get("/api/offers", params={"mode": "open_licence"}).json()
    assert [o["id"] for o in listing["items"]] == [offer["id"]]
    assert client.get("/api/offers", params={"mode": "pledge"}).json()["total"] == 0

    withdrawn = client.post(f"/api/offers/{offer['id']}/withdraw", headers=headers)
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert client.get(f"/api/offers/{offer['id']}").status_code == 404
    assert client.get("/api/offers").json()["total"] == 0
    # The owner still sees it; withdrawing twice is a conflict, not a silent success.
    assert client.get(f"/api/offers/{offer['id']}", headers=headers).json()["status"] == "withdrawn"
    again = client.post(f"/api/offers/{offer['id']}/withdraw", headers=headers)
    assert again.status_code == 409 and "已撤回" in again.json()["message_zh"]

    staff = login(client, "staff")
    trail = client.get("/api/audit", headers=staff, params={"entity_type": "offer", "entity_id": offer["id"]}).json()
    actions = [(r["action"], r["changes"].get("status")) for r in reversed(trail)]
    assert actions == [("create", [None, "draft"]), ("update", ["draft", "published"]),
                       ("update", ["published", "withdrawn"])]
    assert {r["actor_user_id"] for r in trail} == {client.get("/api/auth/me", headers=headers).json()["id"]}


def test_demand_publish_read_withdraw(client, db):
    with db.begin():
        ent = f.org(db, OrgKind.ENTERPRISE)
        f.user(db, ent, Role.ENTERPRISE_MEMBER, username="buyer")
    headers = login(client, "buyer")
    resp = client.post("/api/demands", headers=headers, json={
        "title": "锂电池储能系统热管理", "description": "为分布式光伏配套储能柜，需要液冷热管理技术。",
        "industry_code": "3841", "preferred_ipc": ["H01M"], "budget_min": "2000000", "budget_max": "10000000",
        "modes": ["transfer", "exclusive_licence"], "region_code": "411503", "publish": True})
    assert resp.status_code == 201, resp.text
    demand = resp.json()
    assert demand["status"] == "published"
    assert demand["industry_name"] == "锂离子电池制造" and demand["region_name"] == "河南省信阳市平桥区"
    assert client.get(f"/api/demands/{demand['id']}").json()["title"] == "锂电池储能系统热管理"
    assert client.post(f"/api/demands/{demand['id']}/withdraw", headers=headers).json()["status"] == "withdrawn"
    assert client.get(f"/api/demands/{demand['id']}").status_code == 404


def test_custodian_agency_publishes_for_owner(client, db):
    with db.begin():
        agency = f.org(db, OrgKind.AGENCY)
        owner = f.org(db, OrgKind.UNIVERSITY, custodian_org_id=agency.id)
        stranger = f.org(db, OrgKind.UNIVERSITY)
        agent = f.user(db, agency, Role.AGENCY_MEMBER)
        patent = f.patent(db, owner)
        stranger_patent = f.patent(db, stranger)
    body = {"title": "受托发布的专利许可", "patent_ids": [patent.id], "modes": ["ordinary_licence"],
            "owner_org_id": owner.id, "publish": True}
    resp = client.post("/api/offers", headers=f.auth(agent), json=body)
    assert resp.status_code == 201, resp.text
    assert resp.json()["owner"]["id"] == owner.id and resp.json()["publisher"]["id"] == agency.id
    # Not for an organisation that did not name the agency its custodian.
    other = {**body, "patent_ids": [stranger_patent.id], "owner_org_id": stranger.id}
    assert client.post("/api/offers", headers=f.auth(agent), json=other).status_code == 403
