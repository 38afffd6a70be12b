from __future__ import annotations

from fastapi import APIRouter, Request

from ipplatform.auth import policy
from ipplatform.auth.policy import Action
from ipplatform.demands import service as demands_service
from ipplatform.dependencies import CurrentUser, DbSession
from ipplatform.matching import flows, service
from ipplatform.matching.models import Match
from ipplatform.matching.schemas import FeedbackCreate, FeedbackRead, MatchList, MatchRead, StatusChange
from ipplatform.offers import service as offers_service
from ipplatform.common.validators import Id

router = APIRouter(tags=["matching"])
NO_STRONG = "暂无高度匹配的专利，已列出相关度较高的候选，供参考"
STRONG = "以下专利与需求高度匹配"


def _listing(matches: list[Match], **ids) -> MatchList:
    strong = any(m.strong for m in matches)
    return MatchList(**ids, strong_match=strong, message_zh=STRONG if strong else NO_STRONG,
                     items=[service.read_model(m) for m in matches])


@router.get("/demands/{demand_id}/matches", response_model=MatchList, summary="offers matched to a demand")
def demand_matches(demand_id: Id, user: CurrentUser, db: DbSession):
    demand = demands_service.get(db, demand_id)
    policy.require(user, Action.MATCH_READ, demand.organisation)
    return _listing(service.for_demand(db, demand_id), demand_id=demand_id)


@router.post("/demands/{demand_id}/matches/run", response_model=MatchList, summary="re-run matching now")
def run_demand(demand_id: Id, request: Request, user: CurrentUser, db: DbSession):
    demand = demands_service.get(db, demand_id)
    policy.require(user, Action.MATCH_RUN, demand.organisation)
    matches = service.match_demand(db, request.app.state.matcher, demand)
    return _listing(matches, demand_id=demand_id)


@router.get("/offers/{offer_id}/matches", response_model=MatchList, summary="demands an offer answers")
def offer_matches(offer_id: Id, user: CurrentUser, db: DbSession):
    offer = offers_service.get(db, offer_id)
    policy.require(user, Action.MATCH_READ, *policy.offer_orgs(offer))
    return _listing(service.for_offer(db, offer_id), offer_id=offer_id)


@router.get("/matches/inbox", response_model=list[MatchRead], summary="new matches for my organisation")
def inbox(user: CurrentUser, db: DbSession, only_new: bool = True):
    return [service.read_model(m) for m in service.inbox(db, user.org_id, only_new)]


@router.post("/matches/{match_id}/status", response_model=MatchRead)
def change_status(match_id: Id, body: StatusChange, user: CurrentUser, db: DbSession):
    match = service.get(db, match_id)
    policy.require(user, Action.MATCH_STATUS, *policy.match_orgs(match))
    return service.read_model(flows.change_match_status(db, match, body.status, user.id))


@router.post("/matches/{match_id}/feedback", response_model=FeedbackRead, status_code=201)
def feedback(match_id: Id, body: FeedbackCreate, user: CurrentUser, db: DbSession):
    match = service.get(db, match_id)
    policy.require(user, Action.MATCH_FEEDBACK, match.demand.organisation)
    return service.add_feedback(db, match, body, user)


@router.get("/matches/{match_id}", response_model=MatchRead)
def read_match(match_id: Id, user: CurrentUser, db: DbSession):
    match = service.get(db, match_id)
    policy.require(user, Action.MATCH_READ, *policy.match_orgs(match))
    return service.read_model(match)
