"""The statistics funnel is a funnel: one population of published offers, each stage the offers whose matches
got that far (a subset of the stage before), recomputed here from the rows by the written definition; the
records behind a stage are those offers; numbers on the dashboard read as integers and 万元."""

from __future__ import annotations

import random
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from ipplatform.auth.enums import Role
from ipplatform.matching.enums import MatchStatus
from ipplatform.matching.models import Match
from ipplatform.offers.models import Offer
from ipplatform.organisations.enums import OrgKind
from ipplatform.outcomes.enums import DealStatus
from ipplatform.outcomes.models import Deal
from ipplatform.stats import indicators as ind
from ipplatform.stats.funnel import STAGES, funnel
from ipplatform.stats.records import records
from ipplatform.common.timefmt import beijing_today
from tests import factories as f
from web.stats import show

STEPS = ["contacted_at", "negotiating_at", "agreed_at"]


@pytest.fixture
def scene(db):
    """Offers of two universities and an enterprise, with matches stopped at random steps (some skipping a
    step's timestamp, some declined after negotiating) and deals recorded or drafted from agreed ones."""
    rng = random.Random(12)
    now = datetime.now(timezone.utc)
    with db.begin():
        univ = f.org(db, OrgKind.UNIVERSITY, county_code="411502")
        univ2 = f.org(db, OrgKind.UNIVERSITY, county_code="411524")
        ent = f.org(db, OrgKind.ENTERPRISE, county_code="411502")
        buyers = [f.org(db, OrgKind.ENTERPRISE) for _ in range(3)]
        demands = [f.demand(db, b) for b in buyers for _ in range(2)]
        offers = [f.offer(db, rng.choice([univ, univ2, ent])) for _ in range(18)]
        offers.append(f.offer(db, univ, publish=False))  # a draft: never in the population
        for offer in offers:
            for demand in rng.sample(demands, k=rng.choice([0, 1, 1, 2, 3])):
                m = Match(demand_id=demand.id, offer_id=offer.id, score=1.0, rank=1, explanation={},
                          status=MatchStatus.SUGGESTED)
                reached = rng.choice([0, 0, 1, 2, 3])
                for step in STEPS[:reached]:
                    if rng.random() < 0.85:  # a later step may be recorded without an earlier one's time
                        setattr(m, step, now - timedelta(hours=rng.randrange(1, 500)))
                if reached == 2 and rng.random() < 0.3:
                    m.status, m.declined_at = MatchStatus.DECLINED, now
                db.add(m)
                db.flush()
                if m.agreed_at is not None and rng.random() < 0.7:
                    deal = f.deal(db, offer.owner, demand.organisation, list(offer.patents), beijing_today(),
                                  amount="120000", status=rng.choice([DealStatus.RECORDED, DealStatus.DRAFT]))
                    deal.match_id = m.id
        db.flush()
    return {"univ": univ, "univ2": univ2, "ent": ent}


def by_definition(db, keep=lambda offer: True) -> list[int]:
    """The stage counts from the rows, by the definitions shown on the page."""
    counts = [0] * len(STAGES)
    for offer in db.scalars(select(Offer).where(Offer.published_at.is_not(None))):
        if not keep(offer):
            continue
        best = 0
        for m in db.scalars(select(Match).where(Match.offer_id == offer.id)):
            agreed = m.agreed_at is not None
            negotiating = agreed or m.negotiating_at is not None
            contacted = negotiating or m.contacted_at is not None
            deal = db.scalar(select(Deal).where(Deal.match_id == m.id))
            dealt = agreed and deal is not None and deal.status == DealStatus.RECORDED
            best = max(best, 5 if dealt else 4 if agreed else 3 if negotiating else 2 if contacted else 1)
        for level in range(best + 1):
            counts[level] += 1
    return counts


