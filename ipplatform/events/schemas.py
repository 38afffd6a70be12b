from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

from typing import Optional

from pydantic import Field, create_model, field_validator, model_validator

from ipplatform.common.schemas import AppSchema, InputSchema
from ipplatform.common.timefmt import beijing_today
from ipplatform.common.validators import Amount, CleanText, Id, IndustryCode, cross_field_error
from ipplatform.events.enums import EventStatus, Outcome, PairStatus, RegistrationStatus, Side

_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
MAX_SESSIONS = 6  # sessions (场次) per event day


class SessionSpec(InputSchema):
    start: str = Field(description="HH:MM")
    slots: int = Field(ge=1, le=24)

    @field_validator("start")
    @classmethod
    def _time(cls, value: str) -> str:
        if not _TIME.match(value):
            raise cross_field_error("start", "time_format", "start must be HH:MM", "开始时间应为“时:分”，例如 09:00")
        return value


class EventFields(InputSchema):
    title: CleanText = Field(min_length=4, max_length=200)
    theme: CleanText | None = Field(None, max_length=2000)
    industries: list[IndustryCode] = Field(default_factory=list, max_length=20)
    ipc: list[str] = Field(default_factory=list, max_length=20)
    venue: CleanText = Field(min_length=2, max_length=300)
    day: date
    slot_minutes: int = Field(20, ge=5, le=120)
    sessions: list[SessionSpec] = Field(min_length=1, max_length=MAX_SESSIONS)
    tables: int = Field(10, ge=1, le=500)
    registration_deadline: date | None = None
    booking_opens: date | None = None
    booking_closes: date | None = None
    max_meetings: int = Field(6, ge=1, le=24)
    max_requests: int = Field(10, ge=0, le=100)
    requires_approval: bool = False

    @field_validator("ipc")
    @classmethod
    def _ipc(cls, value: list[str]) -> list[str]:
        out = []
        for code in value:
            code = code.strip().upper()
            if not re.match(r"^[A-H](\d{2}([A-Z])?)?$", code):
                raise cross_field_error("ipc", "ipc_format", f"{code} is not an IPC class or subclass",
                                        f"{code} 不是 IPC 大类或小类（如 A23F）")
            out.append(code)
        return out

    @model_validator(mode="after")
    def _dates(self):
        if self.registration_deadline and self.registration_deadline > self.day:
            raise cross_field_error("registration_deadline", "date_order", "registration closes after the event",
                                    "报名截止日期晚于活动日期")
        if self.booking_opens and self.booking_closes and self.booking_opens > self.booking_closes:
            raise cross_field_error("booking_closes", "date_order", "booking closes before it opens",
                                    "预约截止早于预约开始")
        if self.booking_closes and self.booking_closes > self.day:
            raise cross_field_error("booking_closes", "date_order", "booking closes after the event",
                                    "预约截止日期晚于活动日期")
        starts = sorted(s.start for s in self.sessions)
        if len(set(starts)) != len(starts):
            raise cross_field_error("sessions", "duplicate", "two sessions start at the same time", "两个场次开始时间相同")
        self._sessions_apart()
        return self

    def _sessions_apart(self) -> None:
        """Each session (numbered as entered) ends the same day and before the next one starts."""
        spans = []
        for number, session in enumerate(self.sessions, 1):
            hours, minutes = map(int, session.start.split(":"))
            start = hours * 60 + minutes
            spans.append((start, start + session.slots * self.slot_minutes, number))
        clock = lambda m: f"{m // 60:02d}:{m % 60:02d}"  # noqa: E731
        for start, end, number in spans:
            if end > 24 * 60:
                raise cross_field_error("sessions", "session_overnight", f"session {number} runs past midnight",
                                        f"第 {number} 场（{clock(start)} 起 {end - start} 分钟）超过当天 24:00")
        spans.sort()
        for (start, end, number), (later, later_end, other) in zip(spans, spans[1:]):
            if later < end:
                raise cross_field_error(
                    "sessions", "session_overlap", f"sessions {number} and {other} overlap",
                    f"第 {other} 场（{clock(later)}–{clock(later_end)}）与第 {number} 场（{clock(start)}–{clock(end)}）时间重叠")


