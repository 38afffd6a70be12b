"""The indicator catalogue: every number the office reports, defined once, computed in SQL.

Each indicator has an id, Chinese name, definition, formula and unit (rendered at /stats/indicators).
``compute(db, id, filters)`` returns the value; ``breakdown(db, id, filters, by)`` the value per county,
industry section, organisation kind, deal type or month. Filters select the *subject organisation*
(the rights holder for deals and offers, the demanding organisation for demands and matches) and
the period (by contract date for deals, by the event's own timestamp otherwise).

Deal and conversion indicators read the fact tables of ``ipplatform.stats.models`` (kept current by a
session hook): daily sums for counts and amounts, per-deal rows for distinct lenders and IPC sections,
per-deal-patent rows whose previous-deal day turns "distinct patents in a period" into a plain count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, String, case, distinct, func, or_, select
from sqlalchemy.orm import Session

from ipplatform import reference
from ipplatform.common.timefmt import beijing_day_bounds
from ipplatform.demands.models import Demand
from ipplatform.events.enums import HELD, Outcome
from ipplatform.events.models import Event, EventPair, Meeting, Participant
from ipplatform.matching.models import Match
from ipplatform.offers.models import Offer
from ipplatform.organisations.models import Organisation
from ipplatform.outcomes.enums import TRANSFER_OR_LICENCE, DealType
from ipplatform.outcomes.models import Deal
from ipplatform.stats.facts import UNIVERSITY_KINDS
from ipplatform.stats.models import ConvertedPatentFact, DealDay, DealFact, DealPatentFact, ListedPatentFact

@dataclass(frozen=True)
class Filters:
    start: date | None = None
    end: date | None = None
    county: str | None = None  # a county code, or a city/province code (see reference.division_range)
    industry_section: str | None = None  # GB/T 4754 section letter of the subject organisation
    org_kind: str | None = None


@dataclass(frozen=True)
class Indicator:
    id: str
    name_zh: str
    unit: str
    definition: str
    formula: str


CATALOGUE = [
    Indicator("offers_published", "发布专利供给数", "项", "期间内发布（首次或再次发布）的专利供给信息条数。",
              "count(offer where published_at in period)"),
    Indicator("demands_published", "发布技术需求数", "项", "期间内发布的技术需求信息条数。",
              "count(demand where published_at in period)"),
    Indicator("matches_generated", "生成供需匹配数", "对", "期间内系统或人工推荐的需求–专利匹配数。",
              "count(match where suggested_at in period)"),
    Indicator("matches_contacted", "已对接匹配数", "对", "期间内进入“已联系”及以后阶段的匹配数。",
              "count(match where contacted_at in period)"),
    Indicator("matches_agreed", "达成意向匹配数", "对", "期间内达成合作的匹配数。", "count(match where agreed_at in period)"),
    Indicator("deals_count", "交易笔数", "笔", "期间内签订并登记的专利交易（转让、许可、质押、作价入股等）笔数。",
              "count(deal where status = recorded and contract_date in period)"),
    Indicator("deals_patents", "交易涉及专利数", "件", "期间内已登记交易涉及的专利件数（去重）。",
              "count(distinct patent in recorded deals in period)"),
    Indicator("deals_amount", "交易金额", "万元",
              "期间内已登记交易的金额合计：质押融资一律以贷款金额计、作价入股一律以作价金额计（即使另填了合同金额），"
              "其他交易以合同金额计；未填相应金额的交易计 0。",
              "sum(case type when pledge then loan_amount when equity then valuation else amount end) / 10000"),
    Indicator("pledge_amount", "质押融资金额", "万元", "期间内已登记的专利质押融资贷款金额合计。",
              "sum(loan_amount where type = pledge) / 10000"),
    Indicator("pledge_enterprises", "获得质押融资企业数", "家", "期间内以专利质押获得贷款的企业数（去重）。",
              "count(distinct from_org where type = pledge and from_org.kind = enterprise)"),
    Indicator("univ_transfer_licence", "高校院所转让许可次数", "次", "期间内出让方或许可方为高校、科研院所的转让与许可交易笔数。",
              "count(recorded transfer/licence deals where from_org.kind in (university, research institute))"),
    Indicator("univ_share", "高校院所转让许可占比", "%", "高校院所转让许可次数占全部转让许可次数的比例。",
              "univ_transfer_licence / count(recorded transfer/licence deals) × 100"),
    Indicator("conversion_rate_listed", "上架专利产业化率", "%", "曾在平台发布供给的专利中，已登记产业化（产品或产线）的比例（截至期末）。",
              "count(distinct listed patent with conversion) / count(distinct listed patent) × 100"),
    Indicator("conversion_rate_university", "高校院所专利产业化率", "%",
              "高校、科研院所作为出让方或许可方交易的专利中，已登记产业化的比例（截至期末）。",
              "count(distinct university-deal patent with conversion) / count(distinct university-deal patent) × 100"),
    Indicator("response_hours", "权利人响应时长（中位数）", "小时", "期间内被联系的匹配，从推荐到联系所用时间的中位数。",
              "median(contacted_at − suggested_at) over matches contacted in period"),
    Indicator("flagged_deals", "信用预警交易数", "笔", "期间内被信用规则标记且尚未核销的已登记交易笔数。",
              "count(distinct recorded deal with an open credit flag)"),
]
# Matchmaking events (ipplatform.events): meetings by their outcome, subject organisation the demand side,
# period the event's day; deals traced to an event from the deal facts (the rights holder, the contract date).
EVENT_CATALOGUE = [
    Indicator("event_meetings_held", "对接活动洽谈场次", "场", "期间内举办的对接活动中实际进行的一对一洽谈场次（结果为无合作意向、继续沟通、意向或签约）。",
              "count(event_meeting where outcome in (no_interest, follow_up, intention, agreement) and event.day in period)"),
    Indicator("event_intentions", "对接活动达成意向数", "项", "期间内对接活动洽谈结果为“意向”的场次。",
              "count(event_meeting where outcome = intention)"),
    Indicator("event_agreements", "对接活动现场签约数", "项", "期间内对接活动洽谈结果为“签约”的场次。",
              "count(event_meeting where outcome = agreement)"),
    Indicator("event_agreement_amount", "对接活动签约金额", "万元", "期间内对接活动现场签约填报的金额合计。",
              "sum(event_meeting.amount where outcome = agreement) / 10000"),
    Indicator("event_deals", "对接活动溯源交易数", "笔", "期间内签订并登记、可溯源到某次对接活动洽谈的专利交易笔数。",
              "count(recorded deal where event_id is not null and contract_date in period)"),
]
EVENT_OUTCOMES = {"event_meetings_held": HELD, "event_intentions": (Outcome.INTENTION,),
                  "event_agreements": (Outcome.AGREEMENT,), "event_agreement_amount": (Outcome.AGREEMENT,)}
REPORTED = CATALOGUE + EVENT_CATALOGUE  # what the dashboard, the Excel report and the catalogue page show
BY_ID = {i.id: i for i in REPORTED}


def event_meetings(indicator_id: str, f: Filters, value=None) -> Select:
    """Meetings of an event indicator, with ``value`` (default: their count) as the selected column."""
    stmt = (select(func.count(Meeting.id) if value is None else value).select_from(Meeting)
            .join(Event, Event.id == Meeting.event_id).join(EventPair, EventPair.id == Meeting.pair_id)
            .join(Participant, Participant.id == EventPair.b_id).join(Organisation, Organisation.id == Participant.org_id)
            .where(Meeting.outcome.in_([o.value for o in EVENT_OUTCOMES[indicator_id]])))
    return _org_filters(_period(stmt, Event.day, f, as_date=True), f, Organisation)


def event_deals(f: Filters) -> Select:
    stmt = select(func.count()).select_from(DealFact).join(Deal, Deal.id == DealFact.deal_id).where(
        Deal.event_id.is_not(None))
    return fact_filters(stmt, f, DealFact)


def _bounds(f: Filters) -> tuple[datetime | None, datetime | None]:
    """The period's first and last instants: its days are Beijing's, as the pages show timestamps."""
    return beijing_day_bounds(f.start, f.end)


def _has_dims(f: Filters) -> bool:
    return bool(f.county or f.industry_section or f.org_kind)


def _divisions(section: str) -> list[str]:
    return [c for c, i in reference.industries().items() if i.section == section and len(c) == 2]


def dims(stmt: Select, f: Filters, county, division, kind) -> Select:
    """The subject-organisation filters, on whichever table carries the three columns."""
    if f.county:  # a county code, or a city/province code standing for every county under it
        area = reference.division_range(f.county)
        if area.prefix == f.county:
            stmt = stmt.where(county == f.county)
        else:  # a range rather than LIKE 'code%', so a btree index serves it under any collation
            stmt = stmt.where(county >= area.lo, *([county < area.hi] if area.hi else []))
    if f.industry_section:
        stmt = stmt.where(division.in_(_divisions(f.industry_section)))
    if f.org_kind:
        stmt = stmt.where(kind == f.org_kind)
    return stmt


def _org_filters(stmt: Select, f: Filters, org) -> Select:
    return dims(stmt, f, org.county_code, func.substr(org.industry_code, 1, 2), org.kind)


def fact_filters(stmt: Select, f: Filters, fact) -> Select:
    return dims(_period(stmt, fact.day, f, as_date=True), f, fact.county_code, fact.industry_div, fact.org_kind)


def _period(stmt: Select, column, f: Filters, as_date: bool = False) -> Select:
    lo, hi = (f.start, f.end) if as_date else _bounds(f)
    if lo is not None:
        stmt = stmt.where(column >= lo)
    if hi is not None:
        stmt = stmt.where(column <= hi)
    return stmt


# Deal indicators summed from the daily facts: (measure, conditions on the fact table)
DEAL_SUMS = {
    "deals_count": ("deals", lambda m: []),
    "deals_amount": ("value", lambda m: []),
    "pledge_amount": ("loan", lambda m: [m.type == DealType.PLEDGE.value]),
    "univ_transfer_licence": ("deals", lambda m: [m.type.in_(TL), m.org_kind.in_(UNIVERSITY_KINDS)]),
    "flagged_deals": ("deals", lambda m: [m.flagged.is_(True)]),
}
TL = sorted(t.value for t in TRANSFER_OR_LICENCE)


def _measure(measure: str, model):
    if measure == "deals":
        return func.coalesce(func.sum(model.deals), 0) if model is DealDay else func.count()
    return func.coalesce(func.sum(getattr(model, measure)), 0) / 10000


def deal_sum(indicator_id: str, f: Filters, model=DealDay) -> Select:
    measure, conditions = DEAL_SUMS[indicator_id]
    return fact_filters(select(_measure(measure, model)).select_from(model).where(*conditions(model)), f, model)


def statement(indicator_id: str, f: Filters) -> Select:
    """The SQL of a count/sum indicator, as a select with one value column (a breakdown adds its key)."""
    if indicator_id == "offers_published":
        stmt = (select(func.count(Offer.id)).join(Organisation, Organisation.id == Offer.owner_org_id)
                .where(Offer.published_at.is_not(None)))  # never published (drafts): not counted, whatever the period
        return _org_filters(_period(stmt, Offer.published_at, f), f, Organisation)
    if indicator_id == "demands_published":
        stmt = (select(func.count(Demand.id)).join(Organisation, Organisation.id == Demand.org_id)
                .where(Demand.published_at.is_not(None)))
        return _org_filters(_period(stmt, Demand.published_at, f), f, Organisation)
    if indicator_id in ("matches_generated", "matches_contacted", "matches_agreed"):
        column = {"matches_generated": Match.suggested_at, "matches_contacted": Match.contacted_at,
                  "matches_agreed": Match.agreed_at}[indicator_id]
        stmt = (select(func.count(Match.id)).join(Demand, Demand.id == Match.demand_id)
                .join(Organisation, Organisation.id == Demand.org_id).where(column.is_not(None)))
        return _org_filters(_period(stmt, column, f), f, Organisation)
    if indicator_id in DEAL_SUMS:
        return deal_sum(indicator_id, f)
    if indicator_id == "deals_patents":
        return fact_filters(select(func.count(distinct(DealPatentFact.patent_id))), f, DealPatentFact)
    if indicator_id == "pledge_enterprises":
        return fact_filters(select(func.count(distinct(DealFact.from_org_id))).where(
            DealFact.type == DealType.PLEDGE.value, DealFact.org_kind == "enterprise"), f, DealFact)
    if indicator_id == "event_agreement_amount":
        return event_meetings(indicator_id, f, func.coalesce(func.sum(Meeting.amount), 0) / 10000)
    if indicator_id in EVENT_OUTCOMES:
        return event_meetings(indicator_id, f)
    if indicator_id == "event_deals":
        return event_deals(f)
    raise KeyError(indicator_id)


def _first_rows(f: Filters, univ: bool = False) -> Select:
    """Deal-patent facts in the period that are their patent's first in it: one row per distinct patent
    (valid without organisation filters, which the previous-deal day does not know about)."""
    m = DealPatentFact
    prev = m.prev_univ_day if univ else m.prev_day
    stmt = _period(select(m.patent_id), m.day, f, as_date=True)
    stmt = stmt.where(prev.is_(None) if f.start is None else or_(prev.is_(None), prev < f.start))
    return stmt.where(m.univ_tl.is_(True)) if univ else stmt


def _number(value) -> float:
    return 0.0 if value is None else float(value)


def _conversion_rate(db: Session, patents: Select, f: Filters) -> float | None:
    """Share of the (distinct) patents selected by ``patents`` with an industrialisation by the period end."""
    base = patents.subquery()
    on = ConvertedPatentFact.patent_id == base.c.patent_id
    if f.end:
        on = on & (ConvertedPatentFact.first_day <= f.end)
    n, n_conv = db.execute(select(func.count(), func.count(ConvertedPatentFact.patent_id))
                           .select_from(base).outerjoin(ConvertedPatentFact, on)).one()
    return round(100 * float(n_conv) / n, 2) if n else None


def compute(db: Session, indicator_id: str, f: Filters = Filters()) -> float | None:
    """The indicator's value under the filters; None when a share or median has nothing to measure (no
    transfer or licence for 高校院所转让许可占比, no listed patent for a conversion rate, no contacted match for
    the response time): no data, which is not 0."""
    if indicator_id == "univ_share":
        m = DealDay
        univ = func.coalesce(func.sum(case((m.org_kind.in_(UNIVERSITY_KINDS), m.deals), else_=0)), 0)
        part, total = db.execute(fact_filters(select(univ, func.coalesce(func.sum(m.deals), 0)).where(
            m.type.in_(TL)), f, m)).one()
        return round(100 * float(part) / float(total), 2) if total else None
    if indicator_id == "deals_patents" and not _has_dims(f):
        return float(db.scalar(select(func.count()).select_from(_first_rows(f).subquery())))
    if indicator_id == "conversion_rate_listed":
        m = ListedPatentFact
        if _has_dims(f):
            patents = dims(select(m.patent_id), f, m.county_code, m.industry_div, m.org_kind).distinct()
        else:
            patents = select(m.patent_id).where(m.is_primary.is_(True))
        return _conversion_rate(db, patents, f)
    if indicator_id == "conversion_rate_university":
        m = DealPatentFact
        if _has_dims(f):
            patents = fact_filters(select(m.patent_id).where(m.univ_tl.is_(True)), f, m).distinct()
        else:
            patents = _first_rows(f, univ=True)
        return _conversion_rate(db, patents, f)
    if indicator_id == "response_hours":
        stmt = (select(Match.suggested_at, Match.contacted_at).join(Demand, Demand.id == Match.demand_id)
                .join(Organisation, Organisation.id == Demand.org_id).where(Match.contacted_at.is_not(None)))
        stmt = _org_filters(_period(stmt, Match.contacted_at, f), f, Organisation)
        if db.bind.dialect.name == "postgresql":  # the median in the database, not 100k rows in Python
            seconds = func.extract("epoch", Match.contacted_at - Match.suggested_at)
            value = db.scalar(stmt.with_only_columns(func.percentile_cont(0.5).within_group(seconds)))
            return round(float(value) / 3600, 2) if value is not None else None
        hours = sorted((c - s).total_seconds() / 3600 for s, c in db.execute(stmt))
        if not hours:
            return None
        mid = len(hours) // 2
        return round(hours[mid] if len(hours) % 2 else (hours[mid - 1] + hours[mid]) / 2, 2)
    return round(_number(db.scalar(statement(indicator_id, f))), 2)


DEAL_FACT_INDICATORS = (*DEAL_SUMS, "deals_patents", "pledge_enterprises", "event_deals")


def _key(indicator_id: str, by: str):
    """The grouping column of a breakdown, on the table the indicator's statement reads."""
    if indicator_id in DEAL_FACT_INDICATORS:
        model = DealPatentFact if indicator_id == "deals_patents" else (
            DealFact if indicator_id in ("pledge_enterprises", "event_deals") else DealDay)
        columns = {"county": model.county_code, "org_kind": model.org_kind, "industry": model.industry_div,
                   "type": model.type, "month": func.substr(func.cast(model.day, String), 1, 7)}
        return columns[by]
    if by == "type":
        raise KeyError(f"{indicator_id} has no deal type")
    if by == "month":
        column = {"offers_published": Offer.published_at, "demands_published": Demand.published_at}.get(indicator_id)
        if column is None:
            raise KeyError(f"{indicator_id} has no month breakdown")
        return func.substr(func.cast(column, String), 1, 7)
    return DIMENSIONS[by]


DIMENSIONS = {"county": Organisation.county_code, "org_kind": Organisation.kind,
              "industry": func.substr(Organisation.industry_code, 1, 2)}


def breakdown(db: Session, indicator_id: str, f: Filters, by: str) -> dict[str, float]:
    """Value per county / org_kind / industry division / deal type / month / IPC section (count and sum
    indicators)."""
    if by == "ipc_section":
        if indicator_id not in DEAL_SUMS:
            raise KeyError(f"{indicator_id} has no IPC breakdown")
        stmt, key = deal_sum(indicator_id, f, DealFact), DealFact.ipc_section
    else:
        stmt, key = statement(indicator_id, f), _key(indicator_id, by)
    out = {}
    for value, k in db.execute(stmt.add_columns(key).group_by(key)):
        k = getattr(k, "value", k)
        out[str(k) if k is not None else "未知"] = round(_number(value), 2)
    return dict(sorted(out.items()))
