"""Search API: GET with query parameters (links, the page) or POST with a JSON SearchRequest."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from ipplatform.common.errors import FieldError
from ipplatform.common.validators import CleanText, MAX_ID
from ipplatform.dependencies import DbSession, OptionalUser
from ipplatform.search.documents import DocType
from ipplatform.search.params import ALLOWED, SIMILAR_TO, query_params, request_from_query, similar_source
from ipplatform.search.query import SearchRequest
from ipplatform.search.schemas import SearchResponse
from ipplatform.search.timing import Timings

router = APIRouter(prefix="/search", tags=["search"])
TYPES = {"offers": DocType.OFFER, "demands": DocType.DEMAND}


def respond(result: SearchResponse, tm: Timings) -> Response:
    """The JSON answer, serialised once by pydantic (no second validation pass), with the stages in a
    ``Server-Timing`` header."""
    with tm.stage("render"):
        body = result.model_dump_json()
    tm.finish()
    return Response(body, media_type="application/json", headers={"Server-Timing": tm.header()})


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
    params = query_params(request)
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
    tm = Timings()
    return respond(request.app.state.search.search(db, TYPES[kind], req, user, source=source, timings=tm), tm)


@router.post("/{kind}", response_model=SearchResponse, summary="search offers or demands (JSON body)")
def search_post(kind: Literal["offers", "demands"], body: SearchRequest, request: Request,
                db: DbSession, user: OptionalUser):
    tm = Timings()
    return respond(request.app.state.search.search(db, TYPES[kind], body, user, timings=tm), tm)
