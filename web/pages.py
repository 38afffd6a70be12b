"""Page routes: list, view and publish offers and demands; log in and out. Chinese UI."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, get_args
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from ipplatform import reference
from ipplatform.auth import policy
from ipplatform.auth import service as auth_service
from ipplatform.auth import sessions as auth_sessions
from ipplatform.auth.cookies import clear_login_cookie, set_login_cookie
from ipplatform.auth.router import change_own_password
from ipplatform.auth.schemas import PasswordChange
from ipplatform.auth.throttle import LoginLocked, get_throttle
from ipplatform.common.enums import LISTING_TRANSITIONS, ListingStatus, TransactionMode
from ipplatform.common import csrf
from ipplatform.common.errors import AppError, NotFound
from ipplatform.common.listing_router import ACTIONS as LISTING_ACTIONS
from ipplatform.common.listing_router import change_status as change_listing_status
from ipplatform.common.schemas import PageParams
from ipplatform.common.validators import CleanText, Id, PageNumber
from ipplatform.demands import router as demands_api
from ipplatform.demands import service as demands_service
from ipplatform.demands.schemas import DemandCreate
from ipplatform.dependencies import DbSession, OptionalUser
from ipplatform.matching import service as matching_service
from ipplatform.offers import router as offers_api
from ipplatform.offers import service as offers_service
from ipplatform.offers.enums import Maturity
from ipplatform.offers.schemas import OfferCreate
from ipplatform.organisations import service as org_service
from ipplatform.patents import service as patents_service
from ipplatform.stats.router import parse_filters
from web.forms import errors_by_field, split_list, wan_to_yuan
from web.markup import highlighted

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.globals.update(
    modes=TransactionMode, statuses=ListingStatus, maturities=Maturity, counties=reference.xinyang_counties,
    industry_name=lambda code: reference.industry_name(code, ""), region_name=lambda code: reference.region_name(code, ""),
    reads_everything=policy.reads_everything, listing_actions_to=LISTING_ACTIONS, listing_transitions=LISTING_TRANSITIONS)


def _wan(value) -> str:
    if value is None:
        return "面议"
    wan = value / 10000
    return f"{wan:,.2f} 万元".replace(".00 ", " ")


templates.env.filters["wan"] = _wan
templates.env.filters["highlighted"] = highlighted  # search and match highlights: never |safe
templates.env.globals.update(csrf.template_globals())  # csrf_input(), csrf_token() for every form
router = APIRouter(include_in_schema=False)


def render(request: Request, name: str, user, status_code: int = 200, **context) -> HTMLResponse:
    return templates.TemplateResponse(request, name, {"user": user, **context}, status_code=status_code)


def login_redirect(request: Request) -> RedirectResponse:
    return RedirectResponse(f"/login?next={request.url.path}", status_code=303)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, db: DbSession, user: OptionalUser):
    first = PageParams(page=1, page_size=8)
    offers, offer_total = offers_service.list_offers(db, None, first, status=ListingStatus.PUBLISHED)
    demands, demand_total = demands_service.list_demands(db, None, first, status=ListingStatus.PUBLISHED)
    return render(request, "home.html", user, offers=offers, demands=demands, offer_total=offer_total,
                  demand_total=demand_total)


# ---- login ------------------------------------------------------------------------------------

@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, user: OptionalUser, next: str = "/"):
    return render(request, "login.html", user, next=next, error=None)


@router.post("/login")
def login(request: Request, db: DbSession, user: OptionalUser, username: Annotated[str, Form()],
          password: Annotated[str, Form()], next: Annotated[str, Form()] = "/"):
    try:  # the API's throttle: too many failures for the username or from the IP answer 429
        found = get_throttle(request).authenticate(db, username, password, auth_sessions.client_ip(request))
    except LoginLocked as exc:
        return _locked(render(request, "login.html", None, exc.status_code, next=next, error=exc.message_zh), exc)
    if found is None:
        return render(request, "login.html", None, 401, next=next, error="用户名或密码错误")
    if user is not None:  # signing in over another login: that one ends
        auth_sessions.revoke(db, request.state.auth_session)
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    response = RedirectResponse(target, status_code=303)
    set_login_cookie(response, request, auth_sessions.login(db, found, request))
    return response


def _locked(response: HTMLResponse, exc: LoginLocked) -> HTMLResponse:
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


@router.post("/logout")
def logout(request: Request, db: DbSession, user: OptionalUser):
    if user is not None:
        auth_sessions.revoke(db, request.state.auth_session)
    response = RedirectResponse("/", status_code=303)
    clear_login_cookie(response, request)
    return response


# ---- account --------------------------------------------------------------------------------------

@router.get("/account", response_class=HTMLResponse)
def account(request: Request, user: OptionalUser):
    if user is None:
        return login_redirect(request)
    return render(request, "account.html", user, errors={}, message=None)


@router.post("/account/password", response_class=HTMLResponse)
def account_password(request: Request, db: DbSession, user: OptionalUser,
                     current_password: Annotated[str, Form()] = "", new_password: Annotated[str, Form()] = "",
                     new_password_confirm: Annotated[str, Form()] = ""):
    """修改密码: signs out the user's other sessions, this one stays signed in."""
    if user is None:
        return RedirectResponse("/login?next=/account", status_code=303)
    errors = {}
    if not current_password:
        errors["current_password"] = "请输入当前密码"
    if len(new_password) < 10:
        errors["new_password"] = "新密码至少需要 10 个字符"
    elif len(new_password) > 128:
        errors["new_password"] = "新密码最多 128 个字符"
    elif new_password != new_password_confirm:
        errors["new_password_confirm"] = "两次输入的新密码不一致"
    if errors:
        return render(request, "account.html", user, 422, errors=errors, message=None)
    data = PasswordChange(current_password=current_password, new_password=new_password)
    try:
        change_own_password(request, db, user, request.state.auth_session, data)
    except LoginLocked as exc:
        return _locked(render(request, "account.html", user, exc.status_code, errors={"_form": exc.message_zh},
                              message=None), exc)
    except auth_service.WrongPassword as exc:
        return render(request, "account.html", user, 422, errors={"current_password": exc.message_zh}, message=None)
    return render(request, "account.html", user, errors={}, message="密码已修改，其他设备上的登录已退出。")


