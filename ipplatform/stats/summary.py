"""The dashboard's numbers in one place (used by the API, the page, the CSV downloads and the Excel report)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from sqlalchemy.orm import Session

from ipplatform import reference
from ipplatform.outcomes.enums import DealType
from ipplatform.stats import indicators as ind

BREAKDOWNS = {  # chart id: (indicator, dimension, Chinese title)
    "trend": ("deals_count", "month", "月度交易笔数"),
    "amount_trend": ("deals_amount", "month", "月度交易金额（万元）"),
    "county": ("deals_count", "county", "各县区交易笔数"),
    "industry": ("deals_count", "industry", "各行业（国民经济行业大类）交易笔数"),
    "type": ("deals_count", "type", "交易类型构成"),
    "pledge_county": ("pledge_amount", "county", "各县区质押融资金额（万元）"),
    "ipc": ("deals_count", "ipc_section", "交易专利技术领域（IPC 部，按主分类号）"),
}


def previous(f: ind.Filters) -> ind.Filters | None:
    """The period of the same length just before ``f``'s."""
    if not f.start or not f.end:
        return None
    days = (f.end - f.start).days + 1
    return replace(f, start=f.start - timedelta(days=days), end=f.start - timedelta(days=1))


def label(dimension: str, key: str) -> str:
    if dimension == "county":
        region = reference.regions().get(key)
        return region.name if region else key
    if dimension == "industry":
        i = reference.industries().get(key)
        return i.name if i else key
    if dimension == "type":
        try:
            return DealType(key).zh
        except ValueError:
            return key
    if dimension == "org_kind":
        from ipplatform.organisations.enums import OrgKind

        try:
            return OrgKind(key).zh
        except ValueError:
            return key
    return key


def summary(db: Session, f: ind.Filters) -> dict:
    prev = previous(f)
    rows = []
    for i in ind.CATALOGUE:
        value = ind.compute(db, i.id, f)
        before = ind.compute(db, i.id, prev) if prev else None
        change = round(100 * (value - before) / before, 1) if before else None
        rows.append({"id": i.id, "name_zh": i.name_zh, "unit": i.unit, "value": value, "previous": before,
                     "change_pct": change})
    charts = {}
    for chart, (indicator, dim, title) in BREAKDOWNS.items():
        data = ind.breakdown(db, indicator, f, dim)
        charts[chart] = {"title": title, "indicator": indicator, "by": dim,
                         "rows": [{"key": k, "label": label(dim, k), "value": v} for k, v in data.items()]}
    value = {r["id"]: r["value"] for r in rows}
    funnel = [{"stage": stage, "value": value[i]} for stage, i in ind.FUNNEL]  # computed above already
    return {"filters": {k: (str(v) if isinstance(v, date) else v) for k, v in f.__dict__.items()},
            "indicators": rows, "funnel": funnel,
            "charts": charts}
