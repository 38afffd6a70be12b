"""Every create/update/delete of an audited entity leaves who/when/what in the same transaction."""

from __future__ import annotations

from sqlalchemy import select

from ipplatform.audit.models import AuditRecord
from ipplatform.auth.enums import Role
from ipplatform.organisations.enums import OrgKind
from tests import factories as f


def _records(db, entity_type, entity_id):
    return db.scalars(select(AuditRecord).where(AuditRecord.entity_type == entity_type,
                                                AuditRecord.entity_id == entity_id).order_by(AuditRecord.id)).all()


def test_create_update_delete_are_audited_with_actor_and_diff(client, db):
    with db.begin():
        org = f.org(db, OrgKind.UNIVERSITY)
        member = f.user(db, org, Role.UNIVERSITY_MEMBER)
    headers = f.auth(member)
    body = {"application_number": f.application_number(), "kind": "invention_granted", "title": "一种储能电池",
            "ipc_codes": ["H01M"], "legal_status": "valid"}
    pid = client.post("/api/patents", headers=headers, json=body).json()["id"]
    client.patch(f"/api/patents/{pid}", headers=headers, json={"title": "一种储能电池系统"})
    client.patch(f"/api/patents/{pid}", headers=headers, json={"title": "一种储能电池系统"})  # no change
    assert client.delete(f"/api/patents/{pid}", headers=headers).status_code == 204
    db.expire_all()
    records = _records(db, "patent", pid)
    assert [r.action for r in records] == ["create", "update", "delete"]
    assert all(r.actor_user_id == member.id for r in records)
    assert records[0].changes["title"] == [None, "一种储能电池"]
    assert records[1].changes == {"title": ["一种储能电池", "一种储能电池系统"]}
    assert records[2].changes["title"] == ["一种储能电池系统", None]


def test_offer_patent_list_changes_are_audited(client, db):
    with db.begin():
        org = f.org(db)
        member = f.user(db, org, Role.ENTERPRISE_MEMBER)
        p1, p2 = f.patent(db, org), f.patent(db, org)
        offer = f.offer(db, org, patents=[p1])
    resp = client.patch(f"/api/offers/{offer.id}", headers=f.auth(member), json={"patent_ids": [p1.id, p2.id]})
    assert resp.status_code == 200 and len(resp.json()["patents"]) == 2
    db.expire_all()
    update = _records(db, "offer", offer.id)[-1]
    assert update.action == "update"
    assert update.changes["patents"] == [[p1.id], sorted([p1.id, p2.id])]


def test_password_hash_never_in_audit(client, db):
    with db.begin():
        org = f.org(db, OrgKind.IP_OFFICE)
        admin = f.user(db, org, Role.ADMIN)
    resp = client.post("/api/users", headers=f.auth(admin), json={
        "username": "zhangsan", "display_name": "张三", "password": "secret-password-1",
        "role": "office_staff", "org_id": org.id})
    assert resp.status_code == 201
    assert "password" not in resp.text
    db.expire_all()
    record = _records(db, "user_account", resp.json()["id"])[0]
    assert "password_hash" not in record.changes and record.actor_user_id == admin.id
    # The new user can log in with the password the admin set.
    login = client.post("/api/auth/token", data={"username": "zhangsan", "password": "secret-password-1"})
    assert login.status_code == 200