def test_each_stage_is_a_subset_of_the_one_before(db, scene):
    stages = funnel(db)
    values = [s["value"] for s in stages]
    assert [s["stage"] for s in stages] == ["发布的专利供给", "获得匹配", "已联系", "洽谈", "达成意向", "成交"]
    assert values == by_definition(db)
    assert all(a >= b for a, b in zip(values, values[1:])) and values[0] > values[-1] > 0
    assert values[0] == ind.compute(db, "offers_published") == 18  # the same population as the indicator
    assert all(isinstance(v, int) for v in values) and all(s["definition"] for s in stages)


def test_filters_select_the_population(db, scene):
    univ_ids = {scene["univ"].id, scene["univ2"].id}
    kind = funnel(db, ind.Filters(org_kind="university"))
    assert [s["value"] for s in kind] == by_definition(db, lambda o: o.owner_org_id in univ_ids)
    county = funnel(db, ind.Filters(county="411524"))
    assert [s["value"] for s in county] == by_definition(db, lambda o: o.owner_org_id == scene["univ2"].id)
    past = funnel(db, ind.Filters(start=date(2001, 1, 1), end=date(2001, 12, 31)))
    assert [s["value"] for s in past] == [0] * len(STAGES)


def test_the_records_behind_a_stage_are_its_offers(db, scene):
    flt = ind.Filters(org_kind="university")
    stages = {s["key"]: s["value"] for s in funnel(db, flt)}
    for key, value in stages.items():
        r = records(db, f"funnel_{key}", flt, 1, 500)
        assert r.kind == "offer" and r.total == len(r.rows) == value, key
        assert all(refs[0] == ("offer", row[0]) for row, refs in zip(r.rows, r.refs))
    agreed = {row[0] for row in records(db, "funnel_agreed", flt, 1, 500).rows}
    dealt = {row[0] for row in records(db, "funnel_deal", flt, 1, 500).rows}
    assert dealt <= agreed


def test_dashboard_page_numbers_read_as_people_write_them(client, db, scene):
    with db.begin():
        office = f.org(db, OrgKind.IP_OFFICE)
        f.user(db, office, Role.OFFICE_STAFF, username="staff")
    f.form_post(client, "/login", data={"username": "staff", "password": f.PASSWORD, "next": "/"})
    page = client.get("/stats").text
    assert 'data-testid="funnel-published">18</a>' in page
    for section in "ABCDEFGHIJKLMNOPQRST":
        assert f'<option value="{section}" ' in page, section
    assert '<option value="research_institute" ' in page
    empty = client.get("/stats", params={"start": "2001-01-01", "end": "2001-12-31"}).text
    assert empty.count("暂无数据") >= 8 and 'id="chart-county"' not in empty and 'id="chart-funnel"' not in empty
    offers = client.get("/stats/records/funnel_published").text
    assert "转化漏斗 · 发布的专利供给：18 项" in offers and 'href="/offers/' in offers
    deals = client.get("/stats/records/deals_amount").text
    assert "金额（万元）" in deals and "<td>12.00</td>" in deals
    matches = client.get("/stats/records/matches_contacted").text
    assert 'href="/demands/' in matches and not re.search(r"\d{2}:\d{2}:\d{2}\.\d", matches)
    assert client.get("/stats/records/funnel_nope").status_code == 404


def test_show():
    assert [show(10.0, "笔"), show(1234.5, "万元"), show(37.456, "%"), show(None, "项")] == ["10", "1,234.50", "37.5", "暂无数据"]


def test_every_counted_indicator_shows_an_integer():
    """Counts of things (项, 笔, 场 …) never show a decimal (regression: 对接活动洽谈场次 said “0.0 场”)."""
    from ipplatform.stats.indicators import REPORTED
    measured = {"万元", "%", "小时"}
    for indicator in REPORTED:
        if indicator.unit not in measured:
            assert show(0.0, indicator.unit) == "0" and show(3.0, indicator.unit) == "3", indicator.id
