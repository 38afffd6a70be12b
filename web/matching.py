"""Pages: the match inbox (匹配推送, grouped by demand and offer), one match's page (its pipeline with a timestamp
per step, the status buttons of both sides, the demand side's feedback, the deal it led to) and an offer's
matches."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from ipplatform.auth import policy
from ipplatform.auth.models import User
from ipplatform.common.errors import AppError, FieldError
from ipplatform.common.schemas import PageParams, paginate
from ipplatform.common.validators import Id, PageNumber
from ipplatform.dependencies import DbSession
from ipplatform.matching import flows as matching_flows
from ipplatform.matching import service as matching_service
from ipplatform.matching.enums import STATUS_ORDER, CooperationIntent, MatchStatus
from ipplatform.matching.models import FIT_STRONG, Match
from ipplatform.matching.schemas import FeedbackCreate
from ipplatform.offers.dependencies import VisibleOffer
from ipplatform.outcomes import service as outcomes_service
from web.dependencies import PageUser
from web.forms import errors_by_field, filter_param
from web.navigation import NavItem, may
from web.templating import render, templates

# The feedback form's intents (demand page and match page): "暂无意向" declines the match, so it comes last
FEEDBACK_INTENTS = (CooperationIntent.LEARN_MORE, CooperationIntent.NEGOTIATE, CooperationIntent.LICENSE,
                    CooperationIntent.BUY, CooperationIntent.NONE)
templates.env.globals["feedback_intents"] = FEEDBACK_INTENTS
router = APIRouter(include_in_schema=False)
NAV = [NavItem("匹配推送", "/matches", 35, may(policy.Action.MATCH_READ))]
FEEDBACK_FIELDS = ("prospect_rating", "improvement_needs", "intent")
GROUPS_PER_PAGE = 10
STATUS_BUTTONS = {MatchStatus.VIEWED: "标记为已查看", MatchStatus.CONTACTED: "已联系对方", MatchStatus.NEGOTIATING: "进入洽谈",
                  MatchStatus.AGREED: "达成合作", MatchStatus.DECLINED: "未成，结束跟进"}
CONFIRM = {MatchStatus.AGREED: "确认双方已达成合作？将生成交易草稿，由权利人一方完善合同信息后登记。",
           MatchStatus.DECLINED: "确认本次对接未成？结束后不能再推进。"}
FIT_NOTE = (f"匹配度（0–100）由需求与专利文本的语义相似度及需求关键词在专利中的覆盖率算出，{FIT_STRONG} 分及以上为“高度匹配”；"
            "排序还参考技术领域、地区、交易方式、报价与预算等因素。")


@dataclass(frozen=True)
class InboxQuery:
    page: int
    status: str | None  # a MatchStatus value, or "active"
    side: Literal["demand", "offer"] | None
    strong: bool

    def service_filter(self) -> matching_service.InboxFilter:
        status = MatchStatus(self.status) if self.status and self.status != "active" else None
        return matching_service.InboxFilter(status=status, active=self.status == "active", side=self.side,
                                            strong=self.strong)

    def query_string(self) -> str:
        kept = {"status": self.status, "side": self.side, "strong": 1 if self.strong else None}
        return urlencode({k: v for k, v in kept.items() if v})


def inbox_query(page: PageNumber = 1,
                status: filter_param(Literal["active", "suggested", "viewed", "contacted", "negotiating", "agreed",
                                             "declined"]) = None,
                side: filter_param(Literal["demand", "offer"]) = None, strong: bool = False) -> InboxQuery:
    return InboxQuery(page=page, status=status, side=side, strong=strong)


@router.get("/matches", response_class=HTMLResponse)
def match_inbox(request: Request, db: DbSession, user: PageUser, query: Annotated[InboxQuery, Depends(inbox_query)]):
    """The user's organisation's matches, one group per demand or offer of theirs (office staff and event
    organisers: every demand's), paged by group and filtered by status, side and strength."""
    scope = policy.org_scope(db, user, policy.Action.MATCH_READ)
    page = PageParams(page=query.page, page_size=GROUPS_PER_PAGE)
    groups, total = matching_service.inbox_groups(db, scope, query.service_filter(), page)
    qs = query.query_string()
    return render(request, "matches_inbox.html", user, groups=groups, total=total, page=page, query=query,
                  pager_base=f"/matches?{qs}&" if qs else "/matches?", match_statuses=MatchStatus, fit_note=FIT_NOTE,
                  everyone=scope is None)


def _steps(match: Match) -> list[dict]:
    """The pipeline as shown: every forward step with its time (None: not reached), and 已拒绝 if it ended so."""
    steps = [{"status": s, "at": getattr(match, f"{s.value}_at"), "current": match.status == s} for s in STATUS_ORDER]
    if match.status == MatchStatus.DECLINED:
        steps.append({"status": MatchStatus.DECLINED, "at": match.declined_at, "current": True})
    return steps


def match_page(request: Request, db, user, match: Match, status_code: int = 200, form: dict | None = None,
               errors: dict | None = None) -> HTMLResponse:
    orgs = policy.match_orgs(match)
    policy.require(user, policy.Action.MATCH_READ, *orgs)
    deal = outcomes_service.for_match(db, match.id)
    feedbacks = matching_service.feedback_of(db, match.id)
    latest = feedbacks[0] if feedbacks else None
    if form is None:  # the saved choice, shown again in the form
        form = {"prospect_rating": str(latest.prospect_rating or "") if latest else "",
                "intent": latest.intent.value if latest else "", "improvement_needs": latest.improvement_needs
                or "" if latest else ""}
    can_status = policy.allowed(user, policy.Action.MATCH_STATUS, *orgs)
    closed = matching_service.closed_notice(match)
    return render(request, "matches_detail.html", user, status_code, match=match, steps=_steps(match),
                  next_statuses=matching_service.next_statuses(match) if can_status else [],
                  buttons=STATUS_BUTTONS, confirm=CONFIRM, fit_note=FIT_NOTE,
                  can_feedback=policy.allowed(user, policy.Action.MATCH_FEEDBACK, match.demand.organisation)
                  and closed is None, closed=closed,
                  feedbacks=feedbacks, form=form, errors=errors or {},
                  saved=request.query_params.get("saved"), latest=latest,
                  moved_by=db.get(User, match.status_by_user_id) if match.status_by_user_id else None,
                  deal=deal if deal and policy.allowed(user, policy.Action.DEAL_READ, *policy.deal_parties(deal))
                  else None,
                  may_record=bool(deal) and policy.allowed(user, policy.Action.DEAL_WRITE, deal.from_org))


@router.get("/matches/{match_id}", response_class=HTMLResponse)
def match_detail(request: Request, db: DbSession, user: PageUser, match_id: Id):
    return match_page(request, db, user, matching_service.get(db, match_id))


@router.post("/matches/{match_id}/status")
async def match_status(request: Request, db: DbSession, user: PageUser, match_id: Id):
    """A status button of either side: forward along the pipeline, or 未成. Agreeing drafts the deal."""
    match = matching_service.get(db, match_id)
    policy.require(user, policy.Action.MATCH_STATUS, *policy.match_orgs(match))
    value = (await request.form()).get("status")
    if value not in {s.value for s in MatchStatus}:
        raise FieldError(f"unknown match status {value!r}", "请选择有效的匹配状态", field="status")
    matching_flows.change_match_status(db, match, MatchStatus(value), user.id)
    return RedirectResponse(f"/matches/{match.id}?saved=status", status_code=303)


@router.post("/matches/{match_id}/feedback")
async def match_feedback(request: Request, db: DbSession, user: PageUser, match_id: Id):
    """The demand side's feedback (from the match's page or the demand's). Saved: the match's page says what was
    saved and where the match now stands; refused (not the demand side): the 403 error page; invalid: the
    match's page again (422) with the messages and what was entered."""
    match = matching_service.get(db, match_id)
    policy.require(user, policy.Action.MATCH_FEEDBACK, match.demand.organisation)
    form = await request.form()
    values = {k: form.get(k) or None for k in FEEDBACK_FIELDS}
    try:
        matching_service.add_feedback(db, match, FeedbackCreate.model_validate(values), user)
    except (ValidationError, AppError) as exc:
        db.rollback()
        status = exc.status_code if isinstance(exc, AppError) else 422
        return match_page(request, db, user, matching_service.get(db, match_id), status,
                          form={k: v or "" for k, v in values.items()}, errors=errors_by_field(exc))
    return RedirectResponse(f"/matches/{match.id}?saved=feedback#feedback", status_code=303)


@router.get("/offers/{offer_id}/matches", response_class=HTMLResponse)
def offer_matches(request: Request, db: DbSession, user: PageUser, offer: VisibleOffer, page: PageNumber = 1):
    """The demands matched to an offer (its holder's, its custodian's and staff's view), best first, paged."""
    policy.require(user, policy.Action.MATCH_READ, *policy.offer_orgs(offer))
    params = PageParams(page=page, page_size=20)
    items, total = paginate(db, matching_service.offer_matches_stmt(offer.id), params, Match.strong.desc(),
                            Match.score.desc(), Match.id)
    return render(request, "matches_offer.html", user, offer=offer, items=items, total=total, page=params,
                  pager_base=f"/offers/{offer.id}/matches?", fit_note=FIT_NOTE)
