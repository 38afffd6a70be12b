"""The authorisation matrix: every mutating endpoint × role × own/other organisation, on SQLite and
PostgreSQL. The expected outcome comes from the policy written below (the product rules), not from
running the code. A refused request must also leave no trace: no audit record is written."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pytest
from sqlalchemy import func, select

from ipplatform.audit.models import AuditRecord
from ipplatform.auth.enums import Role
from ipplatform.organisations.enums import OrgKind
from tests import factories as f

MEMBERS = {Role.ENTERPRISE_MEMBER, Role.UNIVERSITY_MEMBER, Role.AGENCY_MEMBER}
ROLE_ORG = {Role.ENTERPRISE_MEMBER: "ent", Role.UNIVERSITY_MEMBER: "univ", Role.AGENCY_MEMBER: "agency",
            Role.EVENT_ORGANISER: "agency", Role.OFFICE_STAFF: "office", Role.ADMIN: "office"}


@dataclass
class Case:
    name: str
    method: str
    rule: str  # "owner": admin, or a member acting on its own organisation; "office": admin/office; "admin"
    ok: int
    prepare: Callable  # (db, world, target_org) -> (path, json body)
    by_owner: bool = True
    hidden_draft: bool = False  # target is another organisation's draft: hidden (404) from non-readers


def _org_body():
    return {"kind": "enterprise", "name": "新登记企业", "credit_code": f.credit_code(), "county_code": "411522"}


def _patent_body(owner_id):
    return {"application_number": f.application_number(), "kind": "invention_granted", "title": "一种茶叶揉捻机",
            "ipc_codes": ["A23F 3/06"], "legal_status": "valid", "owner_org_id": owner_id}


CASES = [
    Case("org-create", "POST", "office", 201, lambda db, w, t: ("/api/organisations", _org_body()), by_owner=False),
    Case("org-update", "PATCH", "owner", 200, lambda db, w, t: (f"/api/organisations/{t.id}", {"address": "信阳市羊山新区"})),
    Case("org-verify", "POST", "office", 200, lambda db, w, t: (f"/api/organisations/{t.id}/verify", None)),
    Case("user-create", "POST", "admin", 201, lambda db, w, t: ("/api/users", {
        "username": "newuser", "display_name": "新用户", "password": "long-enough-1", "role": "enterprise_member",
        "org_id": w["other"].id}), by_owner=False),
    Case("user-update", "PATCH", "admin", 200, lambda db, w, t: (
        f"/api/users/{f.user(db, w['other'], Role.ENTERPRISE_MEMBER).id}", {"display_name": "改名"}), by_owner=False),
    Case("patent-create", "POST", "owner", 201, lambda db, w, t: ("/api/patents", _patent_body(t.id))),
    Case("patent-update", "PATCH", "owner", 200, lambda db, w, t: (f"/api/patents/{f.patent(db, t).id}", {"title": "新题名"})),
    Case("patent-delete", "DELETE", "owner", 204, lambda db, w, t: (f"/api/patents/{f.patent(db, t).id}", None)),
    Case("offer-create", "POST", "owner", 201, lambda db, w, t: ("/api/offers", {
        "title": "茶叶专利转让", "patent_ids": [f.patent(db, t).id], "modes": ["transfer"], "owner_org_id": t.id})),
    Case("offer-update", "PATCH", "owner", 200, lambda db, w, t: (f"/api/offers/{f.offer(db, t).id}", {"title": "新的标题"})),
    Case("offer-publish", "POST", "owner", 200, lambda db, w, t: (f"/api/offers/{f.offer(db, t, publish=False).id}/publish", None),
         hidden_draft=True),
    Case("offer-withdraw", "POST", "owner", 200, lambda db, w, t: (f"/api/offers/{f.offer(db, t).id}/withdraw", None)),
    Case("offer-close", "POST", "owner", 200, lambda db, w, t: (f"/api/offers/{f.offer(db, t).id}/close", None)),
    Case("demand-create", "POST", "owner", 201, lambda db, w, t: ("/api/demands", {
        "title": "需要茶叶加工技术", "description": "需要名优绿茶连续化加工技术方案。", "org_id": t.id})),
    Case("demand-update", "PATCH", "owner", 200, lambda db, w, t: (f"/api/demands/{f.demand(db, t).id}", {"title": "新的需求标题"})),
    Case("demand-publish", "POST", "owner", 200, lambda db, w, t: (f"/api/demands/{f.demand(db, t, publish=False).id}/publish", None),
         hidden_draft=True),
    Case("demand-withdraw", "POST", "owner", 200, lambda db, w, t: (f"/api/demands/{f.demand(db, t).id}/withdraw", None)),
    Case("demand-close", "POST", "owner", 200, lambda db, w, t: (f"/api/demands/{f.demand(db, t).id}/close", None)),
]


def expected(case: Case, role: Role | None, own: bool) -> int:
    if role is None:
        return 401
    if case.rule == "office":
        allowed = role in (Role.ADMIN, Role.OFFICE_STAFF)
    elif case.rule == "admin":
        allowed = role == Role.ADMIN
    else:
        allowed = role == Role.ADMIN or (own and role in MEMBERS)
    if allowed:
        return case.ok
    if case.hidden_draft and not own and role not in (Role.ADMIN, Role.OFFICE_STAFF):
        return 404
    return 403


def _params():
    for case in CASES:
        for role in [*Role, None]:
            # Anonymous requests have no organisation of their own: "own" only varies for signed-in roles.
            for own in ([True, False] if case.by_owner and role is not None else [False]):
                rid = role.value if role else "anonymous"
                yield pytest.param(case, role, own, id=f"{case.name}-{rid}-{'own' if own else 'other'}")


@pytest.fixture
def world(db):
    with db.begin():
        orgs = {"ent": f.org(db, OrgKind.ENTERPRISE), "univ": f.org(db, OrgKind.UNIVERSITY),
                "agency": f.org(db, OrgKind.AGENCY), "office": f.org(db, OrgKind.IP_OFFICE),
                "other": f.org(db, OrgKind.ENTERPRISE)}
        users = {role: f.user(db, orgs[ROLE_ORG[role]], role) for role in Role}
    return {**orgs, "users": users}


@pytest.mark.parametrize("case, role, own", list(_params()))
def test_authorisation_matrix(client, db, world, case, role, own):
    target = world[ROLE_ORG[role]] if (own and role) else world["other"]
    with db.begin():
        path, body = case.prepare(db, world, target)
        audit_before = db.scalar(select(func.count()).select_from(AuditRecord))
    headers = f.auth(world["users"][role]) if role else {}
    resp = client.request(case.method, path, json=body, headers=headers)
    want = expected(case, role, own)
    assert resp.status_code == want, resp.text
    audit_after = db.scalar(select(func.count()).select_from(AuditRecord))
    if want >= 400:
        assert audit_after == audit_before, "a refused request changed data"
        assert resp.json()["message_zh"]
    else:
        assert audit_after > audit_before, "an allowed change was not audited"
