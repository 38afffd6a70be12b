"""A matchmaking event end to end through the API, on SQLite and PostgreSQL, with the real matcher (embedded
search, the real embedding model): set up → registrations → pre-match → requests/accepts → schedule →
check-in → outcomes → an agreement becomes a recorded deal → the event report and the statistics (and
their records) show it."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from ipplatform.auth.enums import Role
from ipplatform.common.timefmt import beijing_today
from ipplatform.organisations.enums import OrgKind
from tests import factories as f


def _world(app, db):
    with db.begin():
        office = f.org(db, OrgKind.IP_OFFICE, name="信阳市知识产权局（测试）")
        agency = f.org(db, OrgKind.AGENCY, name="豫南运营中心（测试）")
        univ = f.org(db, OrgKind.UNIVERSITY, name="淮上理工大学（测试）", industry_code="8341",
                     contact_email="tto@example.com")
        tea = f.org(db, OrgKind.ENTERPRISE, name="商城县云雾茶业（测试）", county_code="411524", industry_code="1530",
                    contact_email="tea@example.com")
        food = f.org(db, OrgKind.ENTERPRISE, name="固始县淮味食品（测试）", county_code="411525", industry_code="1391")
        tea_offer = f.offer(db, univ, [f.patent(db, univ, title="一种茶叶杀青揉捻一体化装置", ipc=["A23F 3/06"])],
                            title="茶叶杀青揉捻一体化装置专利转让")
        rice_offer = f.offer(db, univ, [f.patent(db, univ, title="一种稻米低温烘干方法", ipc=["A23B 9/08"])],
                             title="稻米低温烘干技术专利许可", modes=["ordinary_licence"])
        tea_demand = f.demand(db, tea, title="茶叶杀青揉捻自动化设备",
                              description="春茶季鲜叶多，需要茶叶杀青、揉捻的自动化加工设备，提升信阳毛尖品质。")
        food_demand = f.demand(db, food, title="稻米烘干保鲜技术", description="需要稻谷低温烘干和保鲜储存技术，降低碎米率。")
        users = {"organiser": f.user(db, agency, Role.EVENT_ORGANISER), "univ": f.user(db, univ, Role.UNIVERSITY_MEMBER),
                 "tea": f.user(db, tea, Role.ENTERPRISE_MEMBER), "food": f.user(db, food, Role.ENTERPRISE_MEMBER),
                 "staff": f.user(db, office, Role.OFFICE_STAFF), "other": f.user(db, f.org(db), Role.ENTERPRISE_MEMBER)}
        ids = {"univ": univ.id, "tea": tea.id, "food": food.id, "tea_offer": tea_offer.id, "rice_offer": rice_offer.id,
               "tea_demand": tea_demand.id, "food_demand": food_demand.id}
    assert app.state.indexer.drain(ignore_backoff=True).failed == 0  # indexing matches the demands
    return {k: f.auth(u) for k, u in users.items()}, ids


SETUP = {"title": "信阳茶产业与农产品加工专利供需对接会", "theme": "茶叶加工、粮油加工", "industries": ["1530"],
         "ipc": ["A23F", "A23B"], "venue": "信阳市羊山新区会展中心 B 厅", "day": str(beijing_today() + timedelta(days=20)),
         "slot_minutes": 20, "sessions": [{"start": "09:00", "slots": 3}, {"start": "14:00", "slots": 2}], "tables": 4,
         "registration_deadline": str(beijing_today() + timedelta(days=10)), "max_meetings": 4, "max_requests": 3}


def ok(resp, status=200):
    assert resp.status_code == status, resp.text
    return resp.json() if resp.headers.get("content-type", "").startswith("application/json") else resp


def _the_day_arrives(db, event_id):
    """Time passes: the event's day is today (the only way to stand on a future day in a test)."""
    from ipplatform.events.models import Event
    with db.begin():
        db.get(Event, event_id).day = beijing_today()


