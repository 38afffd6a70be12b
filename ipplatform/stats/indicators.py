"""The indicator catalogue: every number the office reports, defined once, computed in SQL.

Each indicator has an id, Chinese name, definition, formula and unit (rendered at /stats/indicators).
``compute(db, id, filters)`` returns the value; ``breakdown(db, id, filters, by)`` the value per county,
industry section, organisation kind, deal type or month. Filters select the *subject organisation*
(the rights holder for deals and offers, the demanding organisation for demands and matches) and
the period (by contract date for deals, by the event's own timestamp otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from decimal import Decimal

from sqlalchemy import Select, String, case, distinct, func, select
from sqlalchemy.orm import Session

from ipplatform.demands.models import Demand
from ipplatform.matching.models import Match
from ipplatform.offers.models import Offer, offer_patent
from ipplatform.organisations.models import Organisation
from ipplatform.outcomes.enums import TRANSFER_OR_LICENCE, DealStatus, DealType
from ipplatform.outcomes.models import Conversion, Deal, conversion_patent, deal_patent

UNIVERSITY_KINDS = ("university", "research_institute")


@dataclass(frozen=True)
class Filters:
    start: date | None = None
    end: date | None = None
    county: str | None = None  # a county code, or a city/province code (prefix match)
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
    Indicator("deals_amount", "交易金额", "万元", "期间内已登记交易的合同金额合计（质押以贷款金额、作价入股以作价金额计）。",
              "sum(coalesce(amount, loan_amount, valuation)) / 10000"),
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
BY_ID = {i.id: i for i in CATALOGUE}


def _bounds(f: Filters) -> tuple[datetime | None, datetime | None]:
    lo = datetime.combine(f.start, time.min, timezone.utc) if f.start else None
    hi = datetime.combine(f.end, time.max, timezone.utc) if f.end else None
    return lo, hi


def _org_filters(stmt: Select, f: Filters, org) -> Select:
    if f.county:
        code = f.county.rstrip("0") if f.county.endswith("00") else f.county
        stmt = stmt.where(org.county_code.startswith(code))
    if f.industry_section:
        from ipplatform import reference

        divisions = [c for c, i in reference.industries().items() if i.section == f.industry_section]
        stmt = stmt.where(func.substr(org.industry_code, 1, 2).in_([d for d in divisions if len(d) == 2]))
    if f.org_kind:
        stmt = stmt.where(org.kind == f.org_kind)
    return stmt


def _period(stmt: Select, column, f: Filters, as_date: bool = False) -> Select:
    lo, hi = (f.start, f.end) if as_date else _bounds(f)
    if lo is not None:
        stmt = stmt.where(column >= lo)
    if hi is not None:
        stmt = stmt.where(column <= hi)
    return stmt


def _deals(f: Filters, *types) -> Select:
    stmt = select(Deal).join(Organisation, Organisation.id == Deal.from_org_id).where(
        Deal.status == DealStatus.RECORDED)
    if types:
        stmt = stmt.where(Deal.type.in_(types))
    return _org_filters(_period(stmt, Deal.contract_date, f, as_date=True), f, Organisation)


def statement(indicator_id: str, f: Filters) -> Select:
    """The SQL of a count/sum indicator, as a subquery-able select with one value column."""
    if indicator_id == "offers_published":
        stmt = select(func.count(Offer.id)).join(Organisation, Organisation.id == Offer.owner_org_id)
        return _org_filters(_period(stmt, Offer.published_at, f), f, Organisation)
    if indicator_id == "demands_published":
        stmt = select(func.count(Demand.id)).join(Organisation, Organisation.id == Demand.org_id)
        return _org_filters(_period(stmt, Demand.published_at, f), f, Organisation)
    if indicator_id in ("matches_generated", "matches_contacted", "matches_agreed"):
        column = {"matches_generated": Match.suggested_at, "matches_contacted": Match.contacted_at,
                  "matches_agreed": Match.agreed_at}[indicator_id]
        stmt = (select(func.count(Match.id)).join(Demand, Demand.id == Match.demand_id)
                .join(Organisation, Organisation.id == Demand.org_id).where(column.is_not(None)))
        return _org_filters(_period(stmt, column, f), f, Organisation)
    if indicator_id == "deals_count":
        return _deals(f).with_only_columns(func.count(Deal.id))
    if indicator_id == "deals_patents":  # GROUP BY (hash aggregate) instead of count(distinct) (a sort)
        patents = _deals(f).join(deal_patent, deal_patent.c.deal_id == Deal.id).with_only_columns(
            deal_patent.c.patent_id).group_by(deal_patent.c.patent_id).subquery()
        return select(func.count()).select_from(patents)
    if indicator_id == "deals_amount":
        return _deals(f).with_only_columns(
            func.coalesce(func.sum(func.coalesce(Deal.amount, Deal.loan_amount, Deal.valuation)), 0) / 10000)
    if indicator_id == "pledge_amount":
        return _deals(f, DealType.PLEDGE).with_only_columns(func.coalesce(func.sum(Deal.loan_amount), 0) / 10000)
    if indicator_id == "pledge_enterprises":
        return _deals(f, DealType.PLEDGE).where(Organisation.kind == "enterprise").with_only_columns(
            func.count(distinct(Deal.from_org_id)))
    if indicator_id == "univ_transfer_licence":
        return _deals(f, *TRANSFER_OR_LICENCE).where(Organisation.kind.in_(UNIVERSITY_KINDS)).with_only_columns(
            func.count(Deal.id))
    if indicator_id == "flagged_deals":
        from ipplatform.credit.models import CreditFlag

        flagged = select(CreditFlag.deal_id).where(CreditFlag.status == "open")
        return _deals(f).where(Deal.id.in_(flagged)).with_only_columns(func.count(Deal.id))
    raise KeyError(indicator_id)


def _number(value) -> float:
    if value is None:
        return 0.0
    return float(value) if isinstance(value, Decimal | float) else float(value)


def compute(db: Session, indicator_id: str, f: Filters = Filters()) -> float:
    if indicator_id == "univ_share":
        total = _number(db.scalar(_deals(f, *TRANSFER_OR_LICENCE).with_only_columns(func.count(Deal.id))))
        part = compute(db, "univ_transfer_licence", f)
        return round(100 * part / total, 2) if total else 0.0
    if indicator_id in ("conversion_rate_listed", "conversion_rate_university"):
        if indicator_id == "conversion_rate_listed":
            pid = offer_patent.c.patent_id
            base = _org_filters(select(pid).join(Offer, Offer.id == offer_patent.c.offer_id).join(
                Organisation, Organisation.id == Offer.owner_org_id).where(Offer.published_at.is_not(None)), f, Organisation)
        else:
            pid = deal_patent.c.patent_id
            base = (_deals(f, *TRANSFER_OR_LICENCE).where(Organisation.kind.in_(UNIVERSITY_KINDS))
                    .join(deal_patent, deal_patent.c.deal_id == Deal.id).with_only_columns(pid))
        converted = select(conversion_patent.c.patent_id).join(
            Conversion, Conversion.id == conversion_patent.c.conversion_id).where(conversion_patent.c.patent_id == pid)
        if f.end:
            converted = converted.where(Conversion.start_date <= f.end)
        patents = base.group_by(pid).add_columns(
            func.max(case((converted.exists(), 1), else_=0)).label("conv")).subquery()
        n, n_conv = db.execute(select(func.count(), func.coalesce(func.sum(patents.c.conv), 0))).one()
        return round(100 * float(n_conv) / n, 2) if n else 0.0
    if indicator_id == "response_hours":
        stmt = (select(Match.suggested_at, Match.contacted_at).join(Demand, Demand.id == Match.demand_id)
                .join(Organisation, Organisation.id == Demand.org_id).where(Match.contacted_at.is_not(None)))
        stmt = _org_filters(_period(stmt, Match.contacted_at, f), f, Organisation)
        if db.bind.dialect.name == "postgresql":  # the median in the database, not 100k rows in Python
            seconds = func.extract("epoch", Match.contacted_at - Match.suggested_at)
            value = db.scalar(stmt.with_only_columns(func.percentile_cont(0.5).within_group(seconds)))
            return round(float(value) / 3600, 2) if value is not None else 0.0
        hours = sorted((c - s).total_seconds() / 3600 for s, c in db.execute(stmt))
        if not hours:
            return 0.0
        mid = len(hours) // 2
        return round(hours[mid] if len(hours) % 2 else (hours[mid - 1] + hours[mid]) / 2, 2)
    return round(_number(db.scalar(statement(indicator_id, f))), 2)


DIMENSIONS = {"county": Organisation.county_code, "org_kind": Organisation.kind,
              "industry": func.substr(Organisation.industry_code, 1, 2)}


def breakdown(db: Session, indicator_id: str, f: Filters, by: str) -> dict[str, float]:
    """Value per county / org_kind / industry division / deal type / month (count and sum indicators)."""
    stmt = statement(indicator_id, f)
    if by == "ipc_section":
        if not indicator_id.startswith(("deals", "pledge", "univ", "flagged")):
            raise KeyError(f"{indicator_id} has no IPC breakdown")
        from ipplatform.patents.models import Patent

        first = (select(deal_patent.c.deal_id, func.min(deal_patent.c.patent_id).label("pid"))
                 .group_by(deal_patent.c.deal_id).subquery())
        key = func.substr(Patent.ipc_main, 1, 1)
        stmt = stmt.join(first, first.c.deal_id == Deal.id).join(Patent, Patent.id == first.c.pid)
        rows = db.execute(stmt.add_columns(key).group_by(key))
        return dict(sorted((str(k or "未知"), round(_number(v), 2)) for v, k in rows))
    if by == "type":
        if not indicator_id.startswith(("deals", "pledge", "univ")):
            raise KeyError(f"{indicator_id} has no deal type")
        key = Deal.type
    elif by == "month":
        column = Deal.contract_date if indicator_id.startswith(("deals", "pledge", "univ")) else {
            "offers_published": Offer.published_at, "demands_published": Demand.published_at}.get(indicator_id)
        if column is None:
            raise KeyError(f"{indicator_id} has no month breakdown")
        key = func.substr(func.cast(column, String), 1, 7)
    else:
        key = DIMENSIONS[by]
    rows = db.execute(stmt.add_columns(key).group_by(key))
    out = {}
    for value, k in rows:
        k = getattr(k, "value", k)
        out[str(k) if k is not None else "未知"] = round(_number(value), 2)
    return dict(sorted(out.items()))


FUNNEL = [("发布供给", "offers_published"), ("生成匹配", "matches_generated"), ("已对接", "matches_contacted"),
          ("达成意向", "matches_agreed"), ("登记交易", "deals_count")]


def funnel(db: Session, f: Filters = Filters()) -> list[tuple[str, float]]:
    """listing → match → contact → agreement → deal, with each stage's count."""
    return [(stage, compute(db, i, f)) for stage, i in FUNNEL]
