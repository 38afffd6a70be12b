"""Page: search offers and demands (query box, mode, sort, facet sidebar, highlighted hits, 相似供给)."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from ipplatform.common.errors import AppError
from ipplatform.dependencies import DbSession, OptionalUser
from ipplatform.search.documents import DocType
from ipplatform.search.params import ALLOWED, query_params, request_from_query, similar_source
from ipplatform.search.query import MAX_BROWSE_OFFSET, MAX_WINDOW, SearchMode, SortOrder
from ipplatform.search.timing import Timings
from ipplatform.auth import policy
from web.forms import errors_by_field
from web.navigation import NavItem, may
from web.templating import render

MODES = sorted(SearchMode.choices(), key=lambda c: c[0] != SearchMode.HYBRID)  # the default first
PATENT_FILTERS = ("patent_kind", "legal_status")  # offer-only: kept when switching to demands, they hid every demand
router = APIRouter(include_in_schema=False)
NAV = [NavItem("检索", "/search", 12)]

FACET_TITLES = {"ipc_subclass": "IPC 小类", "industry_division": "行业", "county": "县区", "org_kind": "机构类型",
                "patent_kind": "专利类型", "legal_status": "法律状态", "mode": "交易方式", "status": "状态"}
SEARCH_LABELS = {"q": "检索词", "mode": "检索方式", "sort": "排序", "page": "页码", "cursor": "翻页位置",
                 "filters": "筛选条件", "size": "每页条数"}
FACET_PARAM = {"ipc_subclass": "ipc", "industry_division": "industry", "county": "region", "org_kind": "org_kind",
               "patent_kind": "patent_kind", "legal_status": "legal_status", "mode": "tx_mode"}


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, db: DbSession, user: OptionalUser):
    """Invalid filters and an unavailable search engine are shown above the (empty) results, answered 200:
    the query box stays usable."""
    params = query_params(request)
    kind = params.pop("type", "offers")
    doc_type = DocType.DEMAND if kind == "demands" else DocType.OFFER
    source = similar_source(params.pop("similar_to", ""))
    params = {k: v for k, v in params.items() if k in ALLOWED}
    if doc_type is DocType.DEMAND:  # demands have no patents: the offers' patent filters would match nothing
        params = {k: v for k, v in params.items() if k not in PATENT_FILTERS}
    if source is not None:  # more like this: the reference listing is the query, not the old words
        params = {k: v for k, v in params.items() if k not in ("q", "page", "cursor")}
    error, result = None, None
    tm = Timings()
    try:
        result = request.app.state.search.search(db, doc_type, request_from_query(**params), user, source=source,
                                                 timings=tm)
    except ValidationError as exc:
        error = "；".join(errors_by_field(exc, SEARCH_LABELS).values())
    except AppError as exc:  # SearchUnavailable (the engine is down) included
        error = exc.message_zh

    def link(**changes) -> str:
        merged = {**params, "type": kind, **({"similar_to": f"{source[0].value}:{source[1]}"} if source else {}),
                  **changes}
        merged = {k: v for k, v in merged.items() if v not in (None, "", [])}
        return "/search?" + urlencode(merged, doseq=True)

    def toggle(field: str, value: str) -> str:
        current = list(params.get(field, []))
        current = [v for v in current if v != value] if value in current else [*current, value]
        return link(**{field: current, "page": 1, "cursor": None})

    def similar(offer_id: int) -> str:
        return "/search?" + urlencode({"type": "offers", "similar_to": f"offer:{offer_id}"})

    browse = result is not None and not params.get("q") and source is None
    pages = -(-result.total // result.page_size) if result is not None else 0
    with tm.stage("render"):
        response = render(request, "search.html", user, result=result, error=error, params=params, kind=kind,
                          link=link, toggle=toggle, similar=similar, browse=browse, pages=pages,
                          page_limit=(MAX_BROWSE_OFFSET if browse else MAX_WINDOW) // result.page_size if result else 0,
                          facet_titles=FACET_TITLES, facet_param=FACET_PARAM, modes=MODES, sorts=SortOrder.choices())
    tm.finish()
    response.headers["Server-Timing"] = tm.header()
    return response
