"""Every indicator recomputed independently in plain Python from the rows the fixture wrote, and
compared with the SQL result, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from ipplatform.matching.enums import MatchStatus
from ipplatform.matching.models import Match
from ipplatform.organisations.enums import OrgKind
from ipplatform.outcomes.enums import TRANSFER_OR_LICENCE, DealStatus, DealType
from ipplatform.outcomes.models import Conversion, Deal
from ipplatform.stats import indicators as ind
from tests import factories as f
from tests.reference_oracle import in_section

COUNTIES = ["411502", "411503", "411524", "411526"]
KINDS = [OrgKind.ENTERPRISE, OrgKind.UNIVERSITY, OrgKind.RESEARCH_INSTITUTE]
INDUSTRIES = ["1530", "3841", "8341", "2651"]  # sections C, C, P, C


@pytest.fixture
def facts(db):
    """Random but seeded rows; the test keeps its own plain-Python copy of every fact."""
    rng = random.Random(5)
    rows = {"offers": [], "demands": [], "matches": [], "deals": [], "conversions": []}
    with db.begin():
        orgs = [f.org(db, kind=KINDS[i % 3], county_code=COUNTIES[i % 4], industry_code=INDUSTRIES[i % 4])
                for i in range(8)]
        bank = f.org(db, kind=OrgKind.FINANCIAL)
        base = datetime(2025, 1, 1, tzinfo=timezone.utc)
        offers = []
        for i in range(30):
            owner = orgs[i % 8]
            offer = f.offer(db, owner, patents=[f.patent(db, owner)], publish=True)
            offer.published_at = base + timedelta(days=rng.randrange(400))
            offers.append(offer)
            rows["offers"].append({"org": owner, "at": offer.published_at, "patents": [offer.patents[0].id]})
        demands = []
        for i in range(10):
            org = orgs[(i * 3) % 8]
            demand = f.demand(db, org)
            demand.published_at = base + timedelta(days=rng.randrange(400))
            demands.append(demand)
            rows["demands"].append({"org": org, "at": demand.published_at})
        for i in range(25):
            demand, offer = demands[i % 10], offers[i]
            at = base + timedelta(days=rng.randrange(400))
            stage = rng.choice([0, 1, 2, 3])
            m = Match(demand_id=demand.id, offer_id=offer.id, score=1.0, rank=1, status=MatchStatus.SUGGESTED,
                      suggested_at=at, contacted_at=at + timedelta(hours=rng.randrange(2, 200)) if stage >= 1 else None,
                      agreed_at=at + timedelta(days=9) if stage >= 3 else None)
            db.add(m)
            rows["matches"].append({"org": demand.organisation, "suggested": at, "contacted": m.contacted_at,
                                    "agreed": m.agreed_at})
        for i in range(40):
            offer = offers[i % 30]
            holder = offer.owner
            deal_type = rng.choice(list(DealType))
            deal = Deal(type=deal_type, status=rng.choice([DealStatus.RECORDED] * 3 + [DealStatus.DRAFT]),
                        from_org_id=holder.id, to_org_id=orgs[(i + 1) % 8].id if orgs[(i + 1) % 8] is not holder else None,
                        contract_date=date(2025, 1, 1) + timedelta(days=rng.randrange(400)), patents=list(offer.patents))
            if deal_type == DealType.PLEDGE:
                deal.lender_org_id, deal.loan_amount = bank.id, Decimal(rng.randrange(10, 500) * 10000)
            elif deal_type == DealType.EQUITY:
                deal.valuation = Decimal(rng.randrange(10, 500) * 10000)
            else:
                deal.amount = Decimal(rng.randrange(1, 300) * 10000) if rng.random() < 0.8 else None
            db.add(deal)
            rows["deals"].append({"org": holder, "type": deal_type, "status": deal.status, "date": deal.contract_date,
                                  "amount": deal.amount or deal.loan_amount or deal.valuation or Decimal(0),
                                  "loan": deal.loan_amount or Decimal(0), "patents": [p.id for p in deal.patents]})
        for i in range(5):  # undated recorded deals, and one patent dealt twice on one day
            offer = offers[(i % 3) * 3]
            deal = Deal(type=DealType.ORDINARY_LICENCE, status=DealStatus.RECORDED, from_org_id=offer.owner_org_id,
                        contract_date=None if i < 3 else date(2025, 5, 5), patents=list(offer.patents),
                        amount=Decimal(20000))
            db.add(deal)
            rows["deals"].append({"org": offer.owner, "type": deal.type, "status": deal.status, "date": deal.contract_date,
                                  "amount": deal.amount, "loan": Decimal(0), "patents": [p.id for p in deal.patents]})
        from ipplatform.credit.models import CreditFlag

        db.flush()
        deal_rows = db.query(Deal).order_by(Deal.id).all()
        for i, (d, row) in enumerate(zip(deal_rows, rows["deals"])):
            row["flagged"] = i % 7 == 0 and d.status == DealStatus.RECORDED
            if i % 7 == 0:
                db.add(CreditFlag(deal_id=d.id, rule="test", message_zh="测试", evidence={}))
            if i % 11 == 0:  # a reviewed flag does not count
                db.add(CreditFlag(deal_id=d.id, rule="test", message_zh="测试", evidence={}, status="cleared"))
        for i in range(6):
            offer = offers[i * 4]
            db.add(Conversion(org_id=offer.owner_org_id, product=f"产品{i}", start_date=date(2025, 6, 1) + timedelta(days=30 * i),
                              patents=list(offer.patents)))
            rows["conversions"].append({"patents": [offer.patents[0].id], "start": date(2025, 6, 1) + timedelta(days=30 * i)})
    return rows


def expected(rows, indicator: str, flt: ind.Filters) -> float:
    lo = datetime.combine(flt.start, datetime.min.time(), timezone.utc) if flt.start else None
    hi = datetime.combine(flt.end, datetime.max.time(), timezone.utc) if flt.end else None

    def org_ok(org) -> bool:
        return ((not flt.county or org.county_code.startswith(flt.county.rstrip("0") if flt.county.endswith("00") else flt.county))
                and (not flt.org_kind or org.kind.value == flt.org_kind)
                and (not flt.industry_section or in_section(org.industry_code, flt.industry_section)))

    def in_period(ts) -> bool:
        if ts is None:
            return False
        if isinstance(ts, date) and not isinstance(ts, datetime):
            return (not flt.start or ts >= flt.start) and (not flt.end or ts <= flt.end)
        ts = ts if ts.tzinfo else ts.replace(tzinfo=timezone.utc)
        return (lo is None or ts >= lo) and (hi is None or ts <= hi)

    def deal_in_period(d) -> bool:  # an undated deal counts only when no period is chosen
        return in_period(d["date"]) if d["date"] else not (flt.start or flt.end)

    deals = [d for d in rows["deals"] if d["status"] == DealStatus.RECORDED and deal_in_period(d) and org_ok(d["org"])]
    tl = [d for d in deals if d["type"] in TRANSFER_OR_LICENCE]
    univ = [d for d in tl if d["org"].kind.value in ("university", "research_institute")]
    if indicator == "offers_published":
        return len([o for o in rows["offers"] if in_period(o["at"]) and org_ok(o["org"])])
    if indicator == "demands_published":
        return len([o for o in rows["demands"] if in_period(o["at"]) and org_ok(o["org"])])
    if indicator.startswith("matches_"):
        key = {"matches_generated": "suggested", "matches_contacted": "contacted", "matches_agreed": "agreed"}[indicator]
        return len([m for m in rows["matches"] if in_period(m[key]) and org_ok(m["org"])])
    if indicator == "deals_count":
        return len(deals)
    if indicator == "deals_patents":
        return len({p for d in deals for p in d["patents"]})
    if indicator == "deals_amount":
        return round(float(sum(d["amount"] for d in deals)) / 10000, 2)
    if indicator == "pledge_amount":
        return round(float(sum(d["loan"] for d in deals if d["type"] == DealType.PLEDGE)) / 10000, 2)
    if indicator == "pledge_enterprises":
        return len({d["org"].id for d in deals if d["type"] == DealType.PLEDGE and d["org"].kind.value == "enterprise"})
    if indicator == "univ_transfer_licence":
        return len(univ)
    if indicator == "univ_share":
        return round(100 * len(univ) / len(tl), 2) if tl else 0.0
    if indicator == "flagged_deals":
        return len([d for d in deals if d.get("flagged")])
    if indicator == "response_hours":
        hours = sorted((m["contacted"] - m["suggested"]).total_seconds() / 3600 for m in rows["matches"]
                       if in_period(m["contacted"]) and org_ok(m["org"]))
        if not hours:
            return 0.0
        mid = len(hours) // 2
        return round(hours[mid] if len(hours) % 2 else (hours[mid - 1] + hours[mid]) / 2, 2)
    if indicator == "conversion_rate_university":
        converted = {p for c in rows["conversions"] if not flt.end or c["start"] <= flt.end for p in c["patents"]}
        dealt = {p for d in univ for p in d["patents"]}
        return round(100 * len(dealt & converted) / len(dealt), 2) if dealt else 0.0
    if indicator == "conversion_rate_listed":
        listed = {p for o in rows["offers"] if org_ok(o["org"]) for p in o["patents"]}
        converted = {p for c in rows["conversions"] if not flt.end or c["start"] <= flt.end for p in c["patents"]}
        return round(100 * len(listed & converted) / len(listed), 2) if listed else 0.0
    raise KeyError(indicator)


FILTERS = [ind.Filters(), ind.Filters(start=date(2025, 3, 1), end=date(2025, 9, 30)),
           ind.Filters(county="411524"), ind.Filters(county="411500", org_kind="university"),
           ind.Filters(industry_section="C", start=date(2025, 2, 1)), ind.Filters(industry_section="P"),
           ind.Filters(end=date(2025, 6, 30)), ind.Filters(start=date(2025, 5, 5), end=date(2025, 5, 5))]


@pytest.mark.parametrize("flt", FILTERS, ids=[str(i) for i in range(len(FILTERS))])
def test_every_indicator_matches_plain_python(db, facts, flt):
    for indicator in ind.CATALOGUE:
        assert ind.compute(db, indicator.id, flt) == pytest.approx(expected(facts, indicator.id, flt)), indicator.id


def test_breakdowns_add_up_and_match(db, facts):
    flt = ind.Filters()
    by_type = ind.breakdown(db, "deals_count", flt, "type")
    want = Counter(d["type"].value for d in facts["deals"] if d["status"] == DealStatus.RECORDED)
    assert by_type == {k: float(v) for k, v in sorted(want.items())}
    by_county = ind.breakdown(db, "deals_amount", flt, "county")
    assert sum(by_county.values()) == pytest.approx(ind.compute(db, "deals_amount", flt), abs=0.05)
    by_ipc = ind.breakdown(db, "deals_count", flt, "ipc_section")
    assert sum(by_ipc.values()) == ind.compute(db, "deals_count", flt)
    by_month = ind.breakdown(db, "deals_count", flt, "month")
    assert sum(by_month.values()) == ind.compute(db, "deals_count", flt)
    undated = by_month.pop("未知")
    assert undated == len([d for d in facts["deals"] if d["status"] == DealStatus.RECORDED and d["date"] is None]) == 3
    assert all(len(k) == 7 and k[4] == "-" for k in by_month)


def test_catalogue_is_complete():
    ids = [i.id for i in ind.CATALOGUE]
    assert len(ids) == len(set(ids))
    for i in ind.CATALOGUE:
        assert i.name_zh and i.unit and i.definition and i.formula


def test_fixture_exercises_every_indicator(db, facts):
    """Guard against a vacuous comparison: on the whole period every indicator is non-zero."""
    for indicator in ind.CATALOGUE:
        assert ind.compute(db, indicator.id, ind.Filters()) > 0, indicator.id


COUNTED = ["offers_published", "demands_published", "matches_generated", "matches_contacted", "matches_agreed",
           "deals_count", "univ_transfer_licence", "flagged_deals"]


@pytest.mark.parametrize("flt", FILTERS, ids=[str(i) for i in range(len(FILTERS))])
def test_every_number_is_traceable_to_its_records(db, facts, flt):
    from ipplatform.stats.records import records

    for indicator in COUNTED:
        r = records(db, indicator, flt, 1, 500)
        assert r.total == len(r.rows) == ind.compute(db, indicator, flt), indicator
    deals = records(db, "deals_amount", flt, 1, 500).rows
    assert round(sum(float(row[4] or 0) for row in deals) / 10000, 2) == pytest.approx(ind.compute(db, "deals_amount", flt))
    patents = {n for row in records(db, "deals_patents", flt, 1, 500).rows for n in row[6].split("、") if n}
    assert len(patents) == ind.compute(db, "deals_patents", flt)
    pledgors = records(db, "pledge_enterprises", flt, 1, 500).rows
    assert len({row[2] for row in pledgors}) == ind.compute(db, "pledge_enterprises", flt)
    for rate in ("conversion_rate_listed", "conversion_rate_university"):
        rows = records(db, rate, flt, 1, 500).rows
        want = round(100 * sum(1 for row in rows if row[3]) / len(rows), 2) if rows else 0.0
        assert want == ind.compute(db, rate, flt), rate
    first, second = records(db, "deals_count", flt, 1, 3), records(db, "deals_count", flt, 2, 3)
    assert not {r[0] for r in first.rows} & {r[0] for r in second.rows}  # pages do not overlap
