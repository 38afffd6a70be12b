from __future__ import annotations

from datetime import datetime

from pydantic import Field

from ipplatform.common.schemas import AppSchema, InputSchema
from ipplatform.matching.enums import CooperationIntent, MatchSource, MatchStatus
from ipplatform.common.validators import CleanText


class MatchRead(AppSchema):
    id: int
    demand_id: int
    offer_id: int
    demand_title: str
    offer_title: str
    demand_org: str
    offer_org: str
    score: float
    fit: int | None = Field(None, description="匹配度 0–100 (80 and above: strong match); None for manual matches")
    rank: int
    strong: bool
    source: MatchSource
    status: MatchStatus
    status_zh: str
    suggested_at: datetime
    viewed_at: datetime | None
    contacted_at: datetime | None
    negotiating_at: datetime | None
    agreed_at: datetime | None
    declined_at: datetime | None
    explanation: dict


class MatchList(AppSchema):
    demand_id: int | None = None
    offer_id: int | None = None
    strong_match: bool
    message_zh: str
    items: list[MatchRead]


class StatusChange(InputSchema):
    status: MatchStatus


class FeedbackCreate(InputSchema):
    prospect_rating: int | None = Field(None, ge=1, le=5, description="industrialisation prospects, 1–5")
    improvement_needs: CleanText | None = Field(None, max_length=2000)
    intent: CooperationIntent


class FeedbackRead(AppSchema):
    id: int
    match_id: int
    user_id: int
    prospect_rating: int | None
    improvement_needs: str | None
    intent: CooperationIntent
    created_at: datetime