# ---- offers -------------------------------------------------------------------------------------

@router.get("/offers", response_class=HTMLResponse)
def offer_list(request: Request, db: DbSession, user: OptionalUser, page: Annotated[PageParams, Depends()],
               q: Annotated[CleanText | None, Query(max_length=100)] = None, mode: TransactionMode | None = None,
               mine: bool = False):
    return _listing_page(request, db, user, page, q, mode, mine, offers_service.list_offers, "offers.html")


def _listing_page(request, db, user, page, q, mode, mine, list_fn, template):
    """A list page of offers or demands: the public's published ones, or all of the user's own ("mine")."""
    own = bool(mine and user)
    items, total = list_fn(db, user, page, status=None if own else ListingStatus.PUBLISHED, mode=mode,
                           q=q or None, org_id=user.org_id if own else None)
    kept = {"q": q, "mode": mode.value if mode else None, "mine": 1 if mine else None}
    base = f"{request.url.path}?{urlencode({k: v for k, v in kept.items() if v})}&"  # the pager adds page=
    return render(request, template, user, items=items, total=total, page=page, q=q or "", mode=mode, mine=mine,
                  pager_base=base)


@router.get("/offers/new", response_class=HTMLResponse)
def offer_new(request: Request, db: DbSession, user: OptionalUser):
    if user is None:
        return login_redirect(request)
    return _offer_form(request, db, user, {}, {})


def _offer_form(request, db, user, values, errors, status_code=200):
    patents, _ = patents_service.list_patents(db, PageParams(page=1, page_size=100), owner_org_id=user.org_id)
    return render(request, "offer_form.html", user, status_code, values=values, errors=errors, patents=patents)


