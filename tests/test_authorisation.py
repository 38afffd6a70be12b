"""The authorisation matrix: every route of the app (API and pages) × every role and anonymous ×
the record belonging to the caller's organisation or to another one.

The expected outcome of each cell comes from the product rules written out below in the test's own
terms (``RULES``), not from ``ipplatform.auth.policy``: a wrong entry in the policy table, or a route
that does not ask it, fails here. ``test_every_route_is_in_the_matrix`` fails when a route is added
without cases. Authorisation does not depend on the database engine, so the matrix runs on SQLite
(every other API test runs on both). A refused request must leave no trace: no audit record.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from ipplatform.audit.models import AuditRecord
from ipplatform.auth.enums import Role
from ipplatform.credit.models import CreditFlag
from ipplatform.main import create_app
from ipplatform.matching.enums import MatchStatus
from ipplatform.matching.models import Match
from ipplatform.organisations.enums import OrgKind
from ipplatform.outcomes.enums import DealStatus, DealType
from ipplatform.search.backends.embedded import EmbeddedBackend
from tests import factories as f

MEMBERS = {Role.ENTERPRISE_MEMBER, Role.UNIVERSITY_MEMBER, Role.AGENCY_MEMBER}
STAFF = {Role.ADMIN, Role.OFFICE_STAFF}
ROLE_ORG = {Role.ENTERPRISE_MEMBER: "ent", Role.UNIVERSITY_MEMBER: "univ", Role.AGENCY_MEMBER: "agency",
            Role.EVENT_ORGANISER: "agency", Role.OFFICE_STAFF: "office", Role.ADMIN: "office"}

# The product rules: who may, for a record of their own organisation ("own") or anyone's ("any").
RULES: dict[str, tuple[set[Role], set[Role]]] = {
    "public": (set(), {*Role}),
    "signed_in": (set(), {*Role}),
    "member": (MEMBERS, {Role.ADMIN}),  # patents, listings, own organisation profile, match status
    "member_or_staff": (MEMBERS, STAFF),  # deals (holder side), conversions, re-running matching
    "match_reader": (MEMBERS, STAFF | {Role.EVENT_ORGANISER}),
    "demand_side": (MEMBERS, set()),  # feedback comes from the demanding organisation only
    "staff": (set(), STAFF),
    "admin": (set(), {Role.ADMIN}),
}


@dataclass
class Req:
    url: str
    json: dict | None = None
    form: dict | None = None
    files: dict | None = None


@dataclass
class Case:
    name: str
    method: str
    route: str  # the route's path template, as the app declares it
    rule: str
    ok: int
    prepare: Callable  # (db, world, target_org) -> Req
    by_owner: bool = True  # does the outcome depend on whose record it is?
    hidden: bool = False  # target is unpublished: readers who may not see it get 404, anonymous too
    page: bool = False  # a browser page: anonymous → redirect to /login; success of a POST → 303
    anon_ok: bool = False  # also anonymous succeeds (public reads)
    always_own: bool = False  # the record is always the caller's own (a page creating for its organisation)
    own_session: bool = False  # the request ends its login session (logging out): a fresh one, not the shared token


def _org_body():
    return {"kind": "enterprise", "name": "新登记企业", "credit_code": f.credit_code(), "county_code": "411522"}


def _patent_body(owner_id):
    return {"application_number": f.application_number(), "kind": "invention_granted", "title": "一种茶叶揉捻机",
            "ipc_codes": ["A23F 3/06"], "legal_status": "valid", "owner_org_id": owner_id}


def _match(db, w, t, status=MatchStatus.SUGGESTED):
    """A match between a published demand of ``t`` and a published offer of the third organisation."""
    m = Match(demand_id=f.demand(db, t).id, offer_id=f.offer(db, w["third"]).id, score=0.8, rank=1, strong=True,
              status=status, explanation={})
    db.add(m)
    db.flush()
    return m


def _deal(db, w, t, status=DealStatus.DRAFT):
    return f.deal(db, t, w["third"], [f.patent(db, t)], date(2025, 3, 1), amount="100000", status=status)


def _flag(db, w, t):
    flag = CreditFlag(deal_id=_deal(db, w, t, DealStatus.RECORDED).id, rule="price_outlier", message_zh="测试预警",
                      evidence={})
    db.add(flag)
    db.flush()
    return flag


def _xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["交易类型"])  # headers only: staff get a validation answer, nobody else gets that far
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


INDICATOR = "deals_count"

API = [
    Case("auth-token", "POST", "/api/auth/token", "public", 200,
         lambda db, w, t: Req("/api/auth/token", form={"username": w["login_name"], "password": f.PASSWORD}),
         by_owner=False, anon_ok=True),
    Case("auth-me", "GET", "/api/auth/me", "signed_in", 200, lambda db, w, t: Req("/api/auth/me"), by_owner=False),
    Case("auth-logout", "POST", "/api/auth/logout", "signed_in", 204, lambda db, w, t: Req("/api/auth/logout"),
         by_owner=False, own_session=True),
    Case("auth-password", "POST", "/api/auth/password", "signed_in", 204, lambda db, w, t: Req(
        "/api/auth/password", {"current_password": f.PASSWORD, "new_password": f.PASSWORD}), by_owner=False),
    Case("user-list", "GET", "/api/users", "admin", 200, lambda db, w, t: Req("/api/users"), by_owner=False),
    Case("user-create", "POST", "/api/users", "admin", 201, lambda db, w, t: Req("/api/users", {
        "username": f"new{f.credit_code()[-8:]}", "display_name": "新用户", "password": "long-enough-1", "role": "enterprise_member",
        "org_id": w["other"].id}), by_owner=False),
    Case("user-update", "PATCH", "/api/users/{user_id}", "admin", 200, lambda db, w, t: Req(
        f"/api/users/{f.user(db, w['other'], Role.ENTERPRISE_MEMBER).id}", {"display_name": "改名"}), by_owner=False),
    Case("org-list", "GET", "/api/organisations", "public", 200, lambda db, w, t: Req("/api/organisations"),
         by_owner=False, anon_ok=True),
    Case("org-read", "GET", "/api/organisations/{org_id}", "public", 200,
         lambda db, w, t: Req(f"/api/organisations/{t.id}"), anon_ok=True),
    Case("org-create", "POST", "/api/organisations", "staff", 201, lambda db, w, t: Req("/api/organisations", _org_body()),
         by_owner=False),
    Case("org-update", "PATCH", "/api/organisations/{org_id}", "member", 200,
         lambda db, w, t: Req(f"/api/organisations/{t.id}", {"address": "信阳市羊山新区"})),
    Case("org-verify", "POST", "/api/organisations/{org_id}/verify", "staff", 200,
         lambda db, w, t: Req(f"/api/organisations/{t.id}/verify")),
    Case("patent-list", "GET", "/api/patents", "public", 200, lambda db, w, t: Req(f"/api/patents?owner_org_id={t.id}"),
         anon_ok=True),
    Case("patent-read", "GET", "/api/patents/{patent_id}", "public", 200,
         lambda db, w, t: Req(f"/api/patents/{f.patent(db, t).id}"), anon_ok=True),
    Case("patent-create", "POST", "/api/patents", "member", 201, lambda db, w, t: Req("/api/patents", _patent_body(t.id))),
    Case("patent-update", "PATCH", "/api/patents/{patent_id}", "member", 200,
         lambda db, w, t: Req(f"/api/patents/{f.patent(db, t).id}", {"title": "新题名"})),
    Case("patent-delete", "DELETE", "/api/patents/{patent_id}", "member", 204,
         lambda db, w, t: Req(f"/api/patents/{f.patent(db, t).id}")),
    Case("offer-list", "GET", "/api/offers", "public", 200, lambda db, w, t: Req("/api/offers"), by_owner=False,
         anon_ok=True),
    Case("offer-read", "GET", "/api/offers/{offer_id}", "public", 200,
         lambda db, w, t: Req(f"/api/offers/{f.offer(db, t).id}"), anon_ok=True),
    Case("offer-read-draft", "GET", "/api/offers/{offer_id}", "member_or_staff", 200,
         lambda db, w, t: Req(f"/api/offers/{f.offer(db, t, publish=False).id}"), hidden=True),
    Case("offer-create", "POST", "/api/offers", "member", 201, lambda db, w, t: Req("/api/offers", {
        "title": "茶叶专利转让", "patent_ids": [f.patent(db, t).id], "modes": ["transfer"], "owner_org_id": t.id})),
    Case("offer-update", "PATCH", "/api/offers/{offer_id}", "member", 200,
         lambda db, w, t: Req(f"/api/offers/{f.offer(db, t).id}", {"title": "新的标题"})),
    Case("offer-publish", "POST", "/api/offers/{offer_id}/publish", "member", 200,
         lambda db, w, t: Req(f"/api/offers/{f.offer(db, t, publish=False).id}/publish"), hidden=True),
    Case("offer-withdraw", "POST", "/api/offers/{offer_id}/withdraw", "member", 200,
         lambda db, w, t: Req(f"/api/offers/{f.offer(db, t).id}/withdraw")),
    Case("offer-close", "POST", "/api/offers/{offer_id}/close", "member", 200,
         lambda db, w, t: Req(f"/api/offers/{f.offer(db, t).id}/close")),
    Case("demand-list", "GET", "/api/demands", "public", 200, lambda db, w, t: Req("/api/demands"), by_owner=False,
         anon_ok=True),
    Case("demand-read", "GET", "/api/demands/{demand_id}", "public", 200,
         lambda db, w, t: Req(f"/api/demands/{f.demand(db, t).id}"), anon_ok=True),
    Case("demand-read-draft", "GET", "/api/demands/{demand_id}", "member_or_staff", 200,
         lambda db, w, t: Req(f"/api/demands/{f.demand(db, t, publish=False).id}"), hidden=True),
    Case("demand-create", "POST", "/api/demands", "member", 201, lambda db, w, t: Req("/api/demands", {
        "title": "需要茶叶加工技术", "description": "需要名优绿茶连续化加工技术方案。", "org_id": t.id})),
    Case("demand-update", "PATCH", "/api/demands/{demand_id}", "member", 200,
         lambda db, w, t: Req(f"/api/demands/{f.demand(db, t).id}", {"title": "新的需求标题"})),
    Case("demand-publish", "POST", "/api/demands/{demand_id}/publish", "member", 200,
         lambda db, w, t: Req(f"/api/demands/{f.demand(db, t, publish=False).id}/publish"), hidden=True),
    Case("demand-withdraw", "POST", "/api/demands/{demand_id}/withdraw", "member", 200,
         lambda db, w, t: Req(f"/api/demands/{f.demand(db, t).id}/withdraw")),
    Case("demand-close", "POST", "/api/demands/{demand_id}/close", "member", 200,
         lambda db, w, t: Req(f"/api/demands/{f.demand(db, t).id}/close")),
    Case("audit", "GET", "/api/audit", "staff", 200, lambda db, w, t: Req("/api/audit"), by_owner=False),
    Case("suggest", "GET", "/api/search/suggest", "public", 200, lambda db, w, t: Req("/api/search/suggest?prefix=茶"),
         by_owner=False, anon_ok=True),
    Case("search-get", "GET", "/api/search/{kind}", "public", 200, lambda db, w, t: Req("/api/search/offers?q=茶叶"),
         by_owner=False, anon_ok=True),
    Case("search-post", "POST", "/api/search/{kind}", "public", 200,
         lambda db, w, t: Req("/api/search/demands", {"q": "茶叶", "mode": "keyword"}), by_owner=False, anon_ok=True),
    Case("demand-matches", "GET", "/api/demands/{demand_id}/matches", "match_reader", 200,
         lambda db, w, t: Req(f"/api/demands/{_match(db, w, t).demand_id}/matches")),
    Case("demand-matches-run", "POST", "/api/demands/{demand_id}/matches/run", "member_or_staff", 200,
         lambda db, w, t: Req(f"/api/demands/{f.demand(db, t).id}/matches/run")),
    Case("offer-matches", "GET", "/api/offers/{offer_id}/matches", "match_reader", 200,
         lambda db, w, t: Req(f"/api/offers/{f.offer(db, t).id}/matches")),
    Case("match-inbox", "GET", "/api/matches/inbox", "signed_in", 200, lambda db, w, t: Req("/api/matches/inbox"),
         by_owner=False),
    Case("match-status", "POST", "/api/matches/{match_id}/status", "member", 200,
         lambda db, w, t: Req(f"/api/matches/{_match(db, w, t).id}/status", {"status": "contacted"})),
    Case("match-feedback", "POST", "/api/matches/{match_id}/feedback", "demand_side", 201,
         lambda db, w, t: Req(f"/api/matches/{_match(db, w, t).id}/feedback", {"intent": "negotiate"})),
    Case("match-read", "GET", "/api/matches/{match_id}", "match_reader", 200,
         lambda db, w, t: Req(f"/api/matches/{_match(db, w, t).id}")),
    Case("deal-create", "POST", "/api/deals", "member_or_staff", 201, lambda db, w, t: Req("/api/deals", {
        "type": "transfer", "patent_ids": [f.patent(db, t).id], "from_org_id": t.id, "to_org_id": w["third"].id})),
    Case("deal-list", "GET", "/api/deals", "signed_in", 200, lambda db, w, t: Req("/api/deals"), by_owner=False),
    Case("deal-read", "GET", "/api/deals/{deal_id}", "member_or_staff", 200,
         lambda db, w, t: Req(f"/api/deals/{_deal(db, w, t).id}")),
    Case("deal-record", "POST", "/api/deals/{deal_id}/record", "member_or_staff", 200,
         lambda db, w, t: Req(f"/api/deals/{_deal(db, w, t).id}/record", {"recordal_date": "2025-03-10"})),
    Case("deal-import", "POST", "/api/deals/import", "staff", 422,
         lambda db, w, t: Req("/api/deals/import", files={"file": ("deals.xlsx", _xlsx())}), by_owner=False),
    Case("conversion-create", "POST", "/api/conversions", "member_or_staff", 201, lambda db, w, t: Req(
        "/api/conversions", {"org_id": t.id, "patent_ids": [f.patent(db, t).id], "product": "名优绿茶生产线",
                             "start_date": "2025-06-01"})),
    Case("dishonest-list", "GET", "/api/credit/dishonest", "staff", 200, lambda db, w, t: Req("/api/credit/dishonest"),
         by_owner=False),
    Case("dishonest-add", "POST", "/api/credit/dishonest", "staff", 201, lambda db, w, t: Req("/api/credit/dishonest", {
        "credit_code": f.credit_code(), "name": "失信企业", "source": "信用中国", "listed_from": "2025-01-01"}),
         by_owner=False),
    Case("flag-list", "GET", "/api/credit/flags", "staff", 200, lambda db, w, t: Req("/api/credit/flags"), by_owner=False),
    Case("flag-review", "POST", "/api/credit/flags/{flag_id}/review", "staff", 200,
         lambda db, w, t: Req(f"/api/credit/flags/{_flag(db, w, t).id}/review", {"status": "confirmed"})),
    Case("stats-catalogue", "GET", "/api/stats/indicators", "public", 200, lambda db, w, t: Req("/api/stats/indicators"),
         by_owner=False, anon_ok=True),
    Case("stats-summary", "GET", "/api/stats/summary", "staff", 200, lambda db, w, t: Req("/api/stats/summary"),
         by_owner=False),
    Case("stats-breakdown", "GET", "/api/stats/breakdown/{indicator_id}", "staff", 200,
         lambda db, w, t: Req(f"/api/stats/breakdown/{INDICATOR}?by=county"), by_owner=False),
    Case("stats-records", "GET", "/api/stats/records/{indicator_id}", "staff", 200,
         lambda db, w, t: Req(f"/api/stats/records/{INDICATOR}"), by_owner=False),
    Case("stats-report", "GET", "/api/stats/report.xlsx", "staff", 200, lambda db, w, t: Req("/api/stats/report.xlsx"),
         by_owner=False),
]

PAGES = [
    Case("page-home", "GET", "/", "public", 200, lambda db, w, t: Req("/"), by_owner=False, anon_ok=True),
    Case("page-login", "GET", "/login", "public", 200, lambda db, w, t: Req("/login"), by_owner=False, anon_ok=True),
    Case("page-login-post", "POST", "/login", "public", 303, lambda db, w, t: Req("/login", form={
        "username": w["login_name"], "password": f.PASSWORD, "next": "/"}), by_owner=False, anon_ok=True,
         own_session=True),  # signing in over a login ends that one
    Case("page-logout", "POST", "/logout", "public", 303, lambda db, w, t: Req("/logout", form={}), by_owner=False,
         anon_ok=True, own_session=True),
    Case("page-account", "GET", "/account", "signed_in", 200, lambda db, w, t: Req("/account"), by_owner=False),
    Case("page-account-password", "POST", "/account/password", "signed_in", 200, lambda db, w, t: Req(
        "/account/password", form={"current_password": f.PASSWORD, "new_password": f.PASSWORD,
                                   "new_password_confirm": f.PASSWORD}), by_owner=False),
    Case("page-offers", "GET", "/offers", "public", 200, lambda db, w, t: Req("/offers"), by_owner=False, anon_ok=True),
    Case("page-offer-new", "GET", "/offers/new", "signed_in", 200, lambda db, w, t: Req("/offers/new"), by_owner=False),
    Case("page-offer-create", "POST", "/offers/new", "member", 303, lambda db, w, t: Req("/offers/new", form={
        "title": "茶叶专利转让", "patent_ids": str(f.patent(db, t).id), "modes": "transfer", "negotiable": "on",
        "action": "publish"}),
         always_own=True),
    Case("page-offer", "GET", "/offers/{offer_id}", "public", 200, lambda db, w, t: Req(f"/offers/{f.offer(db, t).id}"),
         anon_ok=True),
    Case("page-offer-draft", "GET", "/offers/{offer_id}", "member_or_staff", 200,
         lambda db, w, t: Req(f"/offers/{f.offer(db, t, publish=False).id}"), hidden=True),
    Case("page-matches", "GET", "/matches", "signed_in", 200, lambda db, w, t: Req("/matches"), by_owner=False),
    Case("page-demands", "GET", "/demands", "public", 200, lambda db, w, t: Req("/demands"), by_owner=False,
         anon_ok=True),
    Case("page-demand-new", "GET", "/demands/new", "signed_in", 200, lambda db, w, t: Req("/demands/new"),
         by_owner=False),
    Case("page-demand-create", "POST", "/demands/new", "member", 303, lambda db, w, t: Req("/demands/new", form={
        "title": "需要茶叶加工技术", "description": "需要名优绿茶连续化加工技术方案。", "action": "publish"}),
         always_own=True),
    Case("page-demand", "GET", "/demands/{demand_id}", "public", 200,
         lambda db, w, t: Req(f"/demands/{f.demand(db, t).id}"), anon_ok=True),
    Case("page-demand-draft", "GET", "/demands/{demand_id}", "member_or_staff", 200,
         lambda db, w, t: Req(f"/demands/{f.demand(db, t, publish=False).id}"), hidden=True),
    Case("page-feedback", "POST", "/matches/{match_id}/feedback", "demand_side", 303,
         lambda db, w, t: Req(f"/matches/{_match(db, w, t).id}/feedback", form={"intent": "negotiate"})),
    Case("page-offer-publish", "POST", "/offers/{listing_id}/{action}", "member", 303,
         lambda db, w, t: Req(f"/offers/{f.offer(db, t, publish=False).id}/publish", form={}), hidden=True),
    Case("page-offer-withdraw", "POST", "/offers/{listing_id}/{action}", "member", 303,
         lambda db, w, t: Req(f"/offers/{f.offer(db, t).id}/withdraw", form={})),
    Case("page-demand-close", "POST", "/demands/{listing_id}/{action}", "member", 303,
         lambda db, w, t: Req(f"/demands/{f.demand(db, t).id}/close", form={})),
    Case("page-search", "GET", "/search", "public", 200, lambda db, w, t: Req("/search?q=茶叶"), by_owner=False,
         anon_ok=True),
    Case("page-stats", "GET", "/stats", "staff", 200, lambda db, w, t: Req("/stats"), by_owner=False),
    Case("page-stats-records", "GET", "/stats/records/{indicator_id}", "staff", 200,
         lambda db, w, t: Req(f"/stats/records/{INDICATOR}"), by_owner=False),
    Case("page-indicators", "GET", "/stats/indicators", "public", 200, lambda db, w, t: Req("/stats/indicators"),
         by_owner=False, anon_ok=True),
    Case("page-healthz", "GET", "/healthz", "public", 200, lambda db, w, t: Req("/healthz"), by_owner=False,
         anon_ok=True),
    Case("page-static", "GET", "/static", "public", 200, lambda db, w, t: Req("/static/style.css"), by_owner=False,
         anon_ok=True),
    Case("page-openapi", "GET", "/openapi.json", "public", 200, lambda db, w, t: Req("/openapi.json"), by_owner=False,
         anon_ok=True),
    Case("page-docs", "GET", "/docs", "public", 200, lambda db, w, t: Req("/docs"), by_owner=False, anon_ok=True),
    Case("page-docs-assets", "GET", "/docs-assets", "public", 200,
         lambda db, w, t: Req("/docs-assets/swagger-ui.css"), by_owner=False, anon_ok=True),
]
for _c in PAGES:
    _c.page = True
CASES = API + PAGES


def expected(case: Case, role: Role | None, own: bool) -> int:
    own_roles, any_roles = RULES[case.rule]
    if role is None:
        if case.anon_ok:
            return case.ok
        if case.hidden and case.method == "GET":
            return 404  # reads do not require a login: the draft is simply not found
        return 303 if case.page else 401
    if role in any_roles or (own and role in own_roles):
        return case.ok
    if case.hidden and role not in STAFF and not (own and role in MEMBERS):
        return 404  # another organisation's draft is not revealed
    return 403


def _params():
    for case in CASES:
        for role in [*Role, None]:
            # Anonymous requests have no organisation of their own: "own" only varies for signed-in roles.
            if role is None:
                owns = [False]
            elif case.always_own:
                owns = [True]
            else:
                owns = [True, False] if case.by_owner else [False]
            for own in owns:
                rid = role.value if role else "anonymous"
                yield pytest.param(case, role, own, id=f"{case.name}-{rid}-{'own' if own else 'other'}")


PARAMS = list(_params())


@pytest.fixture(scope="module")
def app(_sqlite_template, tmp_path_factory):
    """One app and database for the whole matrix (each cell prepares records of its own)."""
    import shutil

    from ipplatform.database import make_engine

    path = tmp_path_factory.mktemp("matrix") / "matrix.sqlite3"
    shutil.copy(_sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield create_app(engine, search_backend=EmbeddedBackend(path.with_suffix(".search")), start_indexer=False)
    engine.dispose()


@pytest.fixture(scope="module")
def world(app):
    db = app.state.session_factory()
    with db.begin():
        orgs = {"ent": f.org(db, OrgKind.ENTERPRISE), "univ": f.org(db, OrgKind.UNIVERSITY),
                "agency": f.org(db, OrgKind.AGENCY), "office": f.org(db, OrgKind.IP_OFFICE),
                "other": f.org(db, OrgKind.ENTERPRISE), "third": f.org(db, OrgKind.UNIVERSITY)}
        users = {role: f.user(db, orgs[ROLE_ORG[role]], role) for role in Role}
        login = f.user(db, orgs["other"], Role.ENTERPRISE_MEMBER)
        world = {**orgs, "users": users, "login_name": login.username,
                 "tokens": {role: f.auth(u) for role, u in users.items()}}
    db.close()
    return world


@pytest.fixture
def client(app):
    """A fresh client (no cookies) per cell on the shared app."""
    return TestClient(app)


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _send(client: TestClient, case: Case, req: Req, headers: dict):
    if not case.page:
        return client.request(case.method, req.url, json=req.json, data=req.form, files=req.files, headers=headers,
                              follow_redirects=False)
    if headers:  # pages authenticate by the login cookie
        client.cookies.set("ipp_session", headers["Authorization"].split()[1])
    if case.method == "GET":
        return client.get(req.url, follow_redirects=False)
    form = dict(req.form or {})
    token = _CSRF.search(client.get("/login").text)  # every form carries the CSRF token of the page it is on
    assert token, "the login page has no CSRF token"
    form["csrf_token"] = token.group(1)
    return client.post(req.url, data=form, follow_redirects=False)


@pytest.mark.parametrize("case, role, own", PARAMS)
def test_authorisation_matrix(client, db, world, case, role, own):
    target = world[ROLE_ORG[role]] if (own and role) else world["other"]
    with db.begin():
        req = case.prepare(db, world, target)
        audit_before = db.scalar(select(func.count()).select_from(AuditRecord))
    headers = (f.auth(world["users"][role]) if case.own_session else world["tokens"][role]) if role else {}
    resp = _send(client, case, req, headers)
    want = expected(case, role, own)
    assert resp.status_code == want, re.sub(r"\s+", " ", resp.text)[-2000:]
    if case.page and want == 303 and not case.anon_ok and role is None:
        assert resp.headers["location"].startswith("/login"), resp.headers["location"]
    if case.page and want == 303 and role is not None:
        assert not resp.headers["location"].startswith("/login")
    if want >= 400 or (want == 303 and role is None and not case.anon_ok):
        audit_after = db.scalar(select(func.count()).select_from(AuditRecord))
        assert audit_after == audit_before, "a refused request changed data"
        if not case.page and want != 303:
            assert resp.json()["message_zh"]


def test_every_route_is_in_the_matrix(app):
    """Every route the app serves has cases (a new route without them fails here)."""
    from starlette.routing import Mount

    served = set()
    for route in app.routes:
        methods = {"GET"} if isinstance(route, Mount) else set(route.methods or ()) - {"HEAD"}
        served.update((m, route.path) for m in methods)
    covered = {(c.method, c.route) for c in CASES}
    assert served - covered == set(), "routes without authorisation cases"
    assert covered - served == set(), "cases for routes the app does not serve"


def test_custodian_agency_acts_for_its_university(client, db, world):
    """An agency member manages the patents, offers and deals of an organisation that named the agency
    its custodian, and reads its drafts — but not those of organisations it does not keep."""
    with db.begin():
        kept = f.org(db, OrgKind.UNIVERSITY, custodian_org_id=world["agency"].id)
        draft = f.offer(db, kept, publish=False)
        draft_other = f.offer(db, world["third"], publish=False)
        patent = f.patent(db, kept)
    agency = world["tokens"][Role.AGENCY_MEMBER]
    assert client.get(f"/api/offers/{draft.id}", headers=agency).status_code == 200
    assert client.get(f"/api/offers/{draft_other.id}", headers=agency).status_code == 404
    assert client.patch(f"/api/patents/{patent.id}", headers=agency, json={"title": "托管专利新题名"}).status_code == 200
    deal = client.post("/api/deals", headers=agency, json={"type": "ordinary_licence", "patent_ids": [patent.id],
                                                            "from_org_id": kept.id, "to_org_id": world["ent"].id})
    assert deal.status_code == 201, deal.text
    listed = client.get("/api/offers", params={"status": "draft", "org_id": kept.id}, headers=agency).json()
    assert [o["id"] for o in listed["items"]] == [draft.id]
