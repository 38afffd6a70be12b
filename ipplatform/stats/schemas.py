"""The statistics filters: one schema for the API's query parameters and the dashboard's form."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from annotated_types import Ge, Le
from pydantic import Field, model_validator

from ipplatform.common.schemas import AppSchema
from ipplatform.common.validators import IndustrySection, RegionCode, cross_field_error
from ipplatform.organisations.enums import OrgKind
from ipplatform.stats import indicators as ind

# The period's ends: no platform record is older than the patent law (1985) and reports look ahead at most
# to 2100; the dashboard also compares with the period before, which must stay a real date.
PeriodDate = Annotated[date, Ge(date(1980, 1, 1)), Le(date(2100, 12, 31))]


class StatsQuery(AppSchema):
    """The filters of every statistics answer: the API's query parameters and the dashboard's form."""

    start: PeriodDate | None = None
    end: PeriodDate | None = None
    county: RegionCode | None = Field(None, description="a county's division code, or a city's/province's "
                                      "standing for every county under it")
    industry_section: IndustrySection | None = Field(None, description="GB/T 4754-2017 section letter A–T")
    org_kind: OrgKind | None = None

    @model_validator(mode="after")
    def _period(self):
        if self.start and self.end and self.start > self.end:
            raise cross_field_error("end", "date_order", "end is before start", "统计期间的结束日期早于开始日期")
        return self

    def filters(self) -> ind.Filters:
        return ind.Filters(start=self.start, end=self.end, county=self.county, industry_section=self.industry_section,
                           org_kind=self.org_kind.value if self.org_kind else None)


def parse_filters(params: dict[str, str]) -> ind.Filters:
    """The filters from a page's query string (pydantic's ValidationError for bad values)."""
    return StatsQuery.model_validate(params).filters()  # other query parameters (page, …) are ignored
