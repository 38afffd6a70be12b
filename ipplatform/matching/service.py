"""Match records: run the matcher for a demand (or an offer), keep status and feedback across re-runs,
move matches through their lifecycle, learn the organisation's preferences from feedback."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from ipplatform.common.enums import ListingStatus
from ipplatform.common.errors import Conflict, get_or_404
from ipplatform.common.schemas import PageParams
from ipplatform.database import utcnow
from ipplatform.demands.models import Demand
from ipplatform.matching.matcher import Matcher
from ipplatform.matching.enums import INTENT_WEIGHT, STATUS_ORDER, CooperationIntent, MatchSource, MatchStatus
from ipplatform.matching.features import ipc_subclasses, offer_ipc_subclasses
from ipplatform.matching.models import Match, MatchFeedback
from ipplatform.matching.schemas import FeedbackCreate, MatchRead
from ipplatform.offers.models import Offer, offer_patent
from ipplatform.patents.models import Patent
from ipplatform.search.documents import DocType
from ipplatform.search.query import SearchFilters
from ipplatform.search.service import source_query

log = logging.getLogger(__name__)
TOP_MATCHES = 20


def preferences(db: Session, org_id: int | None) -> dict[str, float]:
    """IPC subclass → −1 … 1 from the organisation's feedback and declined matches (latest count most)."""
    if org_id is None:
        return {}
    votes: dict[str, list[float]] = defaultdict(list)
    for fb in db.scalars(select(MatchFeedback).where(MatchFeedback.org_id == org_id).order_by(MatchFeedback.id)):
        value = INTENT_WEIGHT[fb.intent]
        if fb.prospect_rating:
            value = (value + (fb.prospect_rating - 3) / 2) / 2
        for ipc in fb.ipc_subclasses:
            votes[ipc].append(value)
    declined: dict[int, list[str]] = {}  # offer id → IPC codes of its patents (one vote per declined offer)
    for offer_id, ipc_codes in db.execute(
            select(offer_patent.c.offer_id, Patent.ipc_codes).join(Patent, Patent.id == offer_patent.c.patent_id)
            .join(Match, Match.offer_id == offer_patent.c.offer_id).join(Demand, Demand.id == Match.demand_id)
            .where(Demand.org_id == org_id, Match.status == MatchStatus.DECLINED)):
        declined.setdefault(offer_id, []).extend(ipc_codes or ())
    for codes in declined.values():
        for ipc in ipc_subclasses(codes):
            votes[ipc].append(-1.0)
    return {ipc: max(-1.0, min(1.0, sum(v) / len(v))) for ipc, v in votes.items()}


def _store(db: Session, demand_id: int, offer_id: int, rank: int, score: float, feats: dict, explanation: dict,
           strong: bool, existing: dict[tuple[int, int], Match]) -> Match:
    match = existing.get((demand_id, offer_id))
    if match is None:
        match = Match(demand_id=demand_id, offer_id=offer_id, source=MatchSource.AUTOMATIC,
                      status=MatchStatus.SUGGESTED, suggested_at=utcnow())
        db.add(match)
    match.rank, match.score, match.strong = rank, round(score, 6), strong
    match.features = {k: round(v, 6) for k, v in feats.items()}
    match.explanation = explanation
    match.scored_at = utcnow()
    return match


@dataclass
class Ranking:
    """A demand's ranked offers with evidence, computed without writing (so it can run in parallel)."""

    demand_id: int
    # offer id, score, features, explanation, strong; None when the demand is not published (not ranked)
    rows: list[tuple[int, float, dict, dict, bool]] | None


def rank_demand(db: Session, matcher: Matcher, demand: Demand, top: int = TOP_MATCHES) -> Ranking:
    if demand.status != ListingStatus.PUBLISHED:
        return Ranking(demand.id, None)
    matcher.ensure_affinity(db)
    ctx = matcher.context_for_demand(db, demand, preferences(db, demand.org_id))
    ranked = matcher.rank(ctx, matcher.candidates(db, ctx))[:top]
    return Ranking(demand.id, [(r.candidate.id, r.score, r.features, matcher.explain(ctx, r),
                                matcher.ranker.strong(r.features)) for r in ranked])


