"""What anonymous visitors and other organisations see of an organisation (regression: anonymous
``GET /api/organisations`` listed every contact phone and e-mail)."""

from __future__ import annotations

from ipplatform.auth.enums import Role
from ipplatform.organisations.enums import OrgKind
from tests import factories as f

CONTACTS = ("address", "contact_name", "contact_phone", "contact_email")


def test_contacts_are_for_the_organisation_and_staff(client, db):
    with db.begin():
        org = f.org(db, OrgKind.ENTERPRISE, contact_name="王经理", contact_phone="13912345678",
                    contact_email="wang@example.cn", address="信阳市浉河区工区路 1 号")
        member = f.user(db, org, Role.ENTERPRISE_MEMBER)
        outsider = f.user(db, f.org(db, OrgKind.ENTERPRISE), Role.ENTERPRISE_MEMBER)
        staff = f.user(db, f.org(db, OrgKind.IP_OFFICE), Role.OFFICE_STAFF)
    for headers in ({}, f.auth(outsider)):
        listed = client.get("/api/organisations", params={"page_size": 100}, headers=headers).json()["items"]
        row = next(o for o in listed if o["id"] == org.id)
        one = client.get(f"/api/organisations/{org.id}", headers=headers).json()
        for shown in (row, one):
            assert all(shown[k] is None for k in CONTACTS) and shown["contacts_visible"] is False
            assert shown["name"] == org.name and shown["county_code"] == "411502" and shown["kind"] == "enterprise"
        assert "13912345678" not in client.get("/api/organisations", headers=headers).text
    for headers in (f.auth(member), f.auth(staff)):
        one = client.get(f"/api/organisations/{org.id}", headers=headers).json()
        assert one["contact_phone"] == "13912345678" and one["contact_email"] == "wang@example.cn"
        assert one["contacts_visible"] is True
