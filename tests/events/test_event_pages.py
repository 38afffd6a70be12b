"""Event pages over HTTP: the setup form shows Chinese messages at the fields with the values kept; the
registration form refuses others' listings in Chinese; a draft is not shown to members."""

from __future__ import annotations

import re

from ipplatform.auth.enums import Role
from ipplatform.organisations.enums import OrgKind
from tests import factories as f

FORM = {"title": "茶产业专利供需对接会", "venue": "信阳市会展中心", "day": "2027-05-20", "slot_minutes": "20", "tables": "5",
        "session1_start": "09:00", "session1_slots": "4", "max_meetings": "4", "max_requests": "5"}


def _login(client, username):
    resp = f.form_post(client, "/login", data={"username": username, "password": f.PASSWORD, "next": "/events"},
                       follow_redirects=False)
    assert resp.status_code == 303


def _people(db):
    with db.begin():
        agency = f.org(db, OrgKind.AGENCY)
        f.user(db, agency, Role.EVENT_ORGANISER, username="org1")
        firm = f.org(db, OrgKind.ENTERPRISE)
        f.user(db, firm, Role.ENTERPRISE_MEMBER, username="firm1")
        other = f.org(db, OrgKind.ENTERPRISE)
        theirs = f.demand(db, other, title="别家的技术需求")
        mine = f.demand(db, firm, title="本企业的茶叶加工需求")
    return theirs.id, mine.id


def test_setup_form_errors_are_chinese_and_values_kept(client, db):
    _people(db)
    _login(client, "org1")
    resp = f.form_post(client, "/events/new", data={**FORM, "venue": "", "booking_opens": "2027-05-10",
                                                      "booking_closes": "2027-05-01", "tables": "0"})
    assert resp.status_code == 422
    text = resp.text
    assert "活动地点" in text and "洽谈桌数" in text
    assert "茶产业专利供需对接会" in text  # the title typed is still there
    visible = re.sub(r"<[^>]+>", " ", text)
    assert "活动地点：" in visible and "venue" not in visible and "tables" not in visible
    ok = f.form_post(client, "/events/new", data=FORM, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"].startswith("/events/")


def test_registration_refuses_another_organisations_demand(client, db):
    theirs, mine = _people(db)
    _login(client, "org1")
    created = f.form_post(client, "/events/new", data=FORM, follow_redirects=False)
    event_url = created.headers["location"]
    client.cookies.clear()
    _login(client, "firm1")
    assert client.get(event_url).status_code == 404  # a draft is the organiser's
    client.cookies.clear()
    _login(client, "org1")
    refused = f.form_post(client, f"{event_url}/status", data={"status": "closed"})
    assert refused.status_code == 409 and "活动状态不能从“草稿”变为“已结束”" in refused.text
    f.form_post(client, f"{event_url}/status", data={"status": "registration"})
    client.cookies.clear()
    _login(client, "firm1")
    page = client.get(f"{event_url}/register")
    assert page.status_code == 200 and "本企业的茶叶加工需求" in page.text and "别家的技术需求" not in page.text
    resp = f.form_post(client, f"{event_url}/register", data={"side": "demand", "demand_ids": str(theirs)})
    assert resp.status_code == 422 and "带来的技术需求：技术需求" in resp.text and "不是本机构发布的" in resp.text
    resp = f.form_post(client, f"{event_url}/register", data={"side": "demand", "demand_ids": str(mine),
                                                              "attendee1_name": "李总"}, follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == f"{event_url}/me"
    me = client.get(f"{event_url}/me")
    assert "供需对接" in me.text or "我的洽谈" in me.text

