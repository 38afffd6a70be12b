"""Search parameters from a query string: the API's GET and the search page read them the same way."""

from __future__ import annotations

import inspect
import re
from datetime import date

from fastapi import Request

from ipplatform.common.validators import MAX_ID
from ipplatform.search.documents import DocType
from ipplatform.search.query import SearchMode, SearchRequest, SortOrder


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


def query_params(request: Request) -> dict:
    """The query string as keyword arguments for ``request_from_query`` (the list filters as lists, empty
    values dropped), plus whatever else it holds (``type``, ``similar_to``, unknown names)."""
    qp = request.query_params
    multi = ("ipc", "industry", "region", "org_kind", "patent_kind", "legal_status", "tx_mode", "status")
    out = {k: v for k, v in qp.items() if k not in multi}
    out.update({k: [v for v in qp.getlist(k) if v] for k in multi if qp.getlist(k)})
    return out