@router.post("/offers/new", response_class=HTMLResponse)
async def offer_create(request: Request, db: DbSession, user: OptionalUser):
    if user is None:
        return login_redirect(request)
    form = await request.form()
    values = {k: form.get(k) for k in form.keys()}
    data = {
        "title": form.get("title", ""), "description": form.get("description") or None,
        "patent_ids": [int(p) for p in form.getlist("patent_ids") if str(p).isdigit()],
        "modes": form.getlist("modes"), "negotiable": form.get("negotiable") == "on",
        "asking_price": wan_to_yuan(form.get("asking_price")),
        "open_licence_fee": wan_to_yuan(form.get("open_licence_fee")),
        "application_fields": split_list(form.get("application_fields")),
        "maturity": form.get("maturity") or None, "contact_name": form.get("contact_name") or None,
        "contact_phone": form.get("contact_phone") or None, "contact_email": form.get("contact_email") or None,
        "expires_on": form.get("expires_on") or None, "publish": form.get("action") == "publish",
    }
    values["patent_ids"] = data["patent_ids"]
    values["modes"] = data["modes"]
    return _create_listing(
        db, user, OfferCreate, data, "供给信息", "/offers",
        create=lambda payload, org: offers_service.create(db, payload, owner=org, publisher_org_id=user.org_id,
                                                          user_id=user.id),
        rerender=lambda errors, code: _offer_form(request, db, user, values, errors, code))


def _create_listing(db, user, schema, data: dict, kind_zh: str, path: str, *, create, rerender):
    """Validate a submitted offer or demand form and create it for the user's organisation; the form is
    shown again with field errors (422) or the refusal (403), or the browser goes to the new listing."""
    try:
        payload = schema.model_validate(data)
        org = org_service.get(db, user.org_id)
        if not policy.acts_for(user, org):
            return rerender({"_form": f"您的角色不能发布{kind_zh}"}, 403)
        listing = create(payload, org)
    except (ValidationError, AppError) as exc:
        db.rollback()
        return rerender(errors_by_field(exc), 422)
    return RedirectResponse(f"{path}/{listing.id}", status_code=303)


@router.get("/offers/{offer_id}", response_class=HTMLResponse)
def offer_detail(request: Request, db: DbSession, user: OptionalUser, offer_id: Id):
    try:
        offer = offers_api.visible_offer(offer_id, db, user)
    except NotFound:
        return render(request, "not_found.html", user, 404)
    matches = []
    if policy.sees_matches(user, policy.offer_orgs(offer)):
        matches = matching_service.for_offer(db, offer.id)
    return render(request, "offer_detail.html", user, offer=offer, can_edit=policy.can_edit_listing(user, offer),
                  matches=matches)


@router.get("/matches", response_class=HTMLResponse)
def match_inbox(request: Request, db: DbSession, user: OptionalUser):
    if user is None:
        return login_redirect(request)
    items = [matching_service.read_model(m) for m in matching_service.inbox(db, user.org_id, only_new=False)]
    return render(request, "inbox.html", user, items=items)


# ---- demands -------------------------------------------------------------------------------------

@router.get("/demands", response_class=HTMLResponse)
def demand_list(request: Request, db: DbSession, user: OptionalUser, page: Annotated[PageParams, Depends()],
                q: Annotated[CleanText | None, Query(max_length=100)] = None, mode: TransactionMode | None = None,
                mine: bool = False):
    return _listing_page(request, db, user, page, q, mode, mine, demands_service.list_demands, "demands.html")


@router.get("/demands/new", response_class=HTMLResponse)
def demand_new(request: Request, user: OptionalUser):
    if user is None:
        return login_redirect(request)
    return render(request, "demand_form.html", user, values={}, errors={})


@router.post("/demands/new", response_class=HTMLResponse)
async def demand_create(request: Request, db: DbSession, user: OptionalUser):
    if user is None:
        return login_redirect(request)
    form = await request.form()
    values = {k: form.get(k) for k in form.keys()}
    values["modes"] = form.getlist("modes")
    data = {
        "title": form.get("title", ""), "description": form.get("description", ""),
        "industry_code": form.get("industry_code") or None, "preferred_ipc": split_list(form.get("preferred_ipc")),
        "budget_min": wan_to_yuan(form.get("budget_min")), "budget_max": wan_to_yuan(form.get("budget_max")),
        "modes": values["modes"], "region_code": form.get("region_code") or None,
        "deadline": form.get("deadline") or None, "contact_name": form.get("contact_name") or None,
        "contact_phone": form.get("contact_phone") or None, "contact_email": form.get("contact_email") or None,
        "publish": form.get("action") == "publish",
    }
    return _create_listing(
        db, user, DemandCreate, data, "需求信息", "/demands",
        create=lambda payload, org: demands_service.create(db, payload, org_id=org.id, user_id=user.id),
        rerender=lambda errors, code: render(request, "demand_form.html", user, code, values=values, errors=errors))