def test_event_end_to_end(app, client, db):
    h, ids = _world(app, db)
    event = ok(client.post("/api/events", headers=h["organiser"], json=SETUP), 201)
    eid = event["id"]
    assert [s["start"] for s in event["slots"]] == ["09:00", "09:20", "09:40", "14:00", "14:20"]
    # a draft is the organiser's own
    assert client.get(f"/api/events/{eid}", headers=h["tea"]).status_code == 404
    assert eid not in [e["id"] for e in ok(client.get("/api/events", headers=h["tea"]))]
    ok(client.post(f"/api/events/{eid}/status", headers=h["organiser"], json={"status": "registration"}))
    assert client.post(f"/api/events/{eid}/status", headers=h["organiser"], json={"status": "running"}).status_code == 409

    # registrations: the university supplies both offers, the two enterprises bring their demands
    univ = ok(client.post(f"/api/events/{eid}/registrations", headers=h["univ"], json={
        "side": "supply", "offer_ids": [ids["tea_offer"], ids["rice_offer"]],
        "attendees": [{"name": "王老师", "position": "技术转移中心主任"}]}), 201)
    tea = ok(client.post(f"/api/events/{eid}/registrations", headers=h["tea"], json={
        "side": "demand", "demand_ids": [ids["tea_demand"]], "attendees": [{"name": "李总"}],
        "available": ["s1", "s2", "s3"]}), 201)
    food = ok(client.post(f"/api/events/{eid}/registrations", headers=h["food"], json={
        "side": "demand", "demand_ids": [ids["food_demand"]]}), 201)
    assert "未填写参会人员" in food["incomplete"] and "机构缺少联系方式" in food["incomplete"]
    assert tea["incomplete"] == []
    # someone else's demand cannot be brought; nor can the enterprise register twice
    bad = client.post(f"/api/events/{eid}/registrations", headers=h["other"], json={
        "side": "demand", "demand_ids": [ids["tea_demand"]]})
    assert bad.status_code == 422 and bad.json()["message_zh"]
    # registering again updates the same registration
    again = ok(client.post(f"/api/events/{eid}/registrations", headers=h["tea"], json={
        "side": "demand", "demand_ids": [ids["tea_demand"]], "attendees": [{"name": "李总"}, {"name": "张工"}],
        "available": ["s1", "s2", "s3"]}), 201)
    assert again["id"] == tea["id"] and len(again["attendees"]) == 2
    regs = ok(client.get(f"/api/events/{eid}/participants", headers=h["organiser"]))
    assert {r["org_name"] for r in regs} == {"淮上理工大学（测试）", "商城县云雾茶业（测试）", "固始县淮味食品（测试）"}
    assert all("credit_warning" in r for r in regs)

    # pre-matching: pairs from the matcher's scores, with its explanation
    ok(client.post(f"/api/events/{eid}/status", headers=h["organiser"], json={"status": "booking"}))
    pairs = ok(client.post(f"/api/events/{eid}/prematch", headers=h["organiser"]))
    by_b = {p["b_id"]: p for p in pairs}
    assert set(by_b) == {tea["id"], food["id"]}
    assert by_b[tea["id"]]["offer_id"] == ids["tea_offer"] and by_b[tea["id"]]["score"] > 0
    assert by_b[food["id"]]["offer_id"] == ids["rice_offer"]
    assert by_b[tea["id"]]["explanation"]

    # booking: the tea firm requests a meeting, the university accepts; quotas are shown
    me = ok(client.get(f"/api/events/{eid}/me", headers=h["tea"]))
    assert [p["id"] for p in me["pairs"]] == [by_b[tea["id"]]["id"]]
    assert me["quotas"] == {"requests_sent": 0, "requests_max": 3, "accepted": 0, "accepted_max": 4}
    req = ok(client.post(f"/api/events/{eid}/requests", headers=h["tea"],
                         json={"to_participant_id": univ["id"], "message": "希望详细了解杀青揉捻装置"}), 201)
    assert req["status"] == "requested"
    assert client.post(f"/api/events/{eid}/pairs/{req['id']}/answer", headers=h["tea"],
                       json={"accept": True}).status_code == 409  # the requester does not answer itself
    ok(client.post(f"/api/events/{eid}/pairs/{req['id']}/answer", headers=h["univ"], json={"accept": True}))
    assert ok(client.get(f"/api/events/{eid}/me", headers=h["tea"]))["quotas"]["accepted"] == 1
    unbooked = ok(client.get(f"/api/events/{eid}/unbooked", headers=h["organiser"]))
    assert [p["id"] for p in unbooked] == [food["id"]]
    assert ok(client.post(f"/api/events/{eid}/reminders", headers=h["organiser"]))["unbooked"] == 1

    # the file contract of the schedule command is available for the event
    inst = ok(client.get(f"/api/events/{eid}/instance", headers=h["organiser"]))
    assert inst["tables"] == 4 and len(inst["slots"]) == 5
    assert {p["status"] for p in inst["pairs"]} == {"accepted", "proposed"}

    sched = ok(client.post(f"/api/events/{eid}/schedule", headers=h["organiser"], json={"time_limit": 5}))
    assert sched["unmet"] == [] and len(sched["meetings"]) == 2
    slot_of = {m["b_name"]: m["slot"] for m in sched["meetings"]}
    assert slot_of["商城县云雾茶业（测试）"] in ("s1", "s2", "s3")  # its availability
    assert len({m["slot"] for m in sched["meetings"]}) == 2  # the university cannot be at two tables at once
    assert ok(client.get(f"/api/events/{eid}", headers=h["tea"]))["status"] == "scheduled"
    mine = ok(client.get(f"/api/events/{eid}/me", headers=h["tea"]))["meetings"]
    assert len(mine) == 1 and mine[0]["a_name"] == "淮上理工大学（测试）"

    # check-in and outcomes
    for p in (univ, tea):
        assert ok(client.post(f"/api/events/{eid}/participants/{p['id']}/check-in",
                              headers=h["organiser"]))["checked_in_at"]
    meeting = {m["b_name"]: m for m in sched["meetings"]}
    tea_m, food_m = meeting["商城县云雾茶业（测试）"], meeting["固始县淮味食品（测试）"]
    early = client.post(f"/api/events/{eid}/meetings/{food_m['id']}/outcome", headers=h["organiser"],
                        json={"outcome": "intention"})  # the event is three weeks away: nothing has been said yet
    assert early.status_code == 409 and early.json()["code"] == "not_yet", early.text
    assert "活动当天" in early.json()["message_zh"]
    assert ok(client.get(f"/api/events/{eid}", headers=h["organiser"]))["status"] == "scheduled"
    _the_day_arrives(db, eid)
    missing = client.post(f"/api/events/{eid}/meetings/{tea_m['id']}/outcome", headers=h["organiser"],
                          json={"outcome": "agreement"})
    assert missing.status_code == 422 and "金额" in missing.json()["message_zh"] + str(missing.json()["detail"])
    signed = ok(client.post(f"/api/events/{eid}/meetings/{tea_m['id']}/outcome", headers=h["organiser"],
                            json={"outcome": "agreement", "amount": "350000", "note": "现场签约"}))
    assert signed["outcome"] == "agreement" and signed["deal_id"]
    ok(client.post(f"/api/events/{eid}/meetings/{food_m['id']}/outcome", headers=h["organiser"],
                   json={"outcome": "intention"}))
    assert ok(client.get(f"/api/events/{eid}", headers=h["organiser"]))["status"] == "running"

    # the agreement is a draft deal of the two parties, on the offer's patents, linked to the event: record it
    deal = ok(client.get(f"/api/deals/{signed['deal_id']}", headers=h["univ"]))
    assert deal["status"] == "draft" and deal["from_org"]["id"] == ids["univ"] and deal["to_org"]["id"] == ids["tea"]
    assert float(deal["amount"]) == 350000 and len(deal["patents"]) == 1
    recorded = ok(client.post(f"/api/deals/{signed['deal_id']}/record", headers=h["univ"],
                              json={"contract_date": str(beijing_today())}))
    assert recorded["status"] == "recorded"

    # the event report (page data and Excel)
    rep = ok(client.get(f"/api/events/{eid}/report", headers=h["organiser"]))
    assert (rep["registered"], rep["attended"], rep["scheduled"], rep["held"]) == (3, 2, 2, 2)
    assert {o["key"]: o["value"] for o in rep["outcomes"]}["intention"] == 1
    assert rep["agreements"] == 1 and rep["agreement_amount"] == 350000
    assert rep["recorded_deals"] == 1 and rep["follow_up"][0] == {"days": 30, "deals": 1, "amount": 350000}
    assert {r["label"] for r in rep["by_county"]} == {"商城县", "固始县"}
    assert rep["most_requested"][0]["offer_id"] == ids["tea_offer"]
    xlsx = ok(client.get(f"/api/events/{eid}/report.xlsx", headers=h["organiser"]))
    book = load_workbook(io.BytesIO(xlsx.content))
    assert "洽谈明细" in book.sheetnames and book["洽谈明细"].max_row == 3

    # the statistics and the records behind them
    for indicator, want in (("event_meetings_held", 2), ("event_intentions", 1), ("event_agreements", 1),
                            ("event_agreement_amount", 35), ("event_deals", 1)):
        got = ok(client.get(f"/api/stats/breakdown/{indicator}", headers=h["staff"], params={"by": "county"}))
        total = sum(r["value"] for r in got) if isinstance(got, list) else sum(got.values())
        assert total == want, (indicator, got)
    held = ok(client.get("/api/stats/records/event_meetings_held", headers=h["staff"]))
    assert held["total"] == 2
    traced = ok(client.get("/api/stats/records/event_deals", headers=h["staff"]))
    assert traced["total"] == 1 and traced["rows"][0][0] == signed["deal_id"]
    assert client.get("/api/stats/records/event_deals", headers=h["organiser"]).status_code == 403


