"""Pages: the statistics dashboard and the records behind a number (office staff), the indicator catalogue.

Numbers are shown as people read them: counts as integers, amounts in 万元 with two decimals, rates with one;
an empty breakdown says 暂无数据 instead of drawing bare axes. A record links to its deal, match, offer,
demand or patent page when the application serves one."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from ipplatform.auth import policy
from ipplatform.common.errors import AppError, NotFound
from ipplatform.common.validators import PageNumber
from ipplatform.dependencies import DbSession, OptionalUser
from ipplatform.organisations.enums import OrgKind
from ipplatform.stats import indicators as ind
from ipplatform.stats.records import FUNNEL_IDS, known, records
from ipplatform.stats.schemas import parse_filters
from ipplatform.stats.summary import summary
from ipplatform.common.timefmt import beijing_today
from web.dependencies import StaffPageUser
from web.forms import errors_by_field
from web.navigation import NavItem, may
from web.office_forms import industry_sections
from web.templating import render

router = APIRouter(include_in_schema=False)
NAV = [NavItem("运营统计", "/stats", 50, may(policy.Action.STATS_READ))]
RECORDS_PER_PAGE = 50
COUNT_UNITS = {"项", "对", "笔", "件", "家", "次", "场"}  # units of things counted: shown as integers
RECORD_PAGES = {"deal": "/deals/{}", "match": "/matches/{}", "offer": "/offers/{}", "demand": "/demands/{}",
                "patent": "/patents/{}"}


NO_DATA = "暂无数据"


def show(value, unit: str) -> str:
    """An indicator's value for reading: 12 (counts), 1,234.50 (万元), 37.5 (%, 小时); 暂无数据 for None (a share or
    median with nothing to measure)."""
    if value is None:
        return NO_DATA
    value = float(value)
    if unit == "万元":
        return f"{value:,.2f}"
    if unit in COUNT_UNITS:
        return str(int(round(value)))
    return f"{value:.1f}"


FILTER_LABELS = {"start": "开始日期", "end": "结束日期", "county": "地区", "industry_section": "行业门类", "org_kind": "机构类型"}


def _filter_error(exc: ValidationError) -> str:
    return "筛选条件有误：" + "；".join(errors_by_field(exc, FILTER_LABELS).values())


def periods(today: date | None = None) -> list[tuple[str, str, str]]:
    """Quick period choices: (label, start, end)."""
    today = today or beijing_today()
    quarter = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    return [("近 30 天", str(today - timedelta(days=29)), str(today)), ("本季度", str(quarter), str(today)),
            ("本年", str(date(today.year, 1, 1)), str(today)),
            ("上一年", str(date(today.year - 1, 1, 1)), str(date(today.year - 1, 12, 31))), ("全部", "", "")]


def _empty(chart: dict) -> bool:
    return not any(r["value"] for r in chart["rows"])


@router.get("/stats", response_class=HTMLResponse)
def stats_page(request: Request, db: DbSession, user: StaffPageUser):
    """Invalid filters: the unfiltered dashboard under the message, answered 400."""
    q = {k: v for k, v in request.query_params.items() if v}
    error, status = None, 200
    try:
        f = parse_filters(q)
    except ValidationError as exc:
        error, status, f = _filter_error(exc), 400, ind.Filters()
    data = summary(db, f)
    for chart in data["charts"].values():
        chart["empty"] = _empty(chart)
    # the form shows what was entered; the links (明细, reports, periods) carry only filters that held
    shown = {} if error else q
    dims = {k: v for k, v in shown.items() if k in ("county", "industry_section", "org_kind")}
    return render(request, "stats.html", user, status, data=data, q=q, query=urlencode(shown), error=error,
                  catalogue=ind.REPORTED, show=show, sections=industry_sections(), org_kinds=OrgKind,
                  periods=[(label, urlencode({**dims, **({"start": s, "end": e} if s else {})}))
                           for label, s, e in periods()], funnel_empty=not data["funnel"][0]["value"])


def _links(request: Request, refs: list[dict]) -> list[dict[int, str]]:
    """Per row, {column: href} for the record kinds whose page this application serves."""
    served = {}
    for kind, template in RECORD_PAGES.items():
        probe = template.format(1)
        served[kind] = any(getattr(r, "path_regex", None) is not None and r.path_regex.match(probe)
                           and "GET" in (getattr(r, "methods", None) or ()) for r in request.app.routes)
    return [{col: RECORD_PAGES[kind].format(i) for col, (kind, i) in row.items() if served[kind]} for row in refs]


@router.get("/stats/records/{indicator_id}", response_class=HTMLResponse)
def stats_records_page(indicator_id: str, request: Request, db: DbSession, user: StaffPageUser,
                       page: PageNumber = 1):
    """The records behind one indicator's (or funnel stage's) number, with the dashboard's filters (the error
    page: 404 for an unknown indicator, 400 for invalid filters)."""
    if not known(indicator_id):
        raise NotFound("indicator", "指标", indicator_id)
    q = {k: v for k, v in request.query_params.items() if v and k != "page"}
    try:
        f = parse_filters(q)
    except ValidationError as exc:
        raise AppError("Invalid statistics filters", _filter_error(exc), code="invalid_filters") from None
    r = records(db, indicator_id, f, page, RECORDS_PER_PAGE)
    if indicator_id in FUNNEL_IDS:
        stage = FUNNEL_IDS[indicator_id]
        indicator = ind.Indicator(indicator_id, f"转化漏斗 · {stage.name_zh}", "项", stage.definition, "")
        value = r.total
    else:
        indicator, value = ind.BY_ID[indicator_id], ind.compute(db, indicator_id, f)
    return render(request, "records.html", user, indicator=indicator, value=show(value, indicator.unit), has_value=value is not None,
                  records=r, links=_links(request, r.refs), page=page,
                  pages=max(1, (r.total + RECORDS_PER_PAGE - 1) // RECORDS_PER_PAGE), query=urlencode(q),
                  is_count=indicator.unit in COUNT_UNITS and indicator_id not in ("deals_patents", "pledge_enterprises"))


@router.get("/stats/indicators", response_class=HTMLResponse)
def indicator_docs(request: Request, user: OptionalUser):
    return render(request, "indicators.html", user, catalogue=ind.REPORTED)
