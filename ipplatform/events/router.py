"""API routes of matchmaking events (mounted under /api by ``ipplatform.main``). The organiser's organisation
(and office staff) manage an event (``event.manage``); members register their own organisation and book
meetings for it (``event.register``); any signed-in user sees events that are past their draft."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ipplatform.auth import policy
from ipplatform.auth.policy import Action
from ipplatform.common.errors import NotFound
from ipplatform.common.validators import Id
from ipplatform.dependencies import CurrentUser, DbSession
from ipplatform.events import flows, meetings, pairs, report, scheduling, service
from ipplatform.events.models import Event, Participant
from ipplatform.events.schemas import (EventCreate, EventPatch, EventRead, EventStatusChange, MeetingRead,
                                       MeetingRequest, OutcomeRecord, PairAnswer, PairChange, PairCreate, PairRead,
                                       ParticipantRead, RegistrationCreate, RegistrationDecision, ScheduleRead,
                                       ScheduleRequest)
from ipplatform.organisations.models import Organisation

router = APIRouter(prefix="/events", tags=["events"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def managed(db, user, event_id: int) -> Event:
    event = service.get(db, event_id)
    policy.require(user, Action.EVENT_MANAGE, event.org_id)
    return event


def acting_org(db, user, org_id: int | None) -> Organisation:
    """The organisation a member acts for (its own by default, or one it is custodian agency for)."""
    org = db.get(Organisation, org_id or user.org_id)
    if org is None:
        raise NotFound("organisation", "机构", org_id)
    policy.require(user, Action.EVENT_REGISTER, org)
    return org


def mine(db, user, event: Event, org_id: int | None) -> Participant:
    org = acting_org(db, user, org_id)
    p = service.registration_of(db, event.id, org.id)
    if p is None:
        raise NotFound("registration", "报名记录", org.id)
    return p


@router.get("", response_model=list[EventRead], summary="events (drafts: the organiser's only)")
def list_events(user: CurrentUser, db: DbSession):
    return [service.read_model(e) for e in service.listing(db, user)]


@router.post("", response_model=EventRead, status_code=201, summary="set up an event")
def create_event(body: EventCreate, user: CurrentUser, db: DbSession):
    org_id = body.org_id or user.org_id
    policy.require(user, Action.EVENT_MANAGE, org_id)
    return service.read_model(service.create(db, body, org_id, user.id))


@router.get("/{event_id}", response_model=EventRead)
def read_event(event_id: Id, user: CurrentUser, db: DbSession):
    return service.read_model(service.readable(db, user, event_id))


@router.patch("/{event_id}", response_model=EventRead, summary="change the setup (until scheduled)")
def update_event(event_id: Id, body: EventPatch, user: CurrentUser, db: DbSession):
    """Only the fields sent change; the setup they make is checked as a whole."""
    event = managed(db, user, event_id)
    return service.read_model(service.update(db, event, service.patched(event, body.model_dump(exclude_unset=True))))


@router.post("/{event_id}/status", response_model=EventRead, summary="open registration, booking … close")
def change_status(event_id: Id, body: EventStatusChange, user: CurrentUser, db: DbSession):
    return service.read_model(service.change_status(db, managed(db, user, event_id), body.status))


@router.get("/{event_id}/participants", response_model=list[ParticipantRead],
            summary="registrations, with incomplete profiles and credit warnings flagged")
def list_participants(event_id: Id, user: CurrentUser, db: DbSession):
    event = managed(db, user, event_id)
    return service.participant_reads(db, user, event, service.participants(db, event.id))


@router.post("/{event_id}/registrations", response_model=ParticipantRead, status_code=201,
             summary="register an organisation (supply side, demand side or both)")
def register(event_id: Id, body: RegistrationCreate, user: CurrentUser, db: DbSession):
    event = service.readable(db, user, event_id)
    org = acting_org(db, user, body.org_id)
    p = service.register(db, event, body, org.id, user.id, service.registration_of(db, event.id, org.id))
    return service.participant_reads(db, user, event, [p])[0]


@router.post("/{event_id}/participants/{participant_id}/decision", response_model=ParticipantRead,
             summary="approve, reject or cancel a registration")
def decide(event_id: Id, participant_id: Id, body: RegistrationDecision, user: CurrentUser, db: DbSession):
    event = managed(db, user, event_id)
    p = service.decide(db, service.participant(db, event, participant_id), body.status)
    return service.participant_reads(db, user, event, [p])[0]


@router.post("/{event_id}/participants/{participant_id}/check-in", response_model=ParticipantRead)
def check_in(event_id: Id, participant_id: Id, user: CurrentUser, db: DbSession, undo: bool = False):
    event = managed(db, user, event_id)
    p = service.check_in(db, event, service.participant(db, event, participant_id), undo)
    return service.participant_reads(db, user, event, [p])[0]


@router.post("/{event_id}/prematch", response_model=list[PairRead], summary="propose pairs from semantic matches")
def prematch(event_id: Id, request: Request, user: CurrentUser, db: DbSession):
    event = managed(db, user, event_id)
    return [pairs.read_model(db, p) for p in flows.prematch(db, request.app.state.matcher, event)]


@router.get("/{event_id}/pairs", response_model=list[PairRead], summary="every candidate pair with its explanation")
def list_pairs(event_id: Id, user: CurrentUser, db: DbSession):
    event = managed(db, user, event_id)
    return [pairs.read_model(db, p) for p in pairs.pairs(db, event.id)]


@router.post("/{event_id}/pairs", response_model=PairRead, status_code=201, summary="add or force a pair")
def add_pair(event_id: Id, body: PairCreate, user: CurrentUser, db: DbSession):
    event = managed(db, user, event_id)
    a, b = service.participant(db, event, body.a_id), service.participant(db, event, body.b_id)
    return pairs.read_model(db, pairs.add(db, event, a, b, body.forced))


@router.patch("/{event_id}/pairs/{pair_id}", response_model=PairRead, summary="remove, force or restore a pair")
def change_pair(event_id: Id, pair_id: Id, body: PairChange, user: CurrentUser, db: DbSession):
    event = managed(db, user, event_id)
    return pairs.read_model(db, pairs.set_status(db, event, pairs.get(db, event, pair_id), body.status))


@router.get("/{event_id}/me", summary="my registration, proposals, requests, quotas and schedule")
def my_event(event_id: Id, user: CurrentUser, db: DbSession, org_id: Id | None = None):
    event = service.readable(db, user, event_id)
    p = mine(db, user, event, org_id)
    return {"participant": service.participant_reads(db, user, event, [p])[0],
            "quotas": pairs.quotas(db, event, p),
            "pairs": [pairs.read_model(db, x) for x in pairs.pairs(db, event.id, p.id)],
            "meetings": meetings.read_models(db, event, meetings.meetings(db, event.id, p.id))}


@router.post("/{event_id}/requests", response_model=PairRead, status_code=201, summary="request a meeting")
def request_meeting(event_id: Id, body: MeetingRequest, user: CurrentUser, db: DbSession, org_id: Id | None = None):
    event = service.readable(db, user, event_id)
    me = mine(db, user, event, org_id)
    other = service.participant(db, event, body.to_participant_id)
    return pairs.read_model(db, pairs.request(db, event, me, other, body.message))


@router.post("/{event_id}/pairs/{pair_id}/answer", response_model=PairRead, summary="accept or decline a request")
def answer(event_id: Id, pair_id: Id, body: PairAnswer, user: CurrentUser, db: DbSession, org_id: Id | None = None):
    event = service.readable(db, user, event_id)
    me = mine(db, user, event, org_id)
    return pairs.read_model(db, pairs.answer(db, event, me, pairs.get(db, event, pair_id), body.accept))


@router.get("/{event_id}/unbooked", response_model=list[ParticipantRead],
            summary="participants without an accepted meeting")
def unbooked(event_id: Id, user: CurrentUser, db: DbSession):
    event = managed(db, user, event_id)
    return service.participant_reads(db, user, event, pairs.unbooked(db, event))


@router.post("/{event_id}/reminders", summary="e-mail the participants without an accepted meeting")
def remind(event_id: Id, user: CurrentUser, db: DbSession):
    event = managed(db, user, event_id)
    people, reached = flows.remind_unbooked(db, event)
    return {"unbooked": len(people), "emailed": len(reached)}


@router.get("/{event_id}/instance", summary="the optimiser instance (INSTANCE.json of the schedule command)")
def instance(event_id: Id, user: CurrentUser, db: DbSession):
    return scheduling.instance_json(scheduling.build(db, managed(db, user, event_id)))


@router.post("/{event_id}/schedule", response_model=ScheduleRead,
             summary="solve the schedule (CP-SAT); 409 naming the participant when forced pairs cannot all be placed")
def make_schedule(event_id: Id, body: ScheduleRequest, user: CurrentUser, db: DbSession):
    event = managed(db, user, event_id)
    result, items = flows.make_schedule(db, event, body.time_limit, body.keep_notified)
    return ScheduleRead(status=result.status, total_value=result.total_value, unmet=result.unmet,
                        explanation=result.explanation_zh or result.explanation,
                        meetings=meetings.read_models(db, event, items))


@router.get("/{event_id}/meetings", response_model=list[MeetingRead], summary="the schedule")
def list_meetings(event_id: Id, user: CurrentUser, db: DbSession):
    event = managed(db, user, event_id)
    return meetings.read_models(db, event, meetings.meetings(db, event.id))


@router.post("/{event_id}/meetings/{meeting_id}/outcome", response_model=MeetingRead,
             summary="record a meeting's outcome (an agreement opens a draft deal)")
def record_outcome(event_id: Id, meeting_id: Id, body: OutcomeRecord, user: CurrentUser, db: DbSession):
    event = managed(db, user, event_id)
    m = flows.record_outcome(db, event, meetings.get(db, event, meeting_id), body, user.id)
    return meetings.read_models(db, event, [m])[0]


@router.get("/{event_id}/report", summary="the event report")
def event_report(event_id: Id, user: CurrentUser, db: DbSession):
    return report.build(db, managed(db, user, event_id))


@router.get("/{event_id}/report.xlsx", summary="the event report as Excel", response_class=Response)
def event_report_xlsx(event_id: Id, user: CurrentUser, db: DbSession):
    event = managed(db, user, event_id)
    return Response(report.excel(db, event), media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="event-{event.id}-report.xlsx"'})