def test_forced_pairs_that_cannot_be_placed_are_explained(app, client, db):
    h, ids = _world(app, db)
    eid = ok(client.post("/api/events", headers=h["organiser"], json={**SETUP, "sessions": [{"start": "09:00", "slots": 1}]}),
             201)["id"]
    ok(client.post(f"/api/events/{eid}/status", headers=h["organiser"], json={"status": "registration"}))
    univ = ok(client.post(f"/api/events/{eid}/registrations", headers=h["univ"], json={
        "side": "supply", "offer_ids": [ids["tea_offer"]]}), 201)
    others = [ok(client.post(f"/api/events/{eid}/registrations", headers=h[k], json={"side": "demand"}), 201)
              for k in ("tea", "food")]
    ok(client.post(f"/api/events/{eid}/status", headers=h["organiser"], json={"status": "booking"}))
    for o in others:
        ok(client.post(f"/api/events/{eid}/pairs", headers=h["organiser"],
                       json={"a_id": univ["id"], "b_id": o["id"], "forced": True}), 201)
    resp = client.post(f"/api/events/{eid}/schedule", headers=h["organiser"], json={"time_limit": 2})
    assert resp.status_code == 409
    assert "淮上理工大学（测试）" in resp.json()["message_zh"]


def test_patch_changes_only_the_fields_sent_and_checks_the_whole_setup(app, client, db):
    h, _ = _world(app, db)
    eid = ok(client.post("/api/events", headers=h["organiser"], json=SETUP), 201)["id"]
    moved = ok(client.patch(f"/api/events/{eid}", headers=h["organiser"], json={"venue": "信阳市会展中心 A 厅",
                                                                                "tables": 6}))
    assert (moved["venue"], moved["tables"]) == ("信阳市会展中心 A 厅", 6)
    assert moved["title"] == SETUP["title"] and moved["max_requests"] == 3  # the rest is kept
    assert [s["start"] for s in moved["slots"]] == ["09:00", "09:20", "09:40", "14:00", "14:20"]
    # the merged setup is validated as a whole: the day cannot move before the registration deadline
    early = client.patch(f"/api/events/{eid}", headers=h["organiser"], json={"day": str(beijing_today() + timedelta(days=5))})
    assert early.status_code == 422 and early.json()["message_zh"], early.text
    for bad in ({"title": None}, {"tables": 0}, {"colour": "red"}):
        assert client.patch(f"/api/events/{eid}", headers=h["organiser"], json=bad).status_code == 422, bad
    assert ok(client.get(f"/api/events/{eid}", headers=h["organiser"]))["venue"] == "信阳市会展中心 A 厅"
    assert client.patch(f"/api/events/{eid}", headers=h["tea"], json={"tables": 2}).status_code in (403, 404)