def store_ranking(db: Session, ranking: Ranking) -> list[Match]:
    """Write a ranking: status, timestamps and feedback of existing matches are kept; untouched
    automatic suggestions that fell out of the top are removed. Returns the demand's matches as
    ``for_demand`` does; an unranked (unpublished) demand's are left as they are."""
    if ranking.rows is None:
        return for_demand(db, ranking.demand_id)
    existing = {(m.demand_id, m.offer_id): m for m in db.scalars(select(Match).where(
        Match.demand_id == ranking.demand_id))}
    kept = {}
    for rank, (offer_id, score, feats, explanation, strong) in enumerate(ranking.rows, start=1):
        kept[offer_id] = _store(db, ranking.demand_id, offer_id, rank, score, feats, explanation, strong, existing)
    for (_d, o_id), m in existing.items():
        if o_id in kept:
            continue
        if m.status == MatchStatus.SUGGESTED and m.source == MatchSource.AUTOMATIC:
            db.delete(m)
        else:  # status or origin worth keeping, though out of the top now
            kept[o_id] = m
    db.flush()
    return sorted(kept.values(), key=lambda m: (m.rank, m.id))


def match_demand(db: Session, matcher: Matcher, demand: Demand, top: int = TOP_MATCHES) -> list[Match]:
    """(Re)compute and store a demand's matches (an unpublished demand's are returned unchanged)."""
    return store_ranking(db, rank_demand(db, matcher, demand, top))


def demands_for_offer(db: Session, matcher: Matcher, offer: Offer, top: int = TOP_MATCHES) -> list[Demand]:
    """The published demands of other organisations an offer may answer (read only)."""
    if offer.status != ListingStatus.PUBLISHED:
        return []
    tokens, vector = source_query(db, DocType.OFFER, offer, embedder=matcher.embedder)  # as search's similar_to
    got = matcher.backend.retrieve(DocType.DEMAND, tokens=tokens, vector=vector, filters=SearchFilters(),
                                   window=top, facets=False)
    ids = {i for i, _ in (got.keyword.hits if got.keyword else [])} | {i for i, _ in (got.semantic.hits if got.semantic else [])}
    return [d for d in db.scalars(select(Demand).where(Demand.id.in_(ids)).order_by(Demand.id)).unique()
            if d.org_id != offer.owner_org_id and d.status == ListingStatus.PUBLISHED]


def match_offer(db: Session, matcher: Matcher, offer: Offer, top: int = TOP_MATCHES) -> list[Demand]:
    """Find the published demands an offer answers and (re)score those pairs from the demand's side."""
    rescored = demands_for_offer(db, matcher, offer, top)
    for demand in rescored:
        match_demand(db, matcher, demand)
    return rescored


# A match is live while its offer and its demand are both published; once either is withdrawn, closed or
# expired it can no longer be advanced or rated, leaves the 进行中 inbox, and lists show it only if the two
# sides had got in touch (its history: contacted, negotiating, agreed).
PROGRESSED = (MatchStatus.CONTACTED, MatchStatus.NEGOTIATING, MatchStatus.AGREED)


def live():
    """SQL: the match's offer and demand are both published."""
    return and_(Match.offer_id.in_(select(Offer.id).where(Offer.status == ListingStatus.PUBLISHED)),
                Match.demand_id.in_(select(Demand.id).where(Demand.status == ListingStatus.PUBLISHED)))


def shown():
    """SQL: the matches a listing's page and the API list: live ones and those that had progressed."""
    return or_(live(), Match.status.in_(PROGRESSED))


def closed_notice(match: Match) -> tuple[str, str] | None:
    """Why nothing more can happen on the match (English, Chinese): its offer or demand is no longer
    published; None while it is live."""
    for kind, kind_zh, listing in (("offer", "专利供给", match.offer), ("demand", "技术需求", match.demand)):
        if listing.status != ListingStatus.PUBLISHED:
            status = ListingStatus(listing.status)
            return (f"the {kind} is {status.value}: the match cannot be advanced or rated",
                    f"{kind_zh}“{listing.title}”当前为“{status.zh}”，该匹配不能再推进或评价")
    return None


