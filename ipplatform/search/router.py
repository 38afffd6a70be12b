"""Search API: GET with query parameters (links, the page) or POST with a JSON SearchRequest."""

from __future__ import annotations

import inspect
import re
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from ipplatform.common.errors import FieldError
from ipplatform.common.validators import CleanText, MAX_ID
from ipplatform.dependencies import DbSession, OptionalUser
from ipplatform.search.documents import DocType
from ipplatform.search.query import SearchMode, SearchRequest, SortOrder
from ipplatform.search.schemas import SearchResponse

router = APIRouter(prefix="/search", tags=["search"])
TYPES = {"offers": DocType.OFFER, "demands": DocType.DEMAND}


def request_from_query(q: str = "", mode: SearchMode = SearchMode.HYBRID, sort: SortOrder = SortOrder.RELEVANCE,
                       page: int = 1, page_size: int = 20, cursor: str | None = None, facets: bool = True,
                       ipc: list[str] | None = None, industry: list[str] | None = None,
                       region: list[str] | None = None, org_kind: list[str] | None = None,
                       patent_kind: list[str] | None = None, legal_status: list[str] | None = None,
                       tx_mode: list[str] | None = None, status: list[str] | None = None,
                       price_min: str | None = None, price_max: str | None = None,
                       published_from: date | None = None, published_to: date | None = None) -> SearchRequest:
    filters = {k: v for k, v in {
        "ipc": ipc, "industry": industry, "region": region, "org_kind": org_kind, "patent_kind": patent_kind,
        "legal_status": legal_status, "mode": tx_mode, "status": status, "price_min": price_min or None,
        "price_max": price_max or None, "published_from": published_from, "published_to": published_to,
    }.items() if v}
    return SearchRequest.model_validate({"q": q, "mode": mode, "sort": sort, "page": page, "page_size": page_size,
                                         "cursor": cursor or None, "facets": facets, "filters": filters})


ALLOWED = set(inspect.signature(request_from_query).parameters)
SIMILAR_TO = re.compile(r"^(offer|demand):([1-9][0-9]{0,9})$")  # "more like this": offer:12, demand:3


def similar_source(value: str | None) -> tuple[DocType, int] | None:
    """``offer:12`` → (DocType.OFFER, 12); None for anything else, ids beyond the id range included."""
    found = SIMILAR_TO.match(value or "")
    if found is None or int(found.group(2)) > MAX_ID:
        return None
    return DocType(found.group(1)), int(found.group(2))


def _params(request: Request) -> dict:
    qp = request.query_params
    multi = ("ipc", "industry", "region", "org_kind", "patent_kind", "legal_status", "tx_mode", "status")
    out = {k: v for k, v in qp.items() if k not in multi}
    out.update({k: [v for v in qp.getlist(k) if v] for k in multi if qp.getlist(k)})
    return out


@router.get("/suggest", response_model=list[str], summary="title / IPC completions")
def suggest(request: Request, prefix: Annotated[CleanText, Query(min_length=1, max_length=50)],
            type: Annotated[str, Query(pattern="^(offers|demands)$")] = "offers", size: int = Query(10, ge=1, le=20)):
    return request.app.state.search.suggest(TYPES[type], prefix, size)


@router.get("/{kind}", response_model=SearchResponse, summary="search offers or demands (GET)")
def search_get(kind: Literal["offers", "demands"], request: Request, db: DbSession,
               user: OptionalUser, similar_to: Annotated[str | None, Query(pattern=SIMILAR_TO.pattern)] = None):
    """Query parameters: q, mode (keyword|semantic|hybrid), sort, page, page_size, cursor, facets, and the
    filters ipc, industry, region, org_kind, patent_kind, legal_status, tx_mode, status (repeatable),
    price_min, price_max, published_from, published_to. ``similar_to=offer:12`` ranks by likeness to
    that offer (more like this)."""
    params = _params(request)
    params.pop("similar_to", None)
    unknown = sorted(set(params) - ALLOWED)
    if unknown:
        raise FieldError(f"unknown search parameter(s): {', '.join(unknown)}",
                         f"不支持的检索参数：{'、'.join(unknown)}", field=unknown[0])
    req = request_from_query(**params)
    source = similar_source(similar_to)
    if similar_to and source is None:
        raise FieldError(f"similar_to names no {similar_to.split(':')[0]} (ids go up to {MAX_ID})",
                         f"similar_to 指向的信息不存在（编号最大为 {MAX_ID}）", field="similar_to")
    return request.app.state.search.search(db, TYPES[kind], req, user, source=source)


@router.post("/{kind}", response_model=SearchResponse, summary="search offers or demands (JSON body)")
def search_post(kind: Literal["offers", "demands"], body: SearchRequest, request: Request,
                db: DbSession, user: OptionalUser):
    return request.app.state.search.search(db, TYPES[kind], body, user)
