"""Search API: GET with query parameters (links, the page) or POST with a JSON SearchRequest."""

from __future__ import annotations

import inspect
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from ipplatform.common.errors import FieldError
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


def _params(request: Request) -> dict:
    qp = request.query_params
    multi = ("ipc", "industry", "region", "org_kind", "patent_kind", "legal_status", "tx_mode", "status")
    out = {k: v for k, v in qp.items() if k not in multi}
    out.update({k: [v for v in qp.getlist(k) if v] for k in multi if qp.getlist(k)})
    return out


@router.get("/suggest", response_model=list[str], summary="title / IPC completions")
def suggest(request: Request, prefix: Annotated[str, Query(min_length=1, max_length=50)],
            type: Annotated[str, Query(pattern="^(offers|demands)$")] = "offers", size: int = Query(10, ge=1, le=20)):
    return request.app.state.search.suggest(TYPES[type], prefix, size)


@router.get("/{kind}", response_model=SearchResponse, summary="search offers or demands (GET)")
def search_get(kind: Literal["offers", "demands"], request: Request, db: DbSession,
               user: OptionalUser, similar_to: Annotated[str | None, Query(pattern=r"^(offer|demand):\d+$")] = None):
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
    source = None
    if similar_to:
        t, i = similar_to.split(":")
        source = (DocType(t), int(i))
    return request.app.state.search.search(db, TYPES[kind], req, user, source=source)


@router.post("/{kind}", response_model=SearchResponse, summary="search offers or demands (JSON body)")
def search_post(kind: Literal["offers", "demands"], body: SearchRequest, request: Request,
                db: DbSession, user: OptionalUser):
    return request.app.state.search.search(db, TYPES[kind], body, user)
