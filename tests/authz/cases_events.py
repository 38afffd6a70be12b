"""The matrix cases of matchmaking events (API and pages): the organiser's organisation and office staff manage
an event (``event_manager``); members register and book for their own organisation (``event_member``);
signed-in users read events past their draft."""

from __future__ import annotations

from datetime import date, timedelta

from ipplatform.auth.enums import Role
from ipplatform.events.enums import EventStatus, PairStatus, Side
from ipplatform.events.models import Event, EventPair, Meeting, Participant
from ipplatform.common.timefmt import beijing_today
from tests import factories as f
from tests.authz.common import MEMBERS, STAFF, Case, Req

RULES = {"event_manager": ({Role.EVENT_ORGANISER}, STAFF), "event_member": (MEMBERS, {Role.ADMIN})}

SETUP = {"title": "茶产业专利供需对接会", "venue": "信阳市羊山新区会展中心", "day": "2027-05-20", "slot_minutes": 20,
         "sessions": [{"start": "09:00", "slots": 4}], "tables": 5}


def event(db, org, status=EventStatus.REGISTRATION) -> Event:
    e = Event(org_id=org.id, title="茶产业专利供需对接会", venue="信阳市会展中心", day=beijing_today() + timedelta(days=30),
              slot_minutes=20, sessions=[{"start": "09:00", "slots": 4}], tables=5, status=status, industries=[], ipc=[])
    db.add(e)
    db.flush()
    return e


def participant(db, e, org, side=Side.DEMAND) -> Participant:
    p = Participant(event_id=e.id, org_id=org.id, side=side, offer_ids=[], demand_ids=[], attendees=[])
    db.add(p)
    db.flush()
    return p


def pair(db, e, a, b, status=PairStatus.PROPOSED, requested_by=None) -> EventPair:
    x = EventPair(event_id=e.id, a_id=a.id, b_id=b.id, score=0.7, status=status, explanation={},
                  requested_by_id=requested_by.id if requested_by else None)
    db.add(x)
    db.flush()
    return x


def managed(db, t, status=EventStatus.REGISTRATION):
    """An event organised by ``t`` with a supply and a demand participant (neither of them ``t``)."""
    e = event(db, t, status)
    a = participant(db, e, f.org(db), Side.SUPPLY)
    b = participant(db, e, f.org(db), Side.DEMAND)
    return e, a, b


def meeting(db, t):
    """A scheduled meeting of an event organised by ``t`` that takes place today (outcomes can be recorded)."""
    e, a, b = managed(db, t, EventStatus.SCHEDULED)
    e.day = beijing_today()
    m = Meeting(event_id=e.id, pair_id=pair(db, e, a, b, PairStatus.ACCEPTED).id, slot="s1", table_no=1)
    db.add(m)
    db.flush()
    return e, m


def booking(db, w, t):
    """A booking-phase event of another organiser: ``t`` registered on the demand side, a supplier invited it."""
    e = event(db, w["third"], EventStatus.BOOKING)
    me = participant(db, e, t, Side.DEMAND)
    other = participant(db, e, f.org(db), Side.SUPPLY)
    return e, me, other


def _outcome(db, w, t):
    e, m = meeting(db, t)
    return Req(f"/api/events/{e.id}/meetings/{m.id}/outcome", {"outcome": "follow_up"})


def _request(db, w, t):
    e, me, other = booking(db, w, t)
    return Req(f"/api/events/{e.id}/requests?org_id={t.id}", {"to_participant_id": other.id, "message": "想了解该专利"})


def _answer(db, w, t):
    e, me, other = booking(db, w, t)
    x = pair(db, e, other, me, PairStatus.REQUESTED, requested_by=other)
    return Req(f"/api/events/{e.id}/pairs/{x.id}/answer?org_id={t.id}", {"accept": True})


def _page_answer(db, w, t):
    e, me, other = booking(db, w, t)
    x = pair(db, e, other, me, PairStatus.REQUESTED, requested_by=other)
    return Req(f"/events/{e.id}/pairs/{x.id}/answer", form={"accept": "1", "org_id": str(t.id)})


def _page_request(db, w, t):
    e, me, other = booking(db, w, t)
    return Req(f"/events/{e.id}/requests", form={"to_participant_id": str(other.id), "org_id": str(t.id)})


