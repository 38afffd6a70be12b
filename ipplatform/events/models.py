"""Matchmaking events: the event, its registrations (participants), candidate pairs and scheduled meetings."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ipplatform.database import Base, TimestampMixin, UTCDateTime, str_enum
from ipplatform.events.enums import EventStatus, Outcome, PairSource, PairStatus, RegistrationStatus, Side
from ipplatform.organisations.models import Organisation


class Event(TimestampMixin, Base):
    """A supply–demand matchmaking event (供需对接活动) run by an organiser's organisation."""

    __tablename__ = "event"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)  # the organiser's
    title: Mapped[str] = mapped_column(String(200))
    theme: Mapped[str | None] = mapped_column(Text)
    industries: Mapped[list[str]] = mapped_column(JSON, default=list)  # GB/T 4754 codes
    ipc: Mapped[list[str]] = mapped_column(JSON, default=list)  # IPC subclasses, e.g. A23F
    venue: Mapped[str] = mapped_column(String(300))
    day: Mapped[date] = mapped_column(Date, index=True)
    slot_minutes: Mapped[int] = mapped_column(Integer, default=20)
    sessions: Mapped[list[dict]] = mapped_column(JSON, default=list)  # [{"start": "09:00", "slots": 6}, …]
    tables: Mapped[int] = mapped_column(Integer, default=10)
    registration_deadline: Mapped[date | None] = mapped_column(Date)
    booking_opens: Mapped[date | None] = mapped_column(Date)
    booking_closes: Mapped[date | None] = mapped_column(Date)
    max_meetings: Mapped[int] = mapped_column(Integer, default=6)  # default cap per participant
    max_requests: Mapped[int] = mapped_column(Integer, default=10)  # meeting requests a participant may send
    requires_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[EventStatus] = mapped_column(str_enum(EventStatus), default=EventStatus.DRAFT, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)

    organiser: Mapped[Organisation] = relationship(lazy="joined")


class Participant(TimestampMixin, Base):
    """An organisation registered for an event: its side, the offers/demands it brings, who attends, when."""

    __tablename__ = "event_participant"
    __table_args__ = (UniqueConstraint("event_id", "org_id"),)
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    side: Mapped[Side] = mapped_column(str_enum(Side))
    offer_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    demand_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    attendees: Mapped[list[dict]] = mapped_column(JSON, default=list)  # [{"name": …, "position": …}]
    available: Mapped[list[str] | None] = mapped_column(JSON)  # slot ids; None: every slot
    max_meetings: Mapped[int | None] = mapped_column(Integer)  # None: the event's cap
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[RegistrationStatus] = mapped_column(str_enum(RegistrationStatus),
                                                      default=RegistrationStatus.APPROVED)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    organisation: Mapped[Organisation] = relationship(lazy="joined")


class EventPair(TimestampMixin, Base):
    """A candidate meeting between a supply participant (``a``) and a demand participant (``b``)."""

    __tablename__ = "event_pair"
    __table_args__ = (UniqueConstraint("event_id", "a_id", "b_id"),)
    __audited__ = True
    __audit_exclude__ = {"explanation", "score"}

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    a_id: Mapped[int] = mapped_column(ForeignKey("event_participant.id", ondelete="CASCADE"), index=True)
    b_id: Mapped[int] = mapped_column(ForeignKey("event_participant.id", ondelete="CASCADE"), index=True)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("offer.id", ondelete="SET NULL"))
    demand_id: Mapped[int | None] = mapped_column(ForeignKey("demand.id", ondelete="SET NULL"))
    match_id: Mapped[int | None] = mapped_column(ForeignKey("match.id", ondelete="SET NULL"))
    explanation: Mapped[dict] = mapped_column(JSON, default=dict)
    source: Mapped[PairSource] = mapped_column(str_enum(PairSource), default=PairSource.MATCHER)
    status: Mapped[PairStatus] = mapped_column(str_enum(PairStatus), default=PairStatus.PROPOSED, index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("event_participant.id", ondelete="SET NULL"))
    message: Mapped[str | None] = mapped_column(String(500))
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    a: Mapped[Participant] = relationship(foreign_keys=[a_id], lazy="joined")
    b: Mapped[Participant] = relationship(foreign_keys=[b_id], lazy="joined")


class Meeting(TimestampMixin, Base):
    """A scheduled 1:1 meeting: which pair, which slot, which table, and how it went."""

    __tablename__ = "event_meeting"
    __table_args__ = (UniqueConstraint("event_id", "slot", "table_no"),)
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("event_pair.id", ondelete="CASCADE"), unique=True)
    slot: Mapped[str] = mapped_column(String(16))
    table_no: Mapped[int] = mapped_column(Integer)
    notified: Mapped[bool] = mapped_column(Boolean, default=False)
    outcome: Mapped[Outcome] = mapped_column(str_enum(Outcome), default=Outcome.PENDING, index=True)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))  # an agreement's amount (yuan)
    note: Mapped[str | None] = mapped_column(Text)
    outcome_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    pair: Mapped[EventPair] = relationship(lazy="joined")
    event: Mapped[Event] = relationship(lazy="select")
