"""Every indicator recomputed in plain Python from its written definition (the catalogue text shown at
/stats/indicators), never from the SQL or its helpers: this module imports nothing from
``ipplatform.stats`` and shares no code with it.

The rules, as the documentation states them:

- period: the start and end dates are both included; a deal counts by its contract date (an undated deal
  only when no period is chosen), everything else by its event's timestamp, taken as a UTC date;
- region: the subject organisation's division code lies inside the chosen county, city or province, by the
  parent columns of the NBS 2023 division table (``tests.reference_oracle.inside``);
- industry: the subject organisation's GB/T 4754 division belongs to the chosen section (the GB/T table);
- amount (交易金额): a pledge counts its loan, an equity contribution its valuation, whatever else is filled
  in; any other deal its contract amount; a missing amount counts 0.

Rows are plain dicts (``source_rows`` reads them from the source tables, or a test writes them itself);
an organisation is anything with ``id``, ``county_code``, ``industry_code`` and ``kind``. Filters are
anything with ``start``, ``end``, ``county``, ``industry_section`` and ``org_kind``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from tests.reference_oracle import in_section, inside

# 转让与许可: the transfer and the four licence types (独占、排他、普通、开放许可)
TRANSFER_AND_LICENCE = frozenset({"transfer", "exclusive_licence", "sole_licence", "ordinary_licence", "open_licence"})
UNIVERSITY_OR_INSTITUTE = frozenset({"university", "research_institute"})  # 高校、科研院所


def _value(enum_or_str) -> str:
    return getattr(enum_or_str, "value", enum_or_str)


BEIJING = timezone(timedelta(hours=8))  # written here, not imported: the oracle restates the rule


def counted_amount(deal: dict) -> Decimal:
    """质押以贷款金额、作价入股以作价金额计; other deals their contract amount."""
    deal_type = _value(deal["type"])
    field = {"pledge": "loan_amount", "equity": "valuation"}.get(deal_type, "amount")
    return Decimal(deal.get(field) or 0)


def day_of(value) -> date | None:
    """The Beijing calendar day of a date or timestamp (the day the pages show); naive timestamps are UTC, as
    the database stores them."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).astimezone(BEIJING).date()
    return value


def in_period(value, flt) -> bool:
    day = day_of(value)
    if day is None:
        return False
    return (flt.start is None or flt.start <= day) and (flt.end is None or day <= flt.end)


def org_selected(org, flt) -> bool:
    return ((not flt.county or inside(org.county_code, flt.county))
            and (not flt.org_kind or _value(org.kind) == flt.org_kind)
            and (not flt.industry_section or in_section(org.industry_code, flt.industry_section)))


def recorded_deals(rows: dict, flt) -> list[dict]:
    """The recorded deals in the period whose rights holder the filters select."""
    def dated_ok(d) -> bool:
        return in_period(d["date"], flt) if d["date"] else not (flt.start or flt.end)

    return [d for d in rows["deals"] if _value(d["status"]) == "recorded" and dated_ok(d) and org_selected(d["org"], flt)]


def _median(values: list[float]) -> float | None:
    values = sorted(values)
    if not values:
        return None
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def _rate(part: set, whole: set) -> float | None:
    return round(100 * len(part & whole) / len(whole), 2) if whole else None


def _wan(amount) -> float:
    return round(float(amount) / 10000, 2)


