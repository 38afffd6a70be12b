"""E-mails of an event through a real SMTP conversation (a local capture server): reminders to participants
without an accepted meeting; each participant's schedule once; re-scheduling after a late cancellation keeps
the meetings already notified and e-mails only those whose meetings changed."""

from __future__ import annotations

import email
from datetime import date, timedelta

import pytest

from ipplatform.auth.enums import Role
from ipplatform.config import get_settings
from ipplatform.organisations.enums import OrgKind
from ipplatform.common.timefmt import beijing_today
from tests import factories as f
from tests.matching.test_matching_flow import _SmtpCapture


@pytest.fixture
def smtp(monkeypatch):
    capture = _SmtpCapture()
    monkeypatch.setenv("IPP_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("IPP_SMTP_PORT", str(capture.port))
    get_settings.cache_clear()
    yield capture
    capture.close()
    get_settings.cache_clear()


def _recipients(smtp) -> list[str]:
    return sorted(email.message_from_bytes(m)["To"] for m in smtp.messages)


def test_reminders_schedules_and_rescheduling(app, client, db, smtp):
    with db.begin():
        organiser = f.user(db, f.org(db, OrgKind.AGENCY), Role.EVENT_ORGANISER)
        orgs = {k: f.org(db, kind, name=f"{k}（测试）", contact_email=f"{k}@example.com")
                for k, kind in (("s1", OrgKind.UNIVERSITY), ("s2", OrgKind.UNIVERSITY), ("d1", OrgKind.ENTERPRISE),
                                ("d2", OrgKind.ENTERPRISE), ("d3", OrgKind.ENTERPRISE))}
        members = {k: f.user(db, o, Role.ENTERPRISE_MEMBER if k.startswith("d") else Role.UNIVERSITY_MEMBER)
                   for k, o in orgs.items()}
    h = f.auth(organiser)
    eid = client.post("/api/events", headers=h, json={
        "title": "信阳农产品加工对接会", "venue": "固始县", "day": str(beijing_today() + timedelta(days=9)),
        "sessions": [{"start": "09:00", "slots": 3}], "tables": 2}).json()["id"]
    client.post(f"/api/events/{eid}/status", headers=h, json={"status": "registration"})
    ids = {}
    for k, u in members.items():
        resp = client.post(f"/api/events/{eid}/registrations", headers=f.auth(u),
                           json={"side": "supply" if k.startswith("s") else "demand"})
        assert resp.status_code == 201, resp.text
        ids[k] = resp.json()["id"]
    client.post(f"/api/events/{eid}/status", headers=h, json={"status": "booking"})
    for a, b in (("s1", "d1"), ("s1", "d2"), ("s2", "d2"), ("s2", "d3")):
        pair = client.post(f"/api/events/{eid}/pairs", headers=h, json={"a_id": ids[a], "b_id": ids[b]}).json()
        if (a, b) != ("s2", "d3"):
            assert client.patch(f"/api/events/{eid}/pairs/{pair['id']}", headers=h,
                                json={"status": "accepted"}).status_code == 200

    # d3 has no accepted meeting: it alone is reminded
    assert client.post(f"/api/events/{eid}/reminders", headers=h).json() == {"unbooked": 1, "emailed": 1}
    assert _recipients(smtp) == ["d3@example.com"]
    body = email.message_from_bytes(smtp.messages[0]).get_payload(decode=True).decode()
    assert "信阳农产品加工对接会" in body and f"/events/{eid}/me" in body
    smtp.messages.clear()

    first = client.post(f"/api/events/{eid}/schedule", headers=h, json={"time_limit": 5}).json()
    assert len(first["meetings"]) == 4 and first["unmet"] == []
    assert _recipients(smtp) == sorted(f"{k}@example.com" for k in orgs)  # one schedule e-mail each
    smtp.messages.clear()

    # d1 cancels late; the plan is made again: everyone else keeps slot and table, nobody else is e-mailed again
    assert client.post(f"/api/events/{eid}/participants/{ids['d1']}/decision", headers=h,
                       json={"status": "cancelled"}).status_code == 200
    again = client.post(f"/api/events/{eid}/schedule", headers=h, json={"time_limit": 5}).json()
    before = {(m["a_name"], m["b_name"]): (m["slot"], m["table_no"]) for m in first["meetings"]}
    after = {(m["a_name"], m["b_name"]): (m["slot"], m["table_no"]) for m in again["meetings"]}
    assert set(after) == set(before) - {("s1（测试）", "d1（测试）")}
    assert all(after[k] == before[k] for k in after)
    assert smtp.messages == []
