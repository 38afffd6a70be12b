"""What the search API returns: a page of hits (highlighted, with their credit warning) and the facet counts."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import Field

from ipplatform.common.schemas import AppSchema


class FacetValue(AppSchema):
    value: str
    label: str
    count: int


class SearchHit(AppSchema):
    id: int
    doc_type: str
    score: float
    title: str
    title_html: str
    snippet_html: str
    organisation: str
    region: str | None
    modes: list[str]
    modes_zh: list[str]
    status: str
    price: Decimal | None
    published_at: datetime | None
    ipc: list[str]
    url: str
    credit_warning: bool = False  # dishonest list or a confirmed flag (office staff: also flags under review)


class SearchResponse(AppSchema):
    total: int
    page: int
    page_size: int
    mode: str
    sort: str
    took_ms: float
    hits: list[SearchHit]
    facets: dict[str, list[FacetValue]]
    next_cursor: str | None = None
    tokens: list[str]
    semantic_floor: float | None = Field(None, description="cosine below which semantic hits are dropped")
    semantic_total: int | None = Field(None, description="semantic neighbours at or above the floor (at most 200)")
    no_close_match: bool = Field(False, description="semantic or hybrid mode and nothing is close in meaning")
    unsearchable: bool = Field(False, description="the query has no letters, digits or Chinese characters "
                                                   "(only punctuation or emoji): nothing was searched")
    reference: SearchHit | None = Field(None, description="similar_to: the listing the results resemble")
    timings: dict[str, float] = Field(default_factory=dict, description="milliseconds per stage (as the "
                                      "Server-Timing header): seg, embed, engine, engine_took, fuse, facets, "
                                      "db, highlight, render, total")