def m(name, method, path, ok=200, body=None, status=EventStatus.REGISTRATION, page=False, form=None, paired=False):
    """A case managing an event of ``t`` (``path`` is formatted with the event ``e`` and participants ``a``, ``b``;
    ``paired``: ``a`` and ``b`` are a proposed pair)."""
    def prepare(db, w, t):
        e, a, b = managed(db, t, status)
        if paired:
            pair(db, e, a, b)
        url = path.format(e=e.id, a=a.id, b=b.id)
        return Req(url, json=body(a, b) if callable(body) else body, form=form)
    route = path.replace("{e}", "{event_id}").replace("{a}", "{participant_id}").split("?")[0]
    return Case(name, method, route, "event_manager", ok, prepare, page=page)


API = [
    Case("event-list", "GET", "/api/events", "signed_in", 200, lambda db, w, t: Req("/api/events"), by_owner=False),
    Case("event-create", "POST", "/api/events", "event_manager", 201, lambda db, w, t: Req("/api/events", SETUP),
         always_own=True),
    Case("event-read", "GET", "/api/events/{event_id}", "signed_in", 200,
         lambda db, w, t: Req(f"/api/events/{event(db, t).id}"), by_owner=False),
    m("event-update", "PATCH", "/api/events/{e}", body=SETUP),
    m("event-status", "POST", "/api/events/{e}/status", body={"status": "booking"}),
    m("event-participants", "GET", "/api/events/{e}/participants"),
    Case("event-register", "POST", "/api/events/{event_id}/registrations", "event_member", 201,
         lambda db, w, t: Req(f"/api/events/{event(db, w['third']).id}/registrations",
                              {"org_id": t.id, "side": "demand", "attendees": [{"name": "张经理"}]})),
    m("event-decision", "POST", "/api/events/{e}/participants/{a}/decision", body={"status": "approved"}),
    m("event-check-in", "POST", "/api/events/{e}/participants/{a}/check-in", status=EventStatus.SCHEDULED),
    m("event-prematch", "POST", "/api/events/{e}/prematch"),
    m("event-pairs", "GET", "/api/events/{e}/pairs"),
    m("event-pair-add", "POST", "/api/events/{e}/pairs", 201, body=lambda a, b: {"a_id": a.id, "b_id": b.id, "forced": True}),
    Case("event-pair-change", "PATCH", "/api/events/{event_id}/pairs/{pair_id}", "event_manager", 200,
         lambda db, w, t: (lambda e, a, b: Req(f"/api/events/{e.id}/pairs/{pair(db, e, a, b).id}", {"status": "removed"}))(
             *managed(db, t))),
    Case("event-me", "GET", "/api/events/{event_id}/me", "event_member", 200,
         lambda db, w, t: Req(f"/api/events/{booking(db, w, t)[0].id}/me?org_id={t.id}")),
    Case("event-request", "POST", "/api/events/{event_id}/requests", "event_member", 201, _request),
    Case("event-answer", "POST", "/api/events/{event_id}/pairs/{pair_id}/answer", "event_member", 200, _answer),
    m("event-unbooked", "GET", "/api/events/{e}/unbooked"),
    m("event-reminders", "POST", "/api/events/{e}/reminders"),
    m("event-instance", "GET", "/api/events/{e}/instance"),
    m("event-schedule", "POST", "/api/events/{e}/schedule", body={"time_limit": 2}, status=EventStatus.BOOKING,
      paired=True),
    m("event-meetings", "GET", "/api/events/{e}/meetings"),
    Case("event-outcome", "POST", "/api/events/{event_id}/meetings/{meeting_id}/outcome", "event_manager", 200, _outcome),
    m("event-report", "GET", "/api/events/{e}/report"),
    m("event-report-xlsx", "GET", "/api/events/{e}/report.xlsx"),
]

PAGE_SETUP = {"title": "茶产业专利供需对接会", "venue": "信阳市会展中心", "day": "2027-05-20", "slot_minutes": "20",
              "tables": "5", "session1_start": "09:00", "session1_slots": "4", "max_meetings": "4", "max_requests": "5"}


def p(name, method, path, ok=200, form=None, status=EventStatus.REGISTRATION, paired=False):
    return m(name, method, path, ok, status=status, page=True, form=form, paired=paired)


