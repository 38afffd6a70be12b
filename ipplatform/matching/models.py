from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ipplatform.database import Base, TimestampMixin, UTCDateTime, str_enum, utcnow
from ipplatform.demands.models import Demand
from ipplatform.matching.enums import CooperationIntent, MatchSource, MatchStatus
from ipplatform.offers.models import Offer


FIT_STRONG = 80  # the 匹配度 from which a match is strong (``Match.fit``)


class Match(TimestampMixin, Base):
    """A demand–offer pair the matcher (or a person) proposed, with its evidence and lifecycle."""

    __tablename__ = "match"
    __table_args__ = (UniqueConstraint("demand_id", "offer_id"), Index("ix_match_contacted", "contacted_at"),
                      Index("ix_match_agreed", "agreed_at"), Index("ix_match_suggested", "suggested_at"))
    __audited__ = True
    __audit_exclude__ = {"features", "explanation", "score", "rank", "strong"}

    id: Mapped[int] = mapped_column(primary_key=True)
    demand_id: Mapped[int] = mapped_column(ForeignKey("demand.id", ondelete="CASCADE"), index=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offer.id", ondelete="CASCADE"), index=True)
    score: Mapped[float] = mapped_column(Float)
    rank: Mapped[int] = mapped_column(Integer)
    strong: Mapped[bool] = mapped_column(Boolean, default=False)
    features: Mapped[dict] = mapped_column(JSON, default=dict)
    explanation: Mapped[dict] = mapped_column(JSON, default=dict)
    source: Mapped[MatchSource] = mapped_column(str_enum(MatchSource), default=MatchSource.AUTOMATIC)
    status: Mapped[MatchStatus] = mapped_column(str_enum(MatchStatus), default=MatchStatus.SUGGESTED, index=True)
    suggested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    viewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    contacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    negotiating_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    scored_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    notified: Mapped[bool] = mapped_column(Boolean, default=False)

    demand: Mapped[Demand] = relationship(lazy="joined")
    offer: Mapped[Offer] = relationship(lazy="joined")

    @property
    def fit(self) -> int | None:
        """匹配度 on a 0–100 scale for people: the matcher's absolute confidence (embedding cosine plus half
        the share of the demand's words the offer contains) × 100, capped at 100, and kept on the side of the
        strong-match verdict: 80 and above is exactly “高度匹配”. None when the match carries no confidence
        (a manual match). The ranking score itself is relative to the other candidates and has no scale."""
        confidence = (self.explanation or {}).get("confidence")
        if confidence is None:
            return None
        value = max(0, min(100, round(float(confidence) * 100)))
        return max(FIT_STRONG, value) if self.strong else min(FIT_STRONG - 1, value)


class MatchFeedback(Base):
    """An enterprise's verdict on a pushed patent: prospects, what it would need, how it wants to proceed."""

    __tablename__ = "match_feedback"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("match.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    prospect_rating: Mapped[int | None] = mapped_column(Integer)
    improvement_needs: Mapped[str | None] = mapped_column(Text)
    intent: Mapped[CooperationIntent] = mapped_column(str_enum(CooperationIntent))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ipc_subclasses: Mapped[list[str]] = mapped_column(JSON, default=list)  # of the offer, for learning
    note: Mapped[str | None] = mapped_column(String(200))