@router.get("/demands/{demand_id}", response_class=HTMLResponse)
def demand_detail(request: Request, db: DbSession, user: OptionalUser, demand_id: Id):
    try:
        demand = demands_api.visible_demand(demand_id, db, user)
    except NotFound:
        return render(request, "not_found.html", user, 404)
    matches = []
    if policy.sees_matches(user, (demand.organisation,)):
        matches = matching_service.for_demand(db, demand.id)
    return render(request, "demand_detail.html", user, demand=demand, matches=matches,
                  can_edit=policy.can_edit_listing(user, demand),
                  can_feedback=policy.allowed(user, policy.Action.MATCH_FEEDBACK, demand.organisation))


@router.post("/matches/{match_id}/feedback")
async def match_feedback(request: Request, db: DbSession, user: OptionalUser, match_id: Id):
    from ipplatform.matching.schemas import FeedbackCreate

    if user is None:
        return login_redirect(request)
    form = await request.form()
    match = matching_service.get(db, match_id)
    if not policy.allowed(user, policy.Action.MATCH_FEEDBACK, match.demand.organisation):
        return render(request, "not_found.html", user, 403, message="仅需求方可以反馈")
    try:
        data = FeedbackCreate.model_validate({
            "prospect_rating": form.get("prospect_rating") or None,
            "improvement_needs": form.get("improvement_needs") or None, "intent": form.get("intent")})
        matching_service.add_feedback(db, match, data, user)
    except (ValidationError, AppError) as exc:
        db.rollback()
        return render(request, "not_found.html", user, 422, message="；".join(errors_by_field(exc).values()))
    return RedirectResponse(f"/demands/{match.demand_id}#match-{match.id}", status_code=303)


# ---- lifecycle buttons (publish / withdraw / close) on detail pages -------------------------------

# Only these two routes: a catch-all POST /{kind}/{id}/{action} would also take POST /api/offers/1 (which
# must be the API's 405) and every other three-segment path.
ListingAction = Literal["publish", "withdraw", "close"]
assert set(get_args(ListingAction)) == set(LISTING_ACTIONS)


@router.post("/offers/{listing_id}/{action}")
def offer_action(request: Request, db: DbSession, user: OptionalUser, listing_id: Id, action: ListingAction):
    return _listing_action(request, db, user, "offers", listing_id, action, offers_api.visible_offer)


@router.post("/demands/{listing_id}/{action}")
def demand_action(request: Request, db: DbSession, user: OptionalUser, listing_id: Id, action: ListingAction):
    return _listing_action(request, db, user, "demands", listing_id, action, demands_api.visible_demand)


def _listing_action(request, db, user, kind: str, listing_id: int, action: str, loader):
    if user is None:
        return login_redirect(request)
    try:
        listing = loader(listing_id, db, user)
        change_listing_status(user, listing, LISTING_ACTIONS[action])
        db.flush()
    except AppError as exc:
        db.rollback()
        return render(request, "not_found.html", user, exc.status_code, message=exc.message_zh)
    return RedirectResponse(f"/{kind}/{listing_id}", status_code=303)


# ---- search ----------------------------------------------------------------------------------------

FACET_TITLES = {"ipc_subclass": "IPC 小类", "industry_division": "行业", "county": "县区", "org_kind": "机构类型",
                "patent_kind": "专利类型", "legal_status": "法律状态", "mode": "交易方式", "status": "状态"}
