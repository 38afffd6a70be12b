"""The neutral search request every backend answers (validated here, before any I/O)."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from pydantic import AfterValidator, Field, field_validator, model_validator

from ipplatform.common.enums import LabelledEnum, ListingStatus, TransactionMode
from ipplatform.common.timefmt import beijing_day_bounds
from ipplatform.common.schemas import InputSchema
from ipplatform.common.validators import (Amount, CleanText, Id, IndustryCode, InvalidValue, PageNumber, RegionCode,
                                          cross_field_error, normalize_ipc)
from ipplatform.organisations.enums import OrgKind
from ipplatform.patents.enums import LegalStatus, PatentKind

MAX_QUERY_CHARS = 500
MAX_WINDOW = 1000  # ranked queries page through at most this many results
MAX_BROWSE_OFFSET = 10_000  # filter-only listings page by number this far, then by cursor
_IPC_PREFIX = re.compile(r"^[A-H](\d{2}([A-Z](\s?\d{1,4}(/\d{1,6})?)?)?)?$")


class SearchMode(LabelledEnum):
    KEYWORD = ("keyword", "关键词")
    SEMANTIC = ("semantic", "语义")
    HYBRID = ("hybrid", "智能（关键词+语义）")


class SortOrder(LabelledEnum):
    RELEVANCE = ("relevance", "相关度")
    NEWEST = ("newest", "最新发布")
    PRICE_ASC = ("price_asc", "价格从低到高")
    PRICE_DESC = ("price_desc", "价格从高到低")


def _ipc_prefix(value: str) -> str:
    v = re.sub(r"\s+", " ", value.strip().upper())
    if not _IPC_PREFIX.match(v):
        raise InvalidValue("ipc_prefix", f"'{value}' is not an IPC prefix such as A, A23, A23F or A23F 3/06",
                           f"“{value}”不是有效的 IPC 分类前缀（例：A、A23、A23F、A23F 3/06）").as_pydantic()
    if "/" in v:  # a full symbol: written exactly as patents store it (a23f3/6 → A23F 3/06)
        return normalize_ipc(v)
    if len(v) > 4 and " " not in v:
        v = v[:4] + " " + v[4:]
    return v


IpcPrefix = Annotated[str, AfterValidator(_ipc_prefix)]


class SearchFilters(InputSchema):
    """All filters are optional; values within one filter are OR-ed, filters are AND-ed."""

    ipc: list[IpcPrefix] = Field(default_factory=list, max_length=20)
    industry: list[IndustryCode] = Field(default_factory=list, max_length=20)
    region: list[RegionCode] = Field(default_factory=list, max_length=20)
    org_kind: list[OrgKind] = Field(default_factory=list)
    patent_kind: list[PatentKind] = Field(default_factory=list)
    legal_status: list[LegalStatus] = Field(default_factory=list)
    mode: list[TransactionMode] = Field(default_factory=list)
    status: list[ListingStatus] = Field(default_factory=lambda: [ListingStatus.PUBLISHED])
    org_id: list[Id] = Field(default_factory=list, max_length=20)
    price_min: Amount | None = None
    price_max: Amount | None = None
    published_from: date | None = None
    published_to: date | None = None

    @model_validator(mode="after")
    def _ranges(self):
        if self.price_min is not None and self.price_max is not None and self.price_min > self.price_max:
            raise cross_field_error("price_max", "range_order", "price_max is below price_min", "价格上限低于下限")
        if self.published_from and self.published_to and self.published_from > self.published_to:
            raise cross_field_error("published_to", "range_order", "published_to is before published_from",
                                    "发布日期区间的结束早于开始")
        return self

    def terms(self) -> dict[str, list[str]]:
        """Keyword filters as {document field: accepted values}."""
        out = {"ipc": self.ipc, "industry": self.industry, "region": self.region,
               "org_kind": [v.value for v in self.org_kind], "patent_kind": [v.value for v in self.patent_kind],
               "legal_status": [v.value for v in self.legal_status], "mode": [v.value for v in self.mode],
               "status": [v.value for v in self.status], "org_id": [str(v) for v in self.org_id]}
        return {k: list(v) for k, v in out.items() if v}

    def ranges(self) -> dict[str, tuple[float | None, float | None]]:
        out = {}
        if self.price_min is not None or self.price_max is not None:
            out["price"] = (float(self.price_min) if self.price_min is not None else None,
                            float(self.price_max) if self.price_max is not None else None)
        if self.published_from or self.published_to:
            bounds = beijing_day_bounds(self.published_from, self.published_to)
            out["published_at"] = tuple(b.timestamp() if b else None for b in bounds)
        return out


class SearchRequest(InputSchema):
    q: CleanText = ""
    mode: SearchMode = SearchMode.HYBRID
    filters: SearchFilters = Field(default_factory=SearchFilters)
    sort: SortOrder = SortOrder.RELEVANCE
    page: PageNumber = 1
    page_size: int = Field(20, ge=1, le=50)
    cursor: str | None = Field(None, max_length=200, description="from next_cursor: deep paging of filter-only "
                               "queries, stable while documents change")
    facets: bool = True

    @field_validator("q")
    @classmethod
    def _query_length(cls, v: str) -> str:
        v = v.strip()
        if len(v) > MAX_QUERY_CHARS:
            raise InvalidValue("query_too_long", f"query text is {len(v)} characters; the limit is {MAX_QUERY_CHARS}",
                               f"查询文本过长（{len(v)} 字），最多 {MAX_QUERY_CHARS} 字").as_pydantic()
        return v

    @model_validator(mode="after")
    def _window(self):
        if self.cursor and self.q:
            raise cross_field_error("cursor", "cursor_with_query", "cursor paging is for filter-only queries",
                                    "游标翻页仅用于无关键词的筛选浏览")
        if not self.q and not self.cursor and self.page * self.page_size > MAX_BROWSE_OFFSET:
            raise cross_field_error("page", "page_too_deep", "page deeper than 10,000 results: use next_cursor",
                                    "翻页超过 10000 条，请使用 next_cursor 游标继续翻页")
        if self.q and self.page * self.page_size > MAX_WINDOW:
            raise cross_field_error("page", "page_too_deep",
                                    f"results page through the first {MAX_WINDOW}; narrow the query or filters",
                                    f"最多可翻阅前 {MAX_WINDOW} 条结果，请缩小查询或增加筛选条件")
        return self
