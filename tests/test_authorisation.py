"""The authorisation matrix: every route of the app (API and pages) × every role and anonymous ×
the record belonging to the caller's organisation or to another one.

The expected outcome of each cell comes from the product rules written out below in the test's own
terms (``RULES``), not from ``ipplatform.auth.policy``: a wrong entry in the policy table, or a route
that does not ask it, fails here. ``test_every_route_is_in_the_matrix`` fails when a route is added
without cases. Authorisation does not depend on the database engine, so the matrix runs on SQLite
(every other API test runs on both). A refused request must leave no trace: no audit record.
"""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

import tests.authz
from ipplatform.audit.models import AuditRecord
from ipplatform.auth.enums import Role
from ipplatform.main import create_app
from ipplatform.organisations.enums import OrgKind
from ipplatform.search.backends.embedded import EmbeddedBackend
from tests import factories as f
from tests.authz.common import MEMBERS, ROLE_ORG, RULES, STAFF, Case


def _collect() -> list[Case]:
    """Every ``tests/authz/cases_*.py`` module's ``CASES`` (and its extra ``RULES``)."""
    cases: list[Case] = []
    for info in sorted(pkgutil.iter_modules(tests.authz.__path__), key=lambda i: i.name):
        if not info.name.startswith("cases_"):
            continue
        module = importlib.import_module(f"tests.authz.{info.name}")
        for name, rule in getattr(module, "RULES", {}).items():
            assert RULES.setdefault(name, rule) == rule, f"rule {name} defined twice differently"
        cases.extend(module.CASES)
    names = [c.name for c in cases]
    assert len(names) == len(set(names)), "two cases share a name"
    return cases


CASES = _collect()



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
