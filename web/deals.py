"""Pages: deals — the list of the organisation's deals, a deal's page, the deal form behind 标记成交 (an offer)
or an agreed match, and completing and recording a draft (``outcomes.flows.record_deal``). Amounts in 万元."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from ipplatform.auth import policy
from ipplatform.common import lifecycle
from ipplatform.common.enums import ListingStatus
from ipplatform.common.errors import AppError, Conflict, FieldError, Forbidden
from ipplatform.common.schemas import PageParams
from ipplatform.common.validators import Id, PageNumber
from ipplatform.dependencies import DbSession
from ipplatform.matching import service as matching_service
from ipplatform.offers import service as offers_service
from ipplatform.organisations import service as org_service
from ipplatform.outcomes import flows as outcomes_flows
from ipplatform.outcomes import service as outcomes_service
from ipplatform.outcomes.enums import DealStatus, DealType, deal_type_for
from ipplatform.outcomes.models import Deal
from ipplatform.outcomes.schemas import DealCreate, DealDetails, DealRecord
from web.dependencies import PageUser
from web.forms import errors_by_field, filter_param, split_list, wan_to_yuan
from web.navigation import NavItem, may
from web.templating import render

router = APIRouter(include_in_schema=False)
NAV = [NavItem("交易记录", "/deals", 36, may(policy.Action.DEAL_READ))]
PER_PAGE = 20
AMOUNTS = ("amount", "loan_amount", "valuation")
DATES = ("contract_date", "recordal_date")
SAVED = {"draft": "交易草稿已保存。", "recorded": "交易已登记。"}


def _wan(value: Decimal | None) -> str:
    """Yuan as the 万元 figure a form shows (no trailing zeros)."""
    if value is None:
        return ""
    return format((Decimal(value) / 10000).normalize(), "f")


@router.get("/deals", response_class=HTMLResponse)
def deal_list(request: Request, db: DbSession, user: PageUser, page: PageNumber = 1,
              status: filter_param(DealStatus) = None, type: filter_param(DealType) = None,  # noqa: A002 (the query's name)
              side: filter_param(Literal["from", "to"]) = None):
    """Deals with a party among the user's organisations (staff: every deal), newest first, filtered."""
    policy.require(user, policy.Action.DEAL_READ, user.organisation)
    scope = policy.org_scope(db, user, policy.Action.DEAL_READ)
    params = PageParams(page=page, page_size=PER_PAGE)
    items, total = outcomes_service.list_deals(db, scope, params, status=status, type_=type, side=side)
    kept = urlencode({k: v for k, v in {"status": status and status.value, "type": type and type.value,
                                         "side": side}.items() if v})
    return render(request, "deals.html", user, items=items, total=total, page=params, status=status, type=type,
                  side=side, everyone=scope is None, deal_statuses=DealStatus, deal_types=DealType,
                  pager_base=f"/deals?{kept}&" if kept else "/deals?")


# ---- the deal form: new (on an offer, a match, or free) and completing a draft -------------------------

def _context(db, user, *, deal: Deal | None = None, offer=None, match=None) -> dict:
    """What the form is about: the holder, the counterparty (fixed or to choose), the patents to pick from."""
    if deal is not None:
        offer, holder, counterparty = deal.offer, deal.from_org, deal.to_org
        candidates = list(offer.patents) if offer is not None else list(deal.patents)
        for p in deal.patents:
            if p not in candidates:
                candidates.append(p)
    elif match is not None:
        offer, holder, counterparty = match.offer, match.offer.owner, match.demand.organisation
        candidates = list(offer.patents)
    elif offer is not None:
        holder, counterparty, candidates = offer.owner, None, list(offer.patents)
    else:
        holder, counterparty, candidates = None, None, []
    matched = [m.demand.org_id for m in matching_service.for_offer(db, offer.id)] if offer is not None else []
    holders = [] if holder is not None else _holders(db, user)
    return {"deal": deal, "offer": offer, "match": match, "holder": holder, "holders": holders,
            "counterparty": counterparty, "candidates": candidates, "matched": set(matched),
            "orgs": outcomes_service.organisations(db, matched), "deal_types": DealType}


def _holders(db, user) -> list:
    """The rights holders the user may register a deal for: their own organisations (staff: any)."""
    scope = policy.org_scope(db, user, policy.Action.DEAL_WRITE)
    return [o for o in outcomes_service.organisations(db) if scope is None or o.id in scope]