FACET_PARAM = {"ipc_subclass": "ipc", "industry_division": "industry", "county": "region", "org_kind": "org_kind",
               "patent_kind": "patent_kind", "legal_status": "legal_status", "mode": "tx_mode"}


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, db: DbSession, user: OptionalUser):
    from ipplatform.search.documents import DocType
    from ipplatform.search.router import ALLOWED, _params, request_from_query, similar_source
    from ipplatform.search.service import SearchUnavailable

    params = _params(request)
    kind = params.pop("type", "offers")
    doc_type = DocType.DEMAND if kind == "demands" else DocType.OFFER
    similar = params.pop("similar_to", "")
    source = similar_source(similar)
    params = {k: v for k, v in params.items() if k in ALLOWED}
    error, result = None, None
    try:
        req = request_from_query(**params)
        result = request.app.state.search.search(db, doc_type, req, user, source=source)
    except ValidationError as exc:
        error = "；".join(errors_by_field(exc).values())
    except (SearchUnavailable, AppError) as exc:
        error = exc.message_zh

    def link(**changes) -> str:
        merged = {**params, "type": kind, **changes}
        merged = {k: v for k, v in merged.items() if v not in (None, "", [])}
        return "/search?" + urlencode(merged, doseq=True)

    def toggle(field: str, value: str) -> str:
        current = list(params.get(field, []))
        current = [v for v in current if v != value] if value in current else [*current, value]
        return link(**{field: current, "page": 1, "cursor": None})

    return render(request, "search.html", user, result=result, error=error, params=params, kind=kind,
                  link=link, toggle=toggle, facet_titles=FACET_TITLES, facet_param=FACET_PARAM)


# ---- statistics dashboard (office staff) ---------------------------------------------------------------

@router.get("/stats", response_class=HTMLResponse)
def stats_page(request: Request, db: DbSession, user: OptionalUser):
    from ipplatform.stats import indicators as ind
    from ipplatform.stats.summary import summary

    if (refused := _not_staff(request, user)) is not None:
        return refused
    q = {k: v for k, v in request.query_params.items() if v}
    error, status = None, 200
    try:
        f = parse_filters(q)
    except ValidationError as exc:  # the unfiltered dashboard under the message, answered as 400
        error, status, f = _filter_error(exc), 400, ind.Filters()
    data = summary(db, f)
    return render(request, "stats.html", user, status, data=data, q=q,
                  query=urlencode(q), error=error, catalogue=ind.CATALOGUE)


def _not_staff(request: Request, user) -> HTMLResponse | RedirectResponse | None:
    """The answer for a visitor who may not see statistics (login first, or 403), else None."""
    if user is None:
        return login_redirect(request)
    if not policy.reads_everything(user):
        return render(request, "not_found.html", user, 403, message="统计数据仅对知识产权局工作人员开放")
    return None


def _filter_error(exc: ValidationError) -> str:
    return "筛选条件有误：" + "；".join(errors_by_field(exc).values())


@router.get("/stats/records/{indicator_id}", response_class=HTMLResponse)
def stats_records_page(indicator_id: str, request: Request, db: DbSession, user: OptionalUser,
                       page: PageNumber = 1):
    """The records behind one indicator's number, with the dashboard's filters."""
    from ipplatform.stats import indicators as ind
    from ipplatform.stats.records import records

    if (refused := _not_staff(request, user)) is not None:
        return refused
    if indicator_id not in ind.BY_ID:
        return render(request, "not_found.html", user, 404, message=f"未知指标 {indicator_id}")
    q = {k: v for k, v in request.query_params.items() if v and k != "page"}
    try:
        f = parse_filters(q)
    except ValidationError as exc:
        return render(request, "not_found.html", user, 400, message=_filter_error(exc))
    r = records(db, indicator_id, f, page, 50)
    return render(request, "records.html", user, indicator=ind.BY_ID[indicator_id], value=ind.compute(db, indicator_id, f),
                  records=r, page=page, pages=max(1, (r.total + 49) // 50), query=urlencode(q))


@router.get("/stats/indicators", response_class=HTMLResponse)
def indicator_docs(request: Request, user: OptionalUser):
    from ipplatform.stats import indicators as ind

    return render(request, "indicators.html", user, catalogue=ind.CATALOGUE)
