"""The records behind an indicator's number: the deals, offers, demands, matches or patents it counts,
selected by the very conditions the indicator uses (so a count indicator's value equals ``total``)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ipplatform.common.errors import FieldError
from ipplatform.demands.models import Demand
from ipplatform.matching.models import Match
from ipplatform.offers.models import Offer
from ipplatform.outcomes.models import Deal
from ipplatform.patents.models import Patent
from ipplatform.stats import indicators as ind
from ipplatform.stats.models import ConvertedPatentFact, DealFact, DealPatentFact, ListedPatentFact

COLUMNS = {  # record kind: (Chinese heading per column)
    "deal": ["交易编号", "类型", "出让/许可/出质方", "受让/被许可方", "金额（元）", "合同日期", "专利"],
    "offer": ["供给编号", "标题", "权利人", "发布时间"],
    "demand": ["需求编号", "标题", "需求方", "发布时间"],
    "match": ["匹配编号", "技术需求", "专利供给", "状态", "推荐时间", "联系时间", "达成时间"],
    "patent": ["专利编号", "申请号", "名称", "首次产业化日期"],
}


@dataclass
class Records:
    kind: str
    total: int
    rows: list[list]

    @property
    def columns(self) -> list[str]:
        return COLUMNS[self.kind]


def _ids(indicator_id: str, f: ind.Filters) -> tuple[str, Select]:
    """The record kind and a select of the ids the indicator counts (or, for a rate, its denominator)."""
    if indicator_id == "offers_published":
        return "offer", ind.statement(indicator_id, f).with_only_columns(Offer.id)
    if indicator_id == "demands_published":
        return "demand", ind.statement(indicator_id, f).with_only_columns(Demand.id)
    if indicator_id.startswith("matches_") or indicator_id == "response_hours":
        source = "matches_contacted" if indicator_id == "response_hours" else indicator_id
        return "match", ind.statement(source, f).with_only_columns(Match.id)
    if indicator_id in ind.DEAL_SUMS:
        return "deal", ind.deal_sum(indicator_id, f, DealFact).with_only_columns(DealFact.deal_id)
    if indicator_id == "univ_share":  # the transfer and licence deals the share is taken of
        return "deal", ind.deal_sum("deals_count", f, DealFact).where(DealFact.type.in_(ind.TL)).with_only_columns(
            DealFact.deal_id)
    if indicator_id in ("deals_patents", "pledge_enterprises"):
        base = "deals_count" if indicator_id == "deals_patents" else "pledge_amount"
        stmt = ind.deal_sum(base, f, DealFact).with_only_columns(DealFact.deal_id)
        if indicator_id == "pledge_enterprises":
            stmt = stmt.where(DealFact.org_kind == "enterprise")
        return "deal", stmt
    if indicator_id == "conversion_rate_listed":
        m = ListedPatentFact
        return "patent", ind.dims(select(m.patent_id), f, m.county_code, m.industry_div, m.org_kind).distinct()
    if indicator_id == "conversion_rate_university":
        m = DealPatentFact
        return "patent", ind.fact_filters(select(m.patent_id).where(m.univ_tl.is_(True)), f, m).distinct()
    raise KeyError(indicator_id)


def _text(value) -> str:
    if value is None:
        return ""
    return getattr(value, "zh", None) or str(value)


def _rows(db: Session, kind: str, ids: list[int], f: ind.Filters) -> list[list]:
    if kind == "deal":
        deals = db.scalars(select(Deal).where(Deal.id.in_(ids)).order_by(Deal.id.desc())).unique()
        return [[d.id, d.type.zh, d.from_org.name, d.to_org.name if d.to_org else "", _text(
            d.counted_amount), _text(d.contract_date),
            "、".join(p.application_number for p in d.patents)] for d in deals]
    if kind in ("offer", "demand"):
        model = Offer if kind == "offer" else Demand
        items = db.scalars(select(model).where(model.id.in_(ids)).order_by(model.id.desc())).unique()
        return [[o.id, o.title, (o.owner if kind == "offer" else o.organisation).name, _text(o.published_at)]
                for o in items]
    if kind == "match":
        items = db.scalars(select(Match).where(Match.id.in_(ids)).order_by(Match.id.desc())).unique()
        return [[m.id, m.demand.title, m.offer.title, m.status.zh, _text(m.suggested_at), _text(m.contacted_at),
                 _text(m.agreed_at)] for m in items]
    on = ConvertedPatentFact.patent_id == Patent.id
    if f.end:
        on = on & (ConvertedPatentFact.first_day <= f.end)
    items = db.execute(select(Patent.id, Patent.application_number, Patent.title, ConvertedPatentFact.first_day)
                       .outerjoin(ConvertedPatentFact, on).where(Patent.id.in_(ids)).order_by(Patent.id.desc()))
    return [[i, n, t, _text(d)] for i, n, t, d in items]


def records(db: Session, indicator_id: str, f: ind.Filters, page: int = 1, size: int = 50) -> Records:
    """One page of the records (newest first) and their total."""
    kind, ids = _ids(indicator_id, f)
    sub = ids.subquery()
    total = db.scalar(select(func.count()).select_from(sub))
    key = sub.c[0]
    page_ids = list(db.scalars(select(key).order_by(key.desc()).limit(size).offset((page - 1) * size)))
    return Records(kind, total, _rows(db, kind, page_ids, f))


def every_record(db: Session, indicator_id: str, f: ind.Filters, limit: int) -> Records:
    """All the records (for a download), read 500 at a time; refused when there are more than ``limit``."""
    kind, ids = _ids(indicator_id, f)
    key = ids.subquery().c[0]
    all_ids = list(db.scalars(select(key).order_by(key.desc()).limit(limit + 1)))
    if len(all_ids) > limit:
        raise FieldError(f"more than {limit} records; narrow the period or filters",
                         f"记录超过 {limit} 条，请缩小统计期间或筛选条件后再下载", field="format")
    rows = [row for i in range(0, len(all_ids), 500) for row in _rows(db, kind, all_ids[i:i + 500], f)]
    return Records(kind, len(all_ids), rows)