@pytest.mark.parametrize(("change", "field", "words"), [
    ({"sessions": [{"start": "09:00", "slots": 4}, {"start": "09:30", "slots": 3}]}, "sessions",
     "第 2 场（09:30–10:30）与第 1 场（09:00–10:20）时间重叠"),
    ({"sessions": [{"start": "14:00", "slots": 3}, {"start": "13:30", "slots": 2}]}, "sessions",
     "第 1 场（14:00–15:00）与第 2 场（13:30–14:10）时间重叠"),
    ({"sessions": [{"start": "23:00", "slots": 4}]}, "sessions", "超过当天 24:00"),
    ({"day": "2020-01-01", "registration_deadline": "2019-12-01"}, "day", "活动日期已过"),
])
def test_an_impossible_setup_is_refused_naming_the_problem(app, client, db, change, field, words):
    h, _ = _world(app, db)
    resp = client.post("/api/events", headers=h["organiser"], json={**SETUP, **change})
    assert resp.status_code == 422, resp.text
    detail = resp.json()["detail"]
    assert [d["field"] for d in detail] == [field] and words in detail[0]["message_zh"], detail


def test_sessions_back_to_back_are_fine(app, client, db):
    h, _ = _world(app, db)
    sessions = [{"start": "09:00", "slots": 3}, {"start": "10:00", "slots": 2}]  # 09:00–10:00, then 10:00
    event = ok(client.post("/api/events", headers=h["organiser"], json={**SETUP, "sessions": sessions}), 201)
    assert [s["start"] for s in event["slots"]] == ["09:00", "09:20", "09:40", "10:00", "10:20"]