def _initial(ctx: dict) -> dict:
    deal, offer = ctx["deal"], ctx["offer"]
    if deal is not None:
        values = {k: _wan(getattr(deal, k)) for k in AMOUNTS} | {k: str(getattr(deal, k) or "") for k in DATES}
        return values | {"type": deal.type.value, "patent_ids": [p.id for p in deal.patents],
                         "to_org_id": str(deal.to_org_id or ""), "lender_org_id": str(deal.lender_org_id or ""),
                         "recordal_number": deal.recordal_number or "",
                         "close_offer": outcomes_service.closes_offer_by_default(deal)}
    modes = list(offer.modes) if offer is not None else []
    if ctx["match"] is not None:
        shared = [m for m in modes if m in (ctx["match"].demand.modes or [])]
        modes = shared or modes
    return {"type": deal_type_for(modes[0]).value if modes else DealType.TRANSFER.value,
            "patent_ids": [p.id for p in ctx["candidates"]], "amount": _wan(offer.asking_price) if offer else "",
            "to_org_id": str(ctx["counterparty"].id) if ctx["counterparty"] else "",
            "close_offer": ctx["match"] is None}


def _form(request, user, ctx: dict, values: dict, errors: dict, status_code: int = 200) -> HTMLResponse:
    return render(request, "deal_form.html", user, status_code, values=values, errors=errors, **ctx)


def _input(form, ctx: dict, db) -> dict:
    """The form as deal fields (amounts in 万元 become yuan; unset fields left out, so a draft keeps them)."""
    data: dict = {}
    if ctx["candidates"]:
        data["patent_ids"] = [int(p) for p in form.getlist("patent_ids") if str(p).isdigit()]
    else:
        holder_id = ctx["holder"].id if ctx["holder"] else _holder_id(form, ctx)
        data["patent_ids"] = outcomes_service.patents_by_number(db, split_list(form.get("patent_numbers")), holder_id)
    for k in (*AMOUNTS, *DATES, "type", "recordal_number", "lender_org_id", "to_org_id"):
        if k in form and (k != "to_org_id" or ctx["counterparty"] is None):
            data[k] = (wan_to_yuan(form.get(k)) if k in AMOUNTS else form.get(k)) or None
    return data


def _holder_id(form, ctx: dict) -> int:
    """The rights holder chosen on a free deal form (one of the user's organisations; the first by default)."""
    chosen = str(form.get("from_org_id") or "")
    return int(chosen) if chosen.isdigit() and 0 < int(chosen) <= 2147483647 else ctx["holders"][0].id


def _submitted(form, ctx: dict, db, errors: dict) -> dict:
    try:
        data = _input(form, ctx, db)
    except AppError as exc:
        errors.update(errors_by_field(exc))
        data = {}
    if form.get("action") == "record" and not form.get("contract_date"):
        errors.setdefault("contract_date", "登记交易须填写合同日期")
    return data


def _validated(schema, data: dict, errors: dict):
    """``data`` as ``schema``; a field error carrying every message found (the form's own ones included)."""
    try:
        payload = schema.model_validate(data)
    except ValidationError as exc:
        errors.update({k: v for k, v in errors_by_field(exc).items() if k not in errors})
        payload = None
    if errors:
        field = next(iter(errors))
        raise FieldError("invalid deal form", errors[field], field=field)
    return payload


def _kept(form) -> dict:
    return {k: form.get(k) for k in form.keys()} | {
        "patent_ids": [int(p) for p in form.getlist("patent_ids") if str(p).isdigit()],
        "close_offer": form.get("close_offer") == "on"}


def _record_or_keep(db, deal: Deal, form, user) -> RedirectResponse:
    if form.get("action") == "record":
        outcomes_flows.record_deal(db, deal, DealRecord(close_offer=form.get("close_offer") == "on"), user.id)
        return RedirectResponse(f"/deals/{deal.id}?saved=recorded", status_code=303)
    return RedirectResponse(f"/deals/{deal.id}?saved=draft", status_code=303)


def _new_context(db, user, offer_id: int | None, match_id: int | None) -> dict | Response:
    """The form's subject from the query: a match (its draft deal, if it has one, is completed instead), an
    offer (标记成交), or nothing (a deal registered freely for one of the user's organisations)."""
    if match_id is not None:
        match = matching_service.get(db, match_id)
        policy.require(user, policy.Action.MATCH_READ, *policy.match_orgs(match))
        existing = outcomes_service.for_match(db, match.id)
        if existing is not None:
            return RedirectResponse(f"/deals/{existing.id}" + ("/record" if existing.status == DealStatus.DRAFT
                                                                else ""), status_code=303)
        policy.require(user, policy.Action.DEAL_WRITE, match.offer.owner)
        return _context(db, user, match=match)
    if offer_id is not None:
        offer = lifecycle.readable(user, offers_service.get(db, offer_id), "offer", "供给信息")
        policy.require(user, policy.Action.DEAL_WRITE, offer.owner)
        if offer.status == ListingStatus.CLOSED:
            raise Conflict("The offer is closed", "该供给信息已关闭（已成交），不能再登记交易", code="closed")
        return _context(db, user, offer=offer)
    if not policy.may_ever(user, policy.Action.DEAL_WRITE):
        rule = policy.RULES[policy.Action.DEAL_WRITE]
        raise Forbidden(rule.message, rule.message_zh)
    return _context(db, user)


