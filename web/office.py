"""Pages: the office staff area (监管): the overview, credit flags review (evidence and decision) and the
dishonest-entity list; the organisation register (``web.office_orgs``) and user administration (``web.admin``)
are included here. Every page asks ``policy`` for the staff action it serves."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlalchemy import func, select

from ipplatform.auth import policy
from ipplatform.auth.models import User
from ipplatform.common.errors import AppError
from ipplatform.common.schemas import PageParams
from ipplatform.common.validators import CleanText, Id, PageNumber
from ipplatform.credit import service as credit
from ipplatform.credit.models import CreditFlag
from ipplatform.credit.router import DishonestIn
from ipplatform.dependencies import DbSession
from ipplatform.organisations.models import Organisation
from ipplatform.outcomes.models import Deal
from ipplatform.patents.enums import PatentKind
from ipplatform.common.timefmt import beijing_today
from web import admin, office_orgs
from web.dependencies import PageUser
from web.navigation import NavItem, may
from web.forms import errors_by_field, filter_param
from web.office_forms import kept, optional
from web.templating import render, wan

router = APIRouter(include_in_schema=False)
router.include_router(office_orgs.router)
router.include_router(admin.router)
NAV = [NavItem("监管", "/office", 50, may(policy.Action.CREDIT_REVIEW), testid="nav-office"), *admin.NAV]
PER_PAGE = 20

RULE_ZH = {"repeated_transfer": "短期内重复转让", "bulk_after_grant": "授权后集中转让",
           "dishonest_party": "交易方列入失信名单", "price_outlier": "转让价格异常"}
ENTRY_STATES = {"active": "生效中", "pending": "待生效", "expired": "已截止"}
DISHONEST_LABELS = {"credit_code": "统一社会信用代码", "name": "主体名称", "source": "列入来源（决定机关/文号）",
                    "listed_from": "列入日期", "listed_to": "列入截止日期", "note": "备注"}


def _staff(user, action: policy.Action = policy.Action.CREDIT_REVIEW):
    policy.require(user, action)
    return user


# ---- overview ----------------------------------------------------------------------------------------------

@router.get("/office", response_class=HTMLResponse)
def office_home(request: Request, db: DbSession, user: PageUser):
    _staff(user)
    today = beijing_today()
    unverified = db.scalar(select(func.count()).select_from(Organisation).where(Organisation.verified.is_(False)))
    entries, active = credit.list_entries(db, PageParams(page=1, page_size=1), state="active")
    return render(request, "office.html", user, flags=credit.flag_counts(db), active_entries=active,
                  unverified=unverified, today=today, may_import=policy.allowed(user, policy.Action.DEAL_IMPORT),
                  may_users=policy.allowed(user, policy.Action.USER_MANAGE))


# ---- credit flags --------------------------------------------------------------------------------------------

def _money(value) -> str:
    return wan(value) if value is not None else "—"


def evidence_rows(flag: CreditFlag, orgs: dict[int, Organisation]) -> list[dict]:
    """A rule's evidence as labelled rows: {label, text, links: [(text, href)]} (org ids become names)."""
    e = flag.evidence or {}

    def org_name(org_id):
        org = orgs.get(org_id)
        return org.name if org else f"机构 {org_id}"

    rows: list[dict] = []

    def add(label, text="", links=()):
        rows.append({"label": label, "text": text, "links": list(links)})

    if "role" in e:
        add("涉及交易方", f"{e['role']}：{org_name(e.get('org'))}")
    if "credit_code" in e:
        add("统一社会信用代码", e["credit_code"])
    if "source" in e:
        add("名单来源", e["source"])
    if "listed_from" in e:
        add("列入期间", f"{e['listed_from']} 至 {e['listed_to']}" if e.get("listed_to") else f"{e['listed_from']} 起")
    if "patent" in e:
        add("专利申请号", e["patent"])
    if "deals" in e:
        add("相关交易", "", [(f"交易 #{d}", f"/deals/{d}") for d in e["deals"]])
    if "dates" in e:
        add("合同日期", "、".join(e["dates"]))
    if "recipient" in e:
        add("受让方", org_name(e["recipient"]))
    if "patents" in e:
        add(f"涉及专利（{len(e['patents'])} 件）", "、".join(e["patents"]))
    if "grant_dates" in e:
        add("授权日期", "、".join(e["grant_dates"]))
    if "price_per_patent" in e:
        add("每件专利转让价", _money(e["price_per_patent"]))
    if "median" in e:
        section, kind = e.get("ipc_section", ""), e.get("kind")
        kind_zh = PatentKind(kind).zh if kind in {k.value for k in PatentKind} else ""
        add("同类交易中位数", f"{_money(e['median'])}（IPC {section} 部、{kind_zh}，可比交易 {e.get('comparables', 0)} 笔）")
    if "robust_z" in e:
        add("稳健 z 值", f"{e['robust_z']}（绝对值超过 3.5 即预警）")
    return rows