def test_scheduling_without_pairs_is_refused_and_the_event_stays_in_booking(app, client, db):
    h, _ = _world(app, db)
    eid = ok(client.post("/api/events", headers=h["organiser"], json=SETUP), 201)["id"]
    for status in ("registration", "booking"):
        ok(client.post(f"/api/events/{eid}/status", headers=h["organiser"], json={"status": status}))
    resp = client.post(f"/api/events/{eid}/schedule", headers=h["organiser"], json={"time_limit": 5})
    assert resp.status_code == 409 and resp.json()["code"] == "nothing_to_schedule", resp.text
    assert "没有可排程的配对" in resp.json()["message_zh"]
    assert ok(client.get(f"/api/events/{eid}", headers=h["organiser"]))["status"] == "booking"


@pytest.mark.parametrize(("days_ago", "dated"), [(3, "the event day"), (0, "today")])
def test_an_agreement_recorded_later_is_dated_the_event_day(db, days_ago, dated):
    """Outcomes are often entered after the event: the contract was signed on the event's day, not on the day
    it was typed in."""
    from ipplatform.events import flows
    from ipplatform.events.schemas import OutcomeRecord
    from tests.authz.cases_events import meeting
    with db.begin():
        event, m = meeting(db, f.org(db, OrgKind.AGENCY))
        event.day = beijing_today() - timedelta(days=days_ago)
        flows.record_outcome(db, event, m, OutcomeRecord(outcome="agreement", amount="120000"), None)
        deal = flows.draft_deal(db, event, m, None)
    assert deal.contract_date == (event.day if dated == "the event day" else beijing_today())


def test_no_outcome_before_the_event_day(db):
    """A scheduled event three weeks away has no outcomes yet: recording one is refused, in both languages, and
    the event stays scheduled (the first outcome would mark it running)."""
    from ipplatform.common.errors import Conflict
    from ipplatform.events import flows
    from ipplatform.events.enums import EventStatus, Outcome
    from ipplatform.events.schemas import OutcomeRecord
    from tests.authz.cases_events import meeting
    with db.begin():
        event, m = meeting(db, f.org(db, OrgKind.AGENCY))
        event.day = beijing_today() + timedelta(days=1)
        with pytest.raises(Conflict) as exc:
            flows.record_outcome(db, event, m, OutcomeRecord(outcome="intention"), None)
        assert exc.value.code == "not_yet" and "活动当天" in exc.value.message_zh
        assert m.outcome == Outcome.PENDING and event.status == EventStatus.SCHEDULED