def require_live(match: Match) -> None:
    """409 when the match's offer or demand is no longer published (nothing more can happen on it)."""
    notice = closed_notice(match)
    if notice is not None:
        raise Conflict(*notice, code="listing_closed")


def for_demand(db: Session, demand_id: int) -> list[Match]:
    return list(db.scalars(select(Match).where(Match.demand_id == demand_id, shown()).order_by(Match.rank)).unique())


def for_offer(db: Session, offer_id: int) -> list[Match]:
    return list(db.scalars(select(Match).where(Match.offer_id == offer_id, shown())
                           .order_by(Match.score.desc())).unique())


def offer_matches_stmt(offer_id: int):
    return select(Match).where(Match.offer_id == offer_id, shown())


def get(db: Session, match_id: int) -> Match:
    return get_or_404(db, Match, match_id, "match", "匹配记录")


def change_status(db: Session, match: Match, target: MatchStatus, user_id: int | None) -> Match:
    """Move a match along its lifecycle (agreeing one also opens its draft deal: use
    ``matching.flows.change_match_status`` for that)."""
    current = MatchStatus(match.status)
    if current in (MatchStatus.AGREED, MatchStatus.DECLINED) or (
            target != MatchStatus.DECLINED and STATUS_ORDER.index(target) <= STATUS_ORDER.index(current)):
        raise Conflict(f"cannot move a match from {current.value} to {target.value}",
                       f"匹配状态不能从“{current.zh}”变为“{target.zh}”", code="invalid_transition")
    now = utcnow()
    if target != MatchStatus.DECLINED:  # reaching a step also stamps the steps skipped on the way
        for step in STATUS_ORDER[STATUS_ORDER.index(current) + 1: STATUS_ORDER.index(target) + 1]:
            if getattr(match, f"{step.value}_at") is None:
                setattr(match, f"{step.value}_at", now)
    else:
        match.declined_at = now
    match.status = target
    match.status_by_user_id = user_id
    db.flush()
    return match


# What the demanding side's stated intent says about where the talks are (never moves a match backwards).
INTENT_STATUS = {CooperationIntent.LEARN_MORE: MatchStatus.VIEWED, CooperationIntent.NEGOTIATE: MatchStatus.NEGOTIATING,
                 CooperationIntent.LICENSE: MatchStatus.NEGOTIATING, CooperationIntent.BUY: MatchStatus.NEGOTIATING,
                 CooperationIntent.NONE: MatchStatus.DECLINED}


def next_statuses(match: Match) -> list[MatchStatus]:
    """The statuses a match may move to from where it is: any later step, or declined (none once final; only
    declined once its offer or demand is no longer published)."""
    current = MatchStatus(match.status)
    if current in (MatchStatus.AGREED, MatchStatus.DECLINED):
        return []
    if closed_notice(match) is not None:  # its offer or demand is gone: it can only be closed as 未成
        return [MatchStatus.DECLINED]
    return [*STATUS_ORDER[STATUS_ORDER.index(current) + 1:], MatchStatus.DECLINED]


def add_feedback(db: Session, match: Match, data: FeedbackCreate, user) -> MatchFeedback:
    """Store the demanding side's verdict and move the match to what it says (洽谈合作 → 洽谈中, 暂无意向 →
    已拒绝), forward only: a match already further on, or agreed or declined, keeps its status."""
    require_live(match)
    offer = match.offer
    fb = MatchFeedback(match_id=match.id, user_id=user.id, org_id=user.org_id, prospect_rating=data.prospect_rating,
                       improvement_needs=data.improvement_needs, intent=data.intent,
                       ipc_subclasses=offer_ipc_subclasses(offer))
    db.add(fb)
    if match.status == MatchStatus.SUGGESTED:
        change_status(db, match, MatchStatus.VIEWED, user.id)
    target = INTENT_STATUS[CooperationIntent(data.intent)]
    if target in next_statuses(match):
        change_status(db, match, target, user.id)
    db.flush()
    return fb


def feedback_of(db: Session, match_id: int) -> list[MatchFeedback]:
    """A match's feedback, latest first."""
    return list(db.scalars(select(MatchFeedback).where(MatchFeedback.match_id == match_id)
                           .order_by(MatchFeedback.id.desc())))


