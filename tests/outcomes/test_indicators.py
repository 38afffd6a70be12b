"""Every indicator recomputed in plain Python (tests/outcomes/indicator_oracle.py, from the indicator
definitions and the reference tables) from the rows the fixture wrote, and compared with the SQL result,
on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

import pytest

from ipplatform.matching.enums import MatchStatus
from ipplatform.matching.models import Match
from ipplatform.organisations.enums import OrgKind
from ipplatform.outcomes.enums import DealStatus, DealType
from ipplatform.outcomes.models import Conversion, Deal
from ipplatform.stats import indicators as ind
from tests import factories as f
from tests.outcomes.indicator_oracle import amount_by, by_deal, expected

# Four Xinyang counties, one of 许昌市 (411000, a city code with 0 as its fourth digit) and one of 荆州市
# (421000, in 湖北省): city and province filters each select some organisations and leave out others.
COUNTIES = ["411502", "411503", "411524", "411526", "411002", "421002"]
KINDS = [OrgKind.ENTERPRISE, OrgKind.UNIVERSITY, OrgKind.RESEARCH_INSTITUTE]
INDUSTRIES = ["1530", "3841", "8341", "2651"]  # sections C, C, P, C


@pytest.fixture
def facts(db):
    """Random but seeded rows; the test keeps its own plain-Python copy of every fact."""
    rng = random.Random(5)
    spare = random.Random(6)  # the amount fields a deal's type does not count
    hour = random.Random(7)  # hours of the day: from 16:00 UTC a timestamp is on the next Beijing day
    rows = {"offers": [], "demands": [], "matches": [], "deals": [], "conversions": []}
    with db.begin():
        orgs = [f.org(db, kind=KINDS[i % 3], county_code=COUNTIES[i % 6], industry_code=INDUSTRIES[i % 4])
                for i in range(8)]
        bank = f.org(db, kind=OrgKind.FINANCIAL)
        base = datetime(2025, 1, 1, tzinfo=timezone.utc)
        offers = []
        for i in range(30):
            owner = orgs[i % 8]
            offer = f.offer(db, owner, patents=[f.patent(db, owner)], publish=True)
            offer.published_at = base + timedelta(days=rng.randrange(400), hours=hour.randrange(24))
            offers.append(offer)
            rows["offers"].append({"org": owner, "at": offer.published_at, "patents": [offer.patents[0].id]})
        demands = []
        for i in range(10):
            org = orgs[(i * 3) % 8]
            demand = f.demand(db, org)
            demand.published_at = base + timedelta(days=rng.randrange(400), hours=hour.randrange(24))
            demands.append(demand)
            rows["demands"].append({"org": org, "at": demand.published_at})
        for i in range(25):
            demand, offer = demands[i % 10], offers[i]
            at = base + timedelta(days=rng.randrange(400), hours=hour.randrange(24))
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
            # the field its type counts, and often the other two as well (a pledge with a contract amount …)
            deal.amount, deal.loan_amount, deal.valuation = (
                Decimal(spare.randrange(1, 300) * 10000) if spare.random() < 0.5 else None for _ in range(3))
            if deal_type == DealType.PLEDGE:
                deal.lender_org_id, deal.loan_amount = bank.id, Decimal(rng.randrange(10, 500) * 10000)
            elif deal_type == DealType.EQUITY:
                deal.valuation = Decimal(rng.randrange(10, 500) * 10000)
            elif rng.random() < 0.8:
                deal.amount = Decimal(rng.randrange(1, 300) * 10000)
            db.add(deal)
            rows["deals"].append({"org": holder, "type": deal_type, "status": deal.status, "date": deal.contract_date,
                                  "amount": deal.amount, "loan_amount": deal.loan_amount, "valuation": deal.valuation,
                                  "patents": [p.id for p in deal.patents]})
        for i in range(5):  # undated recorded deals, and one patent dealt twice on one day
            offer = offers[(i % 3) * 3]
            deal = Deal(type=DealType.ORDINARY_LICENCE, status=DealStatus.RECORDED, from_org_id=offer.owner_org_id,
                        contract_date=None if i < 3 else date(2025, 5, 5), patents=list(offer.patents),
                        amount=Decimal(20000))
            db.add(deal)
            rows["deals"].append({"org": offer.owner, "type": deal.type, "status": deal.status, "date": deal.contract_date,
                                  "amount": deal.amount, "loan_amount": None, "valuation": None,
                                  "patents": [p.id for p in deal.patents]})
        from ipplatform.credit.models import CreditFlag

        db.flush()
        deal_rows = db.query(Deal).order_by(Deal.id).all()
        assert [d.type for d in deal_rows] == [row["type"] for row in rows["deals"]]
        for i, (d, row) in enumerate(zip(deal_rows, rows["deals"])):
            row["id"] = d.id
            row["flagged"] = i % 7 == 0
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


FILTERS = [ind.Filters(), ind.Filters(start=date(2025, 3, 1), end=date(2025, 9, 30)),
           ind.Filters(county="411524"), ind.Filters(county="411500", org_kind="university"),
           ind.Filters(industry_section="C", start=date(2025, 2, 1)), ind.Filters(industry_section="P"),
           ind.Filters(end=date(2025, 6, 30)), ind.Filters(start=date(2025, 5, 5), end=date(2025, 5, 5)),
           ind.Filters(county="411000"), ind.Filters(county="410000", start=date(2025, 3, 1)),
           ind.Filters(county="421000"), ind.Filters(county="420000", industry_section="C")]


@pytest.mark.parametrize("flt", FILTERS, ids=[str(i) for i in range(len(FILTERS))])
def test_every_indicator_matches_plain_python(db, facts, flt):
    for indicator in ind.CATALOGUE:
        assert ind.compute(db, indicator.id, flt) == pytest.approx(expected(facts, indicator.id, flt)), indicator.id


def test_breakdowns_add_up_and_match(db, facts):
    flt = ind.Filters()
    by_type = ind.breakdown(db, "deals_count", flt, "type")
    want = Counter(d["type"].value for d in facts["deals"] if d["status"] == DealStatus.RECORDED)
    assert by_type == {k: float(v) for k, v in sorted(want.items())}
    assert ind.breakdown(db, "deals_amount", flt, "type") == pytest.approx(
        amount_by(facts, flt, lambda d: d["type"].value))
    by_county = ind.breakdown(db, "deals_amount", flt, "county")
    assert by_county == pytest.approx(amount_by(facts, flt, lambda d: d["org"].county_code))
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
        assert r.total == len(r.rows) == ind.compute(db, indicator, flt) == expected(facts, indicator, flt), indicator
    deals = records(db, "deals_amount", flt, 1, 500).rows
    cent = Decimal("0.01")  # 金额（万元） per deal, to the cent of a 万元
    assert {row[0]: Decimal(row[4] or 0) for row in deals} == {
        k: (Decimal(v) / 10000).quantize(cent, ROUND_HALF_UP) for k, v in by_deal(facts, flt).items()}
    assert sum(float(row[4] or 0) for row in deals) == pytest.approx(ind.compute(db, "deals_amount", flt),
                                                                    abs=0.005 * len(deals) + 0.01)
    patents = {n for row in records(db, "deals_patents", flt, 1, 500).rows for n in row[6].split("、") if n}
    assert len(patents) == ind.compute(db, "deals_patents", flt)
    pledgors = records(db, "pledge_enterprises", flt, 1, 500).rows
    assert len({row[2] for row in pledgors}) == ind.compute(db, "pledge_enterprises", flt)
    for rate in ("conversion_rate_listed", "conversion_rate_university"):
        rows = records(db, rate, flt, 1, 500).rows
        want = round(100 * sum(1 for row in rows if row[3]) / len(rows), 2) if rows else None
        assert want == ind.compute(db, rate, flt), rate
    first, second = records(db, "deals_count", flt, 1, 3), records(db, "deals_count", flt, 2, 3)
    assert not {r[0] for r in first.rows} & {r[0] for r in second.rows}  # pages do not overlap


def test_region_filters_are_not_vacuous(db, facts):
    """Each region level selects some recorded deals and leaves some out, so the comparisons above bite."""
    total = ind.compute(db, "deals_count", ind.Filters())
    for area in ("411524", "411500", "411000", "410000", "421000"):
        assert 0 < expected(facts, "deals_count", ind.Filters(county=area)) < total, area


def test_a_period_is_made_of_beijing_days(db):
    """An offer published at 00:30 Beijing time on 2025-05-06 (16:30 UTC the day before) is counted on
    the 6th, the day its page shows, not on the 5th."""
    with db.begin():
        org = f.org(db, kind=OrgKind.ENTERPRISE)
        offer = f.offer(db, org, patents=[f.patent(db, org)], publish=True)
        offer.published_at = datetime(2025, 5, 5, 16, 30, tzinfo=timezone.utc)
    on = {day: ind.compute(db, "offers_published", ind.Filters(start=date(2025, 5, day), end=date(2025, 5, day)))
          for day in (5, 6)}
    assert on == {5: 0, 6: 1}
