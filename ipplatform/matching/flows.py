"""Match work that spans domains: agreeing a match opens the draft deal the parties then complete.

Routers and pages call these; services never do (they only import downward).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from ipplatform.matching import service as matching_service
from ipplatform.matching.enums import MatchStatus
from ipplatform.matching.models import Match
from ipplatform.outcomes import service as outcomes_service


def change_match_status(db: Session, match: Match, target: MatchStatus, user_id: int | None) -> Match:
    """Move ``match`` to ``target`` (forward only while its offer and demand are published; declining always
    works); on agreement, create its draft deal (unless it has one)."""
    if target != MatchStatus.DECLINED:
        matching_service.require_live(match)
    matching_service.change_status(db, match, target, user_id)
    if target == MatchStatus.AGREED:
        outcomes_service.draft_from_match(db, match, user_id)
    return match