DealQuery = Annotated[int | None, Query(ge=1, le=2147483647)]


@router.get("/deals/new", response_class=HTMLResponse)  # before /deals/{deal_id}
def deal_new(request: Request, db: DbSession, user: PageUser, offer_id: DealQuery = None, match_id: DealQuery = None):
    ctx = _new_context(db, user, offer_id, match_id)
    if isinstance(ctx, Response):
        return ctx
    return _form(request, user, ctx, _initial(ctx), {})


@router.post("/deals/new", response_class=HTMLResponse)
async def deal_create(request: Request, db: DbSession, user: PageUser, offer_id: DealQuery = None,
                      match_id: DealQuery = None):
    """Save the deal as a draft, or register and record it at once (the offer then closes if ticked)."""
    ctx = _new_context(db, user, offer_id, match_id)
    if isinstance(ctx, Response):
        return ctx
    form = await request.form()
    errors: dict = {}
    data = _submitted(form, ctx, db, errors)
    holder = ctx["holder"] or org_service.get(db, _holder_id(form, ctx))
    policy.require(user, policy.Action.DEAL_WRITE, holder)
    subject = {"match_id": ctx["match"].id if ctx["match"] else None,
               "offer_id": ctx["offer"].id if ctx["offer"] else None,
               "to_org_id": ctx["counterparty"].id if ctx["counterparty"] else data.get("to_org_id")}
    try:
        payload = _validated(DealCreate, {**data, **subject}, errors)
        deal = outcomes_service.create(db, payload, from_org_id=holder.id, user_id=user.id)
        return _record_or_keep(db, deal, form, user)
    except (ValidationError, AppError) as exc:
        if isinstance(exc, AppError) and exc.status_code in (403, 404):
            raise
        db.rollback()
        return _form(request, user, _new_context(db, user, offer_id, match_id), _kept(form),
                     {**errors_by_field(exc), **errors}, 422)


def _writable_draft(db, user, deal_id: int) -> Deal:
    deal = outcomes_service.get(db, deal_id)
    policy.require(user, policy.Action.DEAL_READ, *policy.deal_parties(deal))
    policy.require(user, policy.Action.DEAL_WRITE, deal.from_org)
    if deal.status == DealStatus.RECORDED:
        raise Conflict("The deal is already recorded", "该交易已登记，不能再修改", code="recorded")
    return deal


@router.get("/deals/{deal_id}", response_class=HTMLResponse)
def deal_detail(request: Request, db: DbSession, user: PageUser, deal_id: Id):
    deal = outcomes_service.get(db, deal_id)
    policy.require(user, policy.Action.DEAL_READ, *policy.deal_parties(deal))
    match = matching_service.get(db, deal.match_id) if deal.match_id else None
    return render(request, "deal_detail.html", user, deal=deal, match=match,
                  may_record=deal.status == DealStatus.DRAFT and policy.allowed(user, policy.Action.DEAL_WRITE,
                                                                                 deal.from_org),
                  saved=SAVED.get(request.query_params.get("saved", "")))


@router.get("/deals/{deal_id}/record", response_class=HTMLResponse)
def deal_record_form(request: Request, db: DbSession, user: PageUser, deal_id: Id):
    deal = _writable_draft(db, user, deal_id)
    ctx = _context(db, user, deal=deal)
    return _form(request, user, ctx, _initial(ctx), {})


@router.post("/deals/{deal_id}/record", response_class=HTMLResponse)
async def deal_record(request: Request, db: DbSession, user: PageUser, deal_id: Id):
    """Complete the draft with the form's details; 登记交易 also records it (``outcomes.flows.record_deal``)."""
    deal = _writable_draft(db, user, deal_id)
    ctx = _context(db, user, deal=deal)
    form = await request.form()
    errors: dict = {}
    data = _submitted(form, ctx, db, errors)
    try:
        outcomes_service.complete(db, deal, _validated(DealDetails, data, errors))
        return _record_or_keep(db, deal, form, user)
    except (ValidationError, AppError) as exc:
        db.rollback()
        deal = _writable_draft(db, user, deal_id)
        return _form(request, user, _context(db, user, deal=deal), _kept(form),
                     {**errors_by_field(exc), **errors}, 422)
