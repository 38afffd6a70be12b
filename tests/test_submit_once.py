"""A page form is carried out once: the same form sent twice (a double click, a resent request) creates
one demand and both answers lead to it, also when the repeat arrives while the first is still running; a
form answered with errors can be corrected and sent again; login is never replayed."""

from __future__ import annotations

import re
import threading
import time

import pytest

from ipplatform.auth.enums import Role
from ipplatform.common import once
from ipplatform.demands.models import Demand
from ipplatform.organisations.enums import OrgKind
from tests import factories as f

DEMAND = {"title": "名优绿茶连续化加工技术", "description": "需要杀青、揉捻、烘干连续化生产线技术，保持信阳毛尖品质稳定。",
          "action": "draft"}


@pytest.fixture
def member(client, db):
    with db.begin():
        org = f.org(db, OrgKind.ENTERPRISE)
        f.user(db, org, Role.ENTERPRISE_MEMBER, username="buyer")
    resp = f.form_post(client, "/login", data={"username": "buyer", "password": f.PASSWORD}, follow_redirects=False)
    assert resp.status_code == 303


def _form(client, page: str) -> dict[str, str]:
    html = client.get(page).text
    form = re.search(r'<form[^>]*method="post"[^>]*>(.*?)</form>', html, re.S).group(1)
    return dict(re.findall(r'<input type="hidden" name="(csrf_token|submission_id)" value="([^"]+)"', form))


def _demands(db) -> list[Demand]:
    db.expire_all()
    return list(db.query(Demand).all())


def test_the_same_form_twice_creates_one_demand(client, db, member):
    hidden = _form(client, "/demands/new")
    assert re.fullmatch(r"[0-9a-f]{32}", hidden["submission_id"])
    first = client.post("/demands/new", data={**DEMAND, **hidden}, follow_redirects=False)
    again = client.post("/demands/new", data={**DEMAND, **hidden}, follow_redirects=False)
    assert first.status_code == again.status_code == 303
    assert again.headers["location"] == first.headers["location"]
    assert [d.title for d in _demands(db)] == [DEMAND["title"]]
    other = client.post("/demands/new", data={**DEMAND, **_form(client, "/demands/new")}, follow_redirects=False)
    assert other.status_code == 303 and other.headers["location"] != first.headers["location"]
    assert len(_demands(db)) == 2  # a form rendered anew is a new submission


def test_a_form_with_errors_can_be_corrected_and_sent_again(client, db, member):
    hidden = _form(client, "/demands/new")
    wrong = client.post("/demands/new", data={**DEMAND, "description": "太短", **hidden})
    assert wrong.status_code == 422 and _demands(db) == []
    fixed = client.post("/demands/new", data={**DEMAND, **hidden}, follow_redirects=False)
    assert fixed.status_code == 303 and len(_demands(db)) == 1


def test_a_repeat_while_the_first_runs_waits_for_its_answer(app, client, db, member):
    hidden = _form(client, "/demands/new")
    login = client.cookies.get("ipp_session")
    key = __import__("hashlib").sha256(f"{login}|{hidden['submission_id']}".encode()).hexdigest()
    with db.begin():
        db.add(once.FormSubmission(key=key))  # the first request has claimed it and is still running

    def first_finishes():
        time.sleep(0.5)
        once._settle(app.state.session_factory, key, "/demands/12345")

    worker = threading.Thread(target=first_finishes)
    worker.start()
    repeat = client.post("/demands/new", data={**DEMAND, **hidden}, follow_redirects=False)
    worker.join()
    assert repeat.status_code == 303 and repeat.headers["location"] == "/demands/12345"
    assert _demands(db) == []  # the repeat did not run the form


def test_login_is_not_replayed(client, db, member):
    client.cookies.clear()
    hidden = _form(client, "/login")
    body = {"username": "buyer", "password": f.PASSWORD, **hidden}
    for _ in range(2):
        client.cookies.delete("ipp_session")
        resp = client.post("/login", data=body, follow_redirects=False)
        assert resp.status_code == 303 and "ipp_session=" in resp.headers.get("set-cookie", "")


def test_an_upload_sent_twice_makes_one_import(client, db, tmp_path):
    """Multipart forms too: the import form sent twice with the same submission id makes one import job."""
    from ipplatform.imports.models import ImportJob
    from tests.imports.files import EXPORT_HEADER, export_row, write_csv
    with db.begin():
        org = f.org(db, OrgKind.UNIVERSITY, name="淮上理工大学（测试）")
        f.user(db, org, Role.UNIVERSITY_MEMBER, username="tto")
    assert f.form_post(client, "/login", data={"username": "tto", "password": f.PASSWORD},
                       follow_redirects=False).status_code == 303
    content = write_csv(tmp_path / "p.csv", [export_row(1, org.name)], "utf-8-sig", EXPORT_HEADER).read_bytes()
    hidden = _form(client, "/imports")
    assert set(hidden) == {"csrf_token", "submission_id"}
    answers = [client.post("/imports", data={"kind": "patents", "action": "dry_run", **hidden},
                           files={"file": ("p.csv", content, "text/csv")}, follow_redirects=False)
               for _ in range(2)]
    assert [a.status_code for a in answers] == [303, 303]
    assert answers[0].headers["location"] == answers[1].headers["location"]
    db.expire_all()
    assert db.query(ImportJob).count() == 1