def _page_meeting(db, w, t, form=None):
    e, x = meeting(db, t)
    return Req(f"/events/{e.id}/meetings/{x.id}", form=form)


def _member_page(path, ok=200, form=None):
    def prepare(db, w, t):
        e, me, other = booking(db, w, t)
        url = path.format(e=e.id) + ("" if form is not None else f"?org_id={t.id}")
        return Req(url, form={**form, "org_id": str(t.id)} if form is not None else None)
    return prepare


PAGES = [
    Case("page-events", "GET", "/events", "signed_in", 200, lambda db, w, t: Req("/events"), by_owner=False, page=True),
    Case("page-event-new", "GET", "/events/new", "event_manager", 200, lambda db, w, t: Req("/events/new"),
         always_own=True, page=True),
    Case("page-event-create", "POST", "/events/new", "event_manager", 303,
         lambda db, w, t: Req("/events/new", form=PAGE_SETUP), always_own=True, page=True),
    Case("page-event", "GET", "/events/{event_id}", "signed_in", 200,
         lambda db, w, t: Req(f"/events/{event(db, t).id}"), by_owner=False, page=True),
    p("page-event-edit", "GET", "/events/{e}/edit"),
    p("page-event-edit-save", "POST", "/events/{e}/edit", 303, form=PAGE_SETUP),
    p("page-event-status", "POST", "/events/{e}/status", 303, form={"status": "booking"}),
    p("page-event-registrations", "GET", "/events/{e}/registrations"),
    p("page-event-decision", "POST", "/events/{e}/participants/{a}/decision", 303, form={"status": "cancelled"}),
    p("page-event-check-in", "POST", "/events/{e}/participants/{a}/check-in", 303, form={},
      status=EventStatus.SCHEDULED),
    p("page-event-pairs", "GET", "/events/{e}/pairs"),
    p("page-event-prematch", "POST", "/events/{e}/prematch", 200, form={}),
    Case("page-event-pair-add", "POST", "/events/{event_id}/pairs", "event_manager", 303,
         lambda db, w, t: (lambda e, a, b: Req(f"/events/{e.id}/pairs", form={"a_id": str(a.id), "b_id": str(b.id)}))(
             *managed(db, t)), page=True),
    Case("page-event-pair-status", "POST", "/events/{event_id}/pairs/{pair_id}/status", "event_manager", 303,
         lambda db, w, t: (lambda e, a, b: Req(f"/events/{e.id}/pairs/{pair(db, e, a, b).id}/status",
                                               form={"status": "forced"}))(*managed(db, t)), page=True),
    p("page-event-reminders", "POST", "/events/{e}/reminders", 200, form={}),
    p("page-event-schedule", "POST", "/events/{e}/schedule", 303, form={}, status=EventStatus.BOOKING, paired=True),
    p("page-event-board", "GET", "/events/{e}/board"),
    Case("page-event-meeting", "GET", "/events/{event_id}/meetings/{meeting_id}", "event_manager", 200,
         _page_meeting, page=True),
    Case("page-event-outcome", "POST", "/events/{event_id}/meetings/{meeting_id}", "event_manager", 303,
         lambda db, w, t: _page_meeting(db, w, t, {"outcome": "follow_up"}), page=True),
    p("page-event-report", "GET", "/events/{e}/report"),
    Case("page-event-register", "GET", "/events/{event_id}/register", "event_member", 200,
         _member_page("/events/{e}/register"), page=True),
    Case("page-event-register-save", "POST", "/events/{event_id}/register", "event_member", 303,
         _member_page("/events/{e}/register", form={"side": "demand", "attendee1_name": "李总"}), page=True),
    Case("page-event-me", "GET", "/events/{event_id}/me", "event_member", 200, _member_page("/events/{e}/me"),
         page=True),
    Case("page-event-print", "GET", "/events/{event_id}/me/print", "event_member", 200,
         _member_page("/events/{e}/me/print"), page=True),
    Case("page-event-request", "POST", "/events/{event_id}/requests", "event_member", 303, _page_request, page=True),
    Case("page-event-answer", "POST", "/events/{event_id}/pairs/{pair_id}/answer", "event_member", 303, _page_answer,
         page=True),
]

CASES = API + PAGES