# PATCH /api/events/{id}: any of the setup's fields; the merged setup is validated as a whole (EventFields).
EventPatch = create_model("EventPatch", __base__=InputSchema, __doc__="Fields of the setup to change; others stay.",
                          **{name: (Optional[spec.annotation], None)  # noqa: UP007 - a runtime type expression
                             for name, spec in EventFields.model_fields.items()})


class EventCreate(EventFields):
    org_id: Id | None = None  # the organiser's organisation (default: the caller's)

    @model_validator(mode="after")
    def _not_past(self):
        if self.day < beijing_today():
            raise cross_field_error("day", "date_past", "the event day has passed", "活动日期已过，请选择今天或以后的日期")
        return self


class EventStatusChange(InputSchema):
    status: EventStatus


class SlotRead(AppSchema):
    id: str
    start: str
    end: str
    session: int


class EventRead(AppSchema):
    id: int
    org_id: int
    organiser: str
    title: str
    theme: str | None
    industries: list[str]
    ipc: list[str]
    venue: str
    day: date
    slot_minutes: int
    sessions: list[dict]
    slots: list[SlotRead]
    tables: int
    registration_deadline: date | None
    booking_opens: date | None
    booking_closes: date | None
    max_meetings: int
    max_requests: int
    requires_approval: bool
    status: EventStatus
    status_zh: str


class Attendee(InputSchema):
    name: CleanText = Field(min_length=1, max_length=50)
    position: CleanText | None = Field(None, max_length=50)


class RegistrationCreate(InputSchema):
    org_id: Id | None = None  # default: the caller's organisation
    side: Side
    offer_ids: list[Id] = Field(default_factory=list, max_length=50)
    demand_ids: list[Id] = Field(default_factory=list, max_length=50)
    attendees: list[Attendee] = Field(default_factory=list, max_length=10)
    available: list[str] | None = Field(None, max_length=200)
    max_meetings: int | None = Field(None, ge=1, le=24)
    note: CleanText | None = Field(None, max_length=1000)


class RegistrationDecision(InputSchema):
    status: RegistrationStatus


class ParticipantRead(AppSchema):
    id: int
    event_id: int
    org_id: int
    org_name: str
    side: Side
    side_zh: str
    offer_ids: list[int]
    demand_ids: list[int]
    attendees: list[dict]
    available: list[str] | None
    max_meetings: int
    status: RegistrationStatus
    status_zh: str
    checked_in_at: datetime | None
    incomplete: list[str]  # what the organiser should chase (Chinese)
    credit_warning: bool


class MeetingRequest(InputSchema):
    to_participant_id: Id
    message: CleanText | None = Field(None, max_length=500)


class PairAnswer(InputSchema):
    accept: bool


class PairCreate(InputSchema):
    a_id: Id
    b_id: Id
    forced: bool = False


class PairChange(InputSchema):
    status: PairStatus


class PairRead(AppSchema):
    id: int
    a_id: int
    b_id: int
    a_name: str
    b_name: str
    score: float
    status: PairStatus
    status_zh: str
    source: str
    offer_id: int | None
    demand_id: int | None
    offer_title: str | None
    demand_title: str | None
    message: str | None
    requested_by_id: int | None
    explanation: dict


class ScheduleRequest(InputSchema):
    time_limit: float = Field(10.0, gt=0, le=60)
    keep_notified: bool = True


class MeetingRead(AppSchema):
    id: int
    pair_id: int
    slot: str
    slot_label: str
    table_no: int
    a_name: str
    b_name: str
    outcome: Outcome
    outcome_zh: str
    amount: Decimal | None
    deal_id: int | None


class ScheduleRead(AppSchema):
    status: str
    total_value: float
    meetings: list[MeetingRead]
    unmet: list[str]
    explanation: str


class OutcomeRecord(InputSchema):
    outcome: Outcome
    amount: Amount | None = None
    note: CleanText | None = Field(None, max_length=2000)

    @model_validator(mode="after")
    def _amount(self):
        if self.outcome == Outcome.AGREEMENT and self.amount is None:
            raise cross_field_error("amount", "required", "an agreement needs its amount", "签约须填写金额")
        if self.outcome != Outcome.AGREEMENT and self.amount is not None:
            raise cross_field_error("amount", "not_allowed", "only an agreement has an amount", "只有签约才填写金额")
        return self