def _flag_page(request, db, user, status: str, page: int, errors: dict | None = None, done: str | None = None,
               code: int = 200, only: CreditFlag | None = None) -> HTMLResponse:
    """One page of a status's flags; ``only``: that flag alone (its form shown again with the errors)."""
    if only is not None:
        flags, total, status = [only], 1, only.status
    else:
        flags, total = credit.list_flags(db, PageParams(page=page, page_size=PER_PAGE), status)
    deals = {d.id: d for d in db.scalars(select(Deal).where(Deal.id.in_([fl.deal_id for fl in flags]))).unique()}
    org_ids = {i for fl in flags for i in ((fl.evidence or {}).get("org"), (fl.evidence or {}).get("recipient")) if i}
    orgs = {o.id: o for o in db.scalars(select(Organisation).where(Organisation.id.in_(org_ids)))} if org_ids else {}
    reviewers = {u.id: u for u in db.scalars(select(User).where(User.id.in_(
        [fl.reviewed_by_id for fl in flags if fl.reviewed_by_id])))}
    items = [{"flag": fl, "deal": deals.get(fl.deal_id), "rule_zh": RULE_ZH.get(fl.rule, fl.rule),
              "evidence": evidence_rows(fl, orgs), "reviewer": reviewers.get(fl.reviewed_by_id)} for fl in flags]
    return render(request, "office_flags.html", user, code, items=items, total=total, page=PageParams(
        page=page, page_size=PER_PAGE), status=status, statuses=credit.FLAG_STATUSES, counts=credit.flag_counts(db),
        errors=errors or {}, done=done, base=f"/office/flags?status={status}&", focused=only is not None)


FlagStatus = Literal["open", "confirmed", "cleared"]


@router.get("/office/flags", response_class=HTMLResponse)
def flag_list(request: Request, db: DbSession, user: PageUser, status: FlagStatus = "open", page: PageNumber = 1,
              reviewed: Id | None = None, decision: FlagStatus | None = None):
    _staff(user)
    done = None
    if reviewed and decision in ("confirmed", "cleared"):
        done = f"信用预警 #{reviewed} 的核查结论已保存：{credit.FLAG_STATUSES[decision]}。"
    return _flag_page(request, db, user, status, page, done=done)


@router.post("/office/flags/{flag_id}/review", response_class=HTMLResponse)
async def flag_review(request: Request, db: DbSession, user: PageUser, flag_id: Id):
    _staff(user)
    flag = credit.get_flag(db, flag_id)
    form = await request.form()
    back = str(form.get("back_status") or "open")
    back = back if back in credit.FLAG_STATUSES else "open"
    try:
        credit.review(db, flag, str(form.get("decision") or ""), user, optional(str(form.get("note") or "")))
    except AppError as exc:
        errors = {"flag": flag_id, "messages": errors_by_field(exc, {"note": "核查说明", "status": "核查结论"}),
                  "values": kept(form, ["decision", "note"])}
        return _flag_page(request, db, user, back, 1, errors=errors, code=422, only=flag)
    return RedirectResponse(f"/office/flags?status={back}&reviewed={flag.id}&decision={flag.status}", status_code=303)


# ---- the dishonest-entity list --------------------------------------------------------------------------

EntryState = Literal["active", "pending", "expired"]


def _dishonest_page(request, db, user, q, state, page, values=None, errors=None, done=None, code=200):
    entries, total = credit.list_entries(db, PageParams(page=page, page_size=PER_PAGE), q, state)
    today = beijing_today()
    query = urlencode({k: v for k, v in (("q", q), ("state", state)) if v})
    return render(request, "office_dishonest.html", user, code, entries=[
        {"entry": e, "state": credit.entry_state(e, today)} for e in entries], total=total,
        page=PageParams(page=page, page_size=PER_PAGE), q=q or "", state=state or "", states=ENTRY_STATES,
        values=values or {"listed_from": today.isoformat()}, errors=errors or {}, done=done,
        base=f"/office/dishonest?{query}&" if query else "/office/dishonest?", today=today)


@router.get("/office/dishonest", response_class=HTMLResponse)
def dishonest_list(request: Request, db: DbSession, user: PageUser, page: PageNumber = 1,
                   q: Annotated[CleanText | None, Query(max_length=100)] = None, state: filter_param(EntryState) = None,
                   done: Literal["added", "expired", "removed"] | None = None):
    _staff(user)
    message = {"added": "已列入失信名单。", "expired": "已设置列入截止日期。", "removed": "已删除该条目。"}.get(done or "")
    return _dishonest_page(request, db, user, q, state, page, done=message)


@router.post("/office/dishonest", response_class=HTMLResponse)
async def dishonest_add(request: Request, db: DbSession, user: PageUser):
    _staff(user)
    form = await request.form()
    values = kept(form, DISHONEST_LABELS)
    try:
        data = DishonestIn.model_validate({k: optional(v) for k, v in values.items()})
        credit.add_entry(db, data)
    except (ValidationError, AppError) as exc:
        return _dishonest_page(request, db, user, None, None, 1, values, errors_by_field(exc, DISHONEST_LABELS),
                               code=422)
    return RedirectResponse("/office/dishonest?done=added", status_code=303)


@router.post("/office/dishonest/{entry_id}/expire", response_class=HTMLResponse)
async def dishonest_expire(request: Request, db: DbSession, user: PageUser, entry_id: Id):
    _staff(user)
    entry = credit.get_entry(db, entry_id)
    form = await request.form()
    raw = optional(str(form.get("listed_to") or ""))
    try:
        on = date.fromisoformat(raw) if raw else None
        credit.expire_entry(db, entry, on)
    except ValueError:
        return _dishonest_page(request, db, user, None, None, 1, errors={"_form": "列入截止日期：请输入有效日期"}, code=422)
    except AppError as exc:
        return _dishonest_page(request, db, user, None, None, 1, errors={"_form": exc.message_zh}, code=422)
    return RedirectResponse("/office/dishonest?done=expired", status_code=303)


@router.post("/office/dishonest/{entry_id}/remove")
def dishonest_remove(db: DbSession, user: PageUser, entry_id: Id):
    _staff(user)
    credit.remove_entry(db, credit.get_entry(db, entry_id))
    return RedirectResponse("/office/dishonest?done=removed", status_code=303)
