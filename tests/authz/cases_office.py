"""The matrix cases of the office staff area (credit flags review, dishonest list, organisation register),
user administration pages and the dishonest-list API added with them."""

from __future__ import annotations

from datetime import date

from ipplatform.auth.enums import Role
from ipplatform.credit.models import DishonestEntity
from tests import factories as f
from tests.authz.common import Case, Req, flag


def entry(db) -> DishonestEntity:
    e = DishonestEntity(credit_code=f.credit_code(), name="失信测试企业", source="信用中国", listed_from=date(2025, 1, 1))
    db.add(e)
    db.flush()
    return e


def org_form() -> dict:
    code = f.credit_code()
    return {"kind": "enterprise", "name": f"页面登记企业{code[-6:]}", "credit_code": code, "county_code": "411522"}


API = [
    Case("dishonest-expire", "POST", "/api/credit/dishonest/{entry_id}/expire", "staff", 200,
         lambda db, w, t: Req(f"/api/credit/dishonest/{entry(db).id}/expire", {"listed_to": "2025-06-30"}),
         by_owner=False),
    Case("dishonest-remove", "DELETE", "/api/credit/dishonest/{entry_id}", "staff", 204,
         lambda db, w, t: Req(f"/api/credit/dishonest/{entry(db).id}"), by_owner=False),
]

PAGES = [
    Case("page-office", "GET", "/office", "staff", 200, lambda db, w, t: Req("/office"), by_owner=False),
    Case("page-office-flags", "GET", "/office/flags", "staff", 200, lambda db, w, t: Req("/office/flags?status=open"),
         by_owner=False),
    Case("page-office-flag-review", "POST", "/office/flags/{flag_id}/review", "staff", 303,
         lambda db, w, t: Req(f"/office/flags/{flag(db, w, t).id}/review", form={"decision": "confirmed"})),
    Case("page-office-dishonest", "GET", "/office/dishonest", "staff", 200, lambda db, w, t: Req("/office/dishonest"),
         by_owner=False),
    Case("page-office-dishonest-add", "POST", "/office/dishonest", "staff", 303, lambda db, w, t: Req(
        "/office/dishonest", form={"credit_code": f.credit_code(), "name": "失信企业", "source": "信用中国",
                                   "listed_from": "2025-01-01"}), by_owner=False),
    Case("page-office-dishonest-expire", "POST", "/office/dishonest/{entry_id}/expire", "staff", 303,
         lambda db, w, t: Req(f"/office/dishonest/{entry(db).id}/expire", form={"listed_to": "2025-06-30"}),
         by_owner=False),
    Case("page-office-dishonest-remove", "POST", "/office/dishonest/{entry_id}/remove", "staff", 303,
         lambda db, w, t: Req(f"/office/dishonest/{entry(db).id}/remove", form={}), by_owner=False),
    Case("page-office-orgs", "GET", "/office/organisations", "staff", 200,
         lambda db, w, t: Req("/office/organisations?q=测试"), by_owner=False),
    Case("page-office-org-new", "GET", "/office/organisations/new", "staff", 200,
         lambda db, w, t: Req("/office/organisations/new"), by_owner=False),
    Case("page-office-org-create", "POST", "/office/organisations/new", "staff", 303,
         lambda db, w, t: Req("/office/organisations/new", form=org_form()), by_owner=False),
    Case("page-office-org-edit", "GET", "/office/organisations/{org_id}/edit", "staff", 200,
         lambda db, w, t: Req(f"/office/organisations/{t.id}/edit")),
    Case("page-office-org-save", "POST", "/office/organisations/{org_id}/edit", "staff", 303,
         lambda db, w, t: Req(f"/office/organisations/{t.id}/edit", form={
             "name": t.name, "county_code": "411502", "address": "信阳市羊山新区"})),
    Case("page-office-org-verify", "POST", "/office/organisations/{org_id}/verify", "staff", 303,
         lambda db, w, t: Req(f"/office/organisations/{t.id}/verify", form={"verified": "1"})),
    Case("page-admin-users", "GET", "/admin/users", "admin", 200, lambda db, w, t: Req("/admin/users"),
         by_owner=False),
    Case("page-admin-user-new", "GET", "/admin/users/new", "admin", 200, lambda db, w, t: Req("/admin/users/new"),
         by_owner=False),
    Case("page-admin-user-create", "POST", "/admin/users/new", "admin", 303, lambda db, w, t: Req(
        "/admin/users/new", form={"username": f"p{f.credit_code()[-8:]}", "display_name": "新用户",
                                  "role": "enterprise_member", "org_id": str(w["other"].id),
                                  "password": "long-enough-1", "password_confirm": "long-enough-1"}), by_owner=False),
    Case("page-admin-user-active", "POST", "/admin/users/{user_id}/active", "admin", 303, lambda db, w, t: Req(
        f"/admin/users/{f.user(db, w['other'], Role.ENTERPRISE_MEMBER).id}/active", form={"active": "0"}),
         by_owner=False),
    Case("page-admin-user-password", "POST", "/admin/users/{user_id}/password", "admin", 303, lambda db, w, t: Req(
        f"/admin/users/{f.user(db, w['other'], Role.ENTERPRISE_MEMBER).id}/password",
        form={"password": "new-password-1", "password_confirm": "new-password-1"}), by_owner=False),
]
for _c in PAGES:
    _c.page = True
CASES = API + PAGES
CASES.append(Case("page-redoc", "GET", "/redoc", "public", 200, lambda db, w, t: Req("/redoc"), by_owner=False,
                  anon_ok=True, page=True))
