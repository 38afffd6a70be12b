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



def test_the_setup_form_keeps_every_session_an_event_may_have(client, db):
    """An event may have six sessions (the API allows them); the edit form shows them all, so saving it
    unchanged keeps them."""
    from ipplatform.events.models import Event
    from ipplatform.events.schemas import MAX_SESSIONS

    _people(db)
    _login(client, "org1")
    times = ["08:00", "09:30", "11:00", "13:30", "15:00", "16:30"][:MAX_SESSIONS]
    sessions = {k: v for i, t in enumerate(times, start=1) for k, v in ((f"session{i}_start", t), (f"session{i}_slots", "3"))}
    created = f.form_post(client, "/events/new", data={**FORM, **sessions}, follow_redirects=False)
    assert created.status_code == 303
    event_url = created.headers["location"]
    edit = client.get(f"{event_url}/edit").text
    shown = dict(re.findall(r'name="(session\d+_(?:start|slots))" value="([^"]*)"', edit))
    assert shown == sessions  # every session, as stored
    assert f.form_post(client, f"{event_url}/edit", data={**FORM, **shown}, follow_redirects=False).status_code == 303
    db.expire_all()
    event = db.get(Event, int(event_url.rstrip("/").split("/")[-1]))
    assert [s["start"] for s in event.sessions] == times


def test_adding_a_pair_without_participants_says_what_is_missing(client, db):
    _people(db)
    _login(client, "org1")
    event_url = f.form_post(client, "/events/new", data=FORM, follow_redirects=False).headers["location"]
    resp = f.form_post(client, f"{event_url}/pairs", data={})  # no approved participants: the selects are empty
    assert resp.status_code == 422 and "请选择供给方和需求方" in resp.text


def test_a_link_cannot_put_its_own_notice_on_an_event_page(client, db):
    _people(db)
    _login(client, "org1")
    event_url = f.form_post(client, "/events/new", data=FORM, follow_redirects=False).headers["location"]
    bait = "系统升级，请向账户6222汇款"
    for page in ("registrations", "pairs", "board"):
        resp = client.get(f"{event_url}/{page}", params={"notice": bait})
        assert resp.status_code == 200, page
        assert bait not in resp.text and 'data-testid="notice"' not in resp.text, page
    # the platform's own notices still show: a refused pair on the pairs page
    refused = f.form_post(client, f"{event_url}/pairs", data={})
    assert refused.status_code == 422 and 'data-testid="notice"' in refused.text


def test_a_bad_acting_organisation_number_is_a_chinese_422(client, db):
    """``?org_id=`` names the organisation an agency registers for; a number past any id or not a number is
    the form's error in Chinese, not a server error nor silently the user's own organisation."""
    _people(db)
    _login(client, "org1")
    event_url = f.form_post(client, "/events/new", data=FORM, follow_redirects=False).headers["location"]
    f.form_post(client, f"{event_url}/status", data={"status": "registration"})
    for bad in ("99999999999999999999", "abc", "١٢", "-3"):
        resp = client.get(f"{event_url}/me", params={"org_id": bad})
        assert resp.status_code == 422, (bad, resp.status_code)
        assert "机构编号无效" in resp.text, bad
    assert client.get(f"{event_url}/me", params={"org_id": "987654"}).status_code == 404  # a number, no such org


def test_errors_name_the_fields_as_the_event_form_labels_them(client, db):
    """The event's title is 活动名称 on its form and in its errors, while offers keep 题名 (regression: the
    event labels were merged into every form's label table)."""
    from web.forms import LABELS
    _people(db)
    _login(client, "org1")
    resp = f.form_post(client, "/events/new", data={**FORM, "title": "短"})
    assert resp.status_code == 422
    visible = re.sub(r"<[^>]+>", " ", resp.text)
    assert "活动名称：" in visible and "题名：" not in visible
    overlap = f.form_post(client, "/events/new", data={**FORM, "session1_start": "09:00", "session1_slots": "4",
                                                         "session2_start": "09:30", "session2_slots": "2"})
    assert overlap.status_code == 422
    assert "场次：第 2 场（09:30–10:10）与第 1 场（09:00–10:20）时间重叠" in re.sub(r"<[^>]+>", " ", overlap.text)
    assert LABELS["title"] == "题名" and "venue" not in LABELS
