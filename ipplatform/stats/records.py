"""The records behind an indicator's number: the deals, offers, demands, matches or patents it counts,
selected by the very conditions the indicator uses (so a count indicator's value equals ``total``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ipplatform.common.errors import FieldError
from ipplatform.common.timefmt import beijing_minute
from ipplatform.demands.models import Demand
from ipplatform.events.models import Meeting
from ipplatform.matching.models import Match
from ipplatform.offers.models import Offer
from ipplatform.outcomes.models import Deal
from ipplatform.patents.models import Patent
from ipplatform.stats import indicators as ind
from ipplatform.stats.funnel import STAGES, stage_offer_ids
from ipplatform.stats.models import ConvertedPatentFact, DealFact, DealPatentFact, ListedPatentFact

COLUMNS = {  # record kind: (Chinese heading per column)
    "deal": ["交易编号", "类型", "出让/许可/出质方", "受让/被许可方", "金额（万元）", "合同日期", "专利"],
    "offer": ["供给编号", "标题", "权利人", "发布时间"],
    "demand": ["需求编号", "标题", "需求方", "发布时间"],
    "match": ["匹配编号", "技术需求", "专利供给", "状态", "推荐时间", "联系时间", "达成时间"],  # Beijing time
    "patent": ["专利编号", "申请号", "名称", "首次产业化日期"],
    "event_meeting": ["洽谈编号", "对接活动", "活动日期", "供给方", "需求方", "洽谈结果", "签约金额（万元）"],
}


FUNNEL_PREFIX = "funnel_"  # the records behind a funnel stage: funnel_matched, funnel_deal, …
FUNNEL_IDS = {FUNNEL_PREFIX + s.key: s for s in STAGES}
CENT = Decimal("0.01")


def known(indicator_id: str) -> bool:
    return indicator_id in ind.BY_ID or indicator_id in FUNNEL_IDS


@dataclass
class Records:
    kind: str
    total: int
    rows: list[list]
    refs: list[dict] = field(default_factory=list)  # per row: {column index: (record kind, id)} for links

    @property
    def columns(self) -> list[str]:
        return COLUMNS[self.kind]


def _ids(indicator_id: str, f: ind.Filters) -> tuple[str, Select]:
    """The record kind and a select of the ids the indicator counts (or, for a rate, its denominator)."""
    if indicator_id in FUNNEL_IDS:
        return "offer", stage_offer_ids(f, FUNNEL_IDS[indicator_id].key)
    if indicator_id == "offers_published":
        return "offer", ind.statement(indicator_id, f).with_only_columns(Offer.id)
    if indicator_id == "demands_published":
        return "demand", ind.statement(indicator_id, f).with_only_columns(Demand.id)
    if indicator_id.startswith("matches_") or indicator_id == "response_hours":
        source = "matches_contacted" if indicator_id == "response_hours" else indicator_id
        return "match", ind.statement(source, f).with_only_columns(Match.id)
    if indicator_id in ind.DEAL_SUMS:
        return "deal", ind.deal_sum(indicator_id, f, DealFact).with_only_columns(DealFact.deal_id)
    if indicator_id in ind.EVENT_OUTCOMES:
        return "event_meeting", ind.event_meetings(indicator_id, f, Meeting.id)
    if indicator_id == "event_deals":
        return "deal", ind.event_deals(f).with_only_columns(DealFact.deal_id)
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
    """A cell as people read it: timestamps in Beijing time to the minute, dates as YYYY-MM-DD, labels in Chinese."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return beijing_minute(value)
    if isinstance(value, date):
        return value.isoformat()
    return getattr(value, "zh", None) or str(value)


def _wan(amount) -> str:
    """Yuan as 万元 with two decimals (the unit of every amount indicator)."""
    return "" if amount is None else str((Decimal(amount) / 10000).quantize(CENT, ROUND_HALF_UP))


def _rows(db: Session, kind: str, ids: list[int], f: ind.Filters) -> tuple[list[list], list[dict]]:
    if kind == "deal":
        deals = list(db.scalars(select(Deal).where(Deal.id.in_(ids)).order_by(Deal.id.desc())).unique())
        return ([[d.id, d.type.zh, d.from_org.name, d.to_org.name if d.to_org else "", _wan(d.counted_amount),
                  _text(d.contract_date), "、".join(p.application_number for p in d.patents)] for d in deals],
                [{0: ("deal", d.id)} for d in deals])
    if kind in ("offer", "demand"):
        model = Offer if kind == "offer" else Demand
        items = list(db.scalars(select(model).where(model.id.in_(ids)).order_by(model.id.desc())).unique())
        return ([[o.id, o.title, (o.owner if kind == "offer" else o.organisation).name, _text(o.published_at)]
                 for o in items], [{0: (kind, o.id), 1: (kind, o.id)} for o in items])
    if kind == "match":
        items = list(db.scalars(select(Match).where(Match.id.in_(ids)).order_by(Match.id.desc())).unique())
        return ([[m.id, m.demand.title, m.offer.title, m.status.zh, _text(m.suggested_at), _text(m.contacted_at),
                  _text(m.agreed_at)] for m in items],
                [{0: ("match", m.id), 1: ("demand", m.demand_id), 2: ("offer", m.offer_id)} for m in items])
    if kind == "event_meeting":
        items = list(db.scalars(select(Meeting).where(Meeting.id.in_(ids)).order_by(Meeting.id.desc())).unique())
        events = {m.event_id: m.event for m in items}
        return ([[m.id, events[m.event_id].title, _text(events[m.event_id].day), m.pair.a.organisation.name,
                  m.pair.b.organisation.name, m.outcome.zh, _wan(m.amount) if m.amount is not None else ""]
                 for m in items], [{} for _ in items])
    on = ConvertedPatentFact.patent_id == Patent.id
    if f.end:
        on = on & (ConvertedPatentFact.first_day <= f.end)
    items = list(db.execute(select(Patent.id, Patent.application_number, Patent.title, ConvertedPatentFact.first_day)
                            .outerjoin(ConvertedPatentFact, on).where(Patent.id.in_(ids)).order_by(Patent.id.desc())))
    return [[i, n, t, _text(d)] for i, n, t, d in items], [{0: ("patent", i), 2: ("patent", i)} for i, *_ in items]


def records(db: Session, indicator_id: str, f: ind.Filters, page: int = 1, size: int = 50) -> Records:
    """One page of the records (newest first) and their total."""
    kind, ids = _ids(indicator_id, f)
    sub = ids.subquery()
    total = db.scalar(select(func.count()).select_from(sub))
    key = sub.c[0]
    page_ids = list(db.scalars(select(key).order_by(key.desc()).limit(size).offset((page - 1) * size)))
    rows, refs = _rows(db, kind, page_ids, f)
    return Records(kind, total, rows, refs)


def every_record(db: Session, indicator_id: str, f: ind.Filters, limit: int) -> Records:
    """All the records (for a download), read 500 at a time; refused when there are more than ``limit``."""
    kind, ids = _ids(indicator_id, f)
    key = ids.subquery().c[0]
    all_ids = list(db.scalars(select(key).order_by(key.desc()).limit(limit + 1)))
    if len(all_ids) > limit:
        raise FieldError(f"more than {limit} records; narrow the period or filters",
                         f"记录超过 {limit} 条，请缩小统计期间或筛选条件后再下载", field="format")
    rows = [row for i in range(0, len(all_ids), 500) for row in _rows(db, kind, all_ids[i:i + 500], f)[0]]
    return Records(kind, len(all_ids), rows)