def read_model(match: Match) -> MatchRead:
    return MatchRead(id=match.id, demand_id=match.demand_id, offer_id=match.offer_id, demand_title=match.demand.title,
                     offer_title=match.offer.title, demand_org=match.demand.organisation.name,
                     offer_org=match.offer.owner.name, score=match.score, fit=match.fit, rank=match.rank, strong=match.strong,
                     source=match.source, status=match.status, status_zh=MatchStatus(match.status).zh,
                     suggested_at=match.suggested_at, viewed_at=match.viewed_at, contacted_at=match.contacted_at,
                     negotiating_at=match.negotiating_at, agreed_at=match.agreed_at, declined_at=match.declined_at,
                     explanation=match.explanation)


def inbox(db: Session, org_id: int, only_new: bool = True, limit: int = 200) -> list[Match]:
    """Matches on either side of an organisation, strong and best first (only untouched ones by default)."""
    stmt = (select(Match).join(Demand, Demand.id == Match.demand_id).join(Offer, Offer.id == Match.offer_id)
            .where(or_(Demand.org_id == org_id, Offer.owner_org_id == org_id, Offer.publisher_org_id == org_id)))
    if only_new:
        stmt = stmt.where(Match.status == MatchStatus.SUGGESTED)
    return list(db.scalars(stmt.order_by(Match.strong.desc(), Match.score.desc()).limit(limit)).unique())


# ---- the inbox page: matches grouped by the organisation's demand or offer -----------------------------

ACTIVE = (MatchStatus.SUGGESTED, MatchStatus.VIEWED, MatchStatus.CONTACTED, MatchStatus.NEGOTIATING)


@dataclass(frozen=True)
class InboxFilter:
    status: MatchStatus | None = None
    active: bool = False  # only matches still in progress (not agreed, not declined)
    side: str | None = None  # "demand": my demands' matches, "offer": my offers' matches, None: both
    strong: bool = False  # only strong matches


@dataclass
class InboxGroup:
    side: str  # "demand" or "offer": whose listing the group is
    listing: Demand | Offer
    total: int  # matches of the listing passing the filter
    matches: list[Match]  # the best of them


def _filtered(stmt, flt: InboxFilter):
    if flt.status is not None:
        stmt = stmt.where(Match.status == flt.status)
    if flt.active:
        stmt = stmt.where(Match.status.in_(ACTIVE), live())
    if flt.strong:
        stmt = stmt.where(Match.strong.is_(True))
    return stmt


def inbox_groups(db: Session, scope: set[int] | None, flt: InboxFilter, page: PageParams,
                 per_group: int = 5) -> tuple[list[InboxGroup], int]:
    """One page of an organisation's matches grouped by its listing, the most recently active listing first.
    ``scope``: the organisations whose listings count (``policy.org_scope``; None: everyone's, which groups by
    demand unless the offer side is asked for)."""
    sides = [flt.side] if flt.side else (["demand"] if scope is None else ["demand", "offer"])
    keys = []
    for side in sides:
        column, model = (Match.demand_id, Demand) if side == "demand" else (Match.offer_id, Offer)
        stmt = _filtered(select(column, func.max(Match.updated_at), func.count()).join(model, model.id == column), flt)
        if scope is not None:
            stmt = stmt.where(Demand.org_id.in_(scope) if side == "demand"
                              else or_(Offer.owner_org_id.in_(scope), Offer.publisher_org_id.in_(scope)))
        keys += [(latest, side, listing_id, count) for listing_id, latest, count in db.execute(stmt.group_by(column))]
    keys.sort(key=lambda k: (k[0], k[2]), reverse=True)
    groups = []
    for _latest, side, listing_id, count in keys[page.offset: page.offset + page.page_size]:
        column, model = (Match.demand_id, Demand) if side == "demand" else (Match.offer_id, Offer)
        best = db.scalars(_filtered(select(Match).where(column == listing_id), flt)
                          .order_by(Match.strong.desc(), Match.score.desc(), Match.id).limit(per_group)).unique()
        groups.append(InboxGroup(side, db.get(model, listing_id), count, list(best)))
    return groups, len(keys)