def expected(rows: dict, indicator: str, flt) -> float:
    deals = recorded_deals(rows, flt)
    tl = [d for d in deals if _value(d["type"]) in TRANSFER_AND_LICENCE]
    univ = [d for d in tl if _value(d["org"].kind) in UNIVERSITY_OR_INSTITUTE]
    converted = {p for c in rows["conversions"] if flt.end is None or c["start"] <= flt.end for p in c["patents"]}
    if indicator == "offers_published":
        return len([o for o in rows["offers"] if in_period(o["at"], flt) and org_selected(o["org"], flt)])
    if indicator == "demands_published":
        return len([o for o in rows["demands"] if in_period(o["at"], flt) and org_selected(o["org"], flt)])
    if indicator.startswith("matches_"):
        key = {"matches_generated": "suggested", "matches_contacted": "contacted", "matches_agreed": "agreed"}[indicator]
        return len([m for m in rows["matches"] if in_period(m[key], flt) and org_selected(m["org"], flt)])
    if indicator == "deals_count":
        return len(deals)
    if indicator == "deals_patents":
        return len({p for d in deals for p in d["patents"]})
    if indicator == "deals_amount":
        return _wan(sum((counted_amount(d) for d in deals), Decimal(0)))
    if indicator == "pledge_amount":
        return _wan(sum((Decimal(d.get("loan_amount") or 0) for d in deals if _value(d["type"]) == "pledge"), Decimal(0)))
    if indicator == "pledge_enterprises":
        return len({d["org"].id for d in deals if _value(d["type"]) == "pledge" and _value(d["org"].kind) == "enterprise"})
    if indicator == "univ_transfer_licence":
        return len(univ)
    if indicator == "univ_share":
        return round(100 * len(univ) / len(tl), 2) if tl else None
    if indicator == "flagged_deals":
        return len([d for d in deals if d["flagged"]])
    if indicator == "response_hours":
        median = _median([(m["contacted"] - m["suggested"]).total_seconds() / 3600 for m in rows["matches"]
                          if in_period(m["contacted"], flt) and org_selected(m["org"], flt)])
        return None if median is None else round(median, 2)
    if indicator == "conversion_rate_university":
        return _rate(converted, {p for d in univ for p in d["patents"]})
    if indicator == "conversion_rate_listed":
        return _rate(converted, {p for o in rows["offers"] if org_selected(o["org"], flt) for p in o["patents"]})
    raise KeyError(indicator)


def by_deal(rows: dict, flt) -> dict[int, Decimal]:
    """Deal id → the amount the definition counts for it (the records' 金额（元） column)."""
    return {d["id"]: counted_amount(d) for d in recorded_deals(rows, flt)}


def amount_by(rows: dict, flt, key) -> dict[str, float]:
    """交易金额 per group (``key(deal)``), groups with a recorded deal only."""
    out: dict[str, Decimal] = {}
    for d in recorded_deals(rows, flt):
        out[key(d)] = out.get(key(d), Decimal(0)) + counted_amount(d)
    return {k: _wan(v) for k, v in sorted(out.items())}


def source_rows(db) -> dict:
    """The oracle's rows read from the source tables (deals, offers, demands, matches, conversions, credit
    flags), for tests whose data was written through the API or the demo generator."""
    from sqlalchemy import select

    from ipplatform.credit.models import CreditFlag
    from ipplatform.demands.models import Demand
    from ipplatform.matching.models import Match
    from ipplatform.offers.models import Offer
    from ipplatform.outcomes.models import Conversion, Deal

    open_flags = set(db.scalars(select(CreditFlag.deal_id).where(CreditFlag.status == "open")))
    deals = [{"id": d.id, "org": d.from_org, "type": _value(d.type), "status": _value(d.status), "date": d.contract_date,
              "amount": d.amount, "loan_amount": d.loan_amount, "valuation": d.valuation,
              "patents": [p.id for p in d.patents], "flagged": d.id in open_flags}
             for d in db.scalars(select(Deal).order_by(Deal.id)).unique()]
    offers = [{"org": o.owner, "at": o.published_at, "patents": [p.id for p in o.patents]}
              for o in db.scalars(select(Offer).where(Offer.published_at.is_not(None))).unique()]
    demands = [{"org": d.organisation, "at": d.published_at}
               for d in db.scalars(select(Demand).where(Demand.published_at.is_not(None))).unique()]
    matches = [{"org": m.demand.organisation, "suggested": m.suggested_at, "contacted": m.contacted_at,
                "agreed": m.agreed_at} for m in db.scalars(select(Match)).unique()]
    conversions = [{"patents": [p.id for p in c.patents], "start": c.start_date}
                   for c in db.scalars(select(Conversion)).unique()]
    return {"deals": deals, "offers": offers, "demands": demands, "matches": matches, "conversions": conversions}
