"""Pages: the statistics dashboard and the records behind a number (office staff), the indicator catalogue."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from ipplatform.common.errors import AppError, NotFound
from ipplatform.common.validators import PageNumber
from ipplatform.dependencies import DbSession, OptionalUser
from ipplatform.stats import indicators as ind
from ipplatform.stats.records import records
from ipplatform.stats.schemas import parse_filters
from ipplatform.stats.summary import summary
from ipplatform.auth import policy
from web.dependencies import StaffPageUser
from web.forms import errors_by_field
from web.navigation import NavItem, may
from web.templating import render

router = APIRouter(include_in_schema=False)
NAV = [NavItem("运营统计", "/stats", 50, may(policy.Action.STATS_READ))]
RECORDS_PER_PAGE = 50


def _filter_error(exc: ValidationError) -> str:
    return "筛选条件有误：" + "；".join(errors_by_field(exc).values())


@router.get("/stats", response_class=HTMLResponse)
def stats_page(request: Request, db: DbSession, user: StaffPageUser):
    """Invalid filters: the unfiltered dashboard under the message, answered 400."""
    q = {k: v for k, v in request.query_params.items() if v}
    error, status = None, 200
    try:
        f = parse_filters(q)
    except ValidationError as exc:
        error, status, f = _filter_error(exc), 400, ind.Filters()
    return render(request, "stats.html", user, status, data=summary(db, f), q=q, query=urlencode(q), error=error,
                  catalogue=ind.CATALOGUE)


@router.get("/stats/records/{indicator_id}", response_class=HTMLResponse)
def stats_records_page(indicator_id: str, request: Request, db: DbSession, user: StaffPageUser,
                       page: PageNumber = 1):
    """The records behind one indicator's number, with the dashboard's filters (the error page: 404 for an
    unknown indicator, 400 for invalid filters)."""
    if indicator_id not in ind.BY_ID:
        raise NotFound("indicator", "指标", indicator_id)
    q = {k: v for k, v in request.query_params.items() if v and k != "page"}
    try:
        f = parse_filters(q)
    except ValidationError as exc:
        raise AppError("Invalid statistics filters", _filter_error(exc), code="invalid_filters") from None
    r = records(db, indicator_id, f, page, RECORDS_PER_PAGE)
    return render(request, "records.html", user, indicator=ind.BY_ID[indicator_id], value=ind.compute(db, indicator_id, f),
                  records=r, page=page, pages=max(1, (r.total + RECORDS_PER_PAGE - 1) // RECORDS_PER_PAGE),
                  query=urlencode(q))


@router.get("/stats/indicators", response_class=HTMLResponse)
def indicator_docs(request: Request, user: OptionalUser):
    return render(request, "indicators.html", user, catalogue=ind.CATALOGUE)
