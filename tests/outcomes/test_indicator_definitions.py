"""The statistics API against the indicator definitions (tests/outcomes/indicator_oracle.py): a test per
region filter level (county, a city whose code has 0 as its fourth digit, province), per deal type with
every amount field filled, and for deals one day either side of a period, on SQLite and PostgreSQL.
Region membership comes from the NBS 2023 division table, read directly (tests/reference_oracle.py)."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from ipplatform import reference
from ipplatform.auth.enums import Role
from ipplatform.organisations.enums import OrgKind
from ipplatform.outcomes.enums import DealType
from ipplatform.stats import indicators as ind
from tests import factories as f
from tests import reference_oracle as divisions
from tests.outcomes.indicator_oracle import counted_amount, expected, source_rows

OCTOBER = {"start": "2024-10-01", "end": "2024-10-31"}


@dataclass(frozen=True)
class Scope:  # the oracle's filters (the API's query parameters)
    start: date | None = None
    end: date | None = None
    county: str | None = None
    industry_section: str | None = None
    org_kind: str | None = None

    def params(self) -> dict[str, str]:
        return {k: str(v) for k, v in self.__dict__.items() if v is not None}


def _staff(db):
    with db.begin():
        return f.auth(f.user(db, f.org(db, OrgKind.IP_OFFICE), Role.OFFICE_STAFF))


def _summary(client, headers, scope: Scope) -> dict[str, float]:
    """The dashboard's values of the office indicators (the event indicators have their own oracle in
    tests/events)."""
    resp = client.get("/api/stats/summary", headers=headers, params=scope.params())
    assert resp.status_code == 200, resp.text
    values = {r["id"]: r["value"] for r in resp.json()["indicators"]}
    assert {i.id for i in ind.EVENT_CATALOGUE} <= values.keys()
    return {i.id: values[i.id] for i in ind.CATALOGUE}


def _record_ids(client, headers, indicator: str, scope: Scope) -> set[int]:
    body = client.get(f"/api/stats/records/{indicator}", headers=headers, params={**scope.params(), "size": 500}).json()
    assert body["total"] == len(body["rows"]), body
    return {row[0] for row in body["rows"]}


# ---- the division table itself ------------------------------------------------------------------

def test_division_range_agrees_with_the_table_for_every_city_of_henan():
    codes = set(divisions.counties())
    assert len(divisions.henan_cities()) == 18 and "411000" in divisions.henan_cities()
    for city in divisions.henan_cities():
        members = divisions.counties_in(city)
        assert members, city
        assert {c for c in codes if c in reference.division_range(city)} == members, city
    assert {c for c in codes if c in reference.division_range("410000")} == divisions.counties_in("410000")
    # 许昌市: its seven county-level units, none of 信阳市's
    assert sorted(divisions.counties_in("411000")) == ["411002", "411003", "411024", "411025", "411071", "411081",
                                                       "411082"]


def _in_range(area: str) -> set[str]:
    """The table's county codes c with lo <= c < hi, as the SQL filter selects them."""
    span = reference.division_range(area)
    codes = sorted(divisions.counties())
    lo = bisect.bisect_left(codes, span.lo)
    hi = bisect.bisect_left(codes, span.hi) if span.hi else len(codes)
    return set(codes[lo:hi])


def test_division_range_agrees_with_the_table_everywhere():
    areas = [p + "0000" for p in divisions.provinces()] + [c + "00" for c in divisions.cities()]
    for area in areas:
        assert _in_range(area) == divisions.counties_in(area), area
    for county in divisions.counties():
        assert _in_range(county) == {county}, county
        assert set(reference.enclosing_divisions(county)) == divisions.parents(county), county


# ---- region filters ---------------------------------------------------------------------------------

@pytest.fixture
def regions_world(db):
    """Recorded deals in October 2024 by organisations in Xinyang, 许昌市 (411000), 荆州市 (421000, 湖北省)
    and one registered under the city code 411000 itself."""
    where = {"411502": OrgKind.UNIVERSITY, "411524": OrgKind.ENTERPRISE, "411002": OrgKind.UNIVERSITY,
             "411081": OrgKind.ENTERPRISE, "411000": OrgKind.RESEARCH_INSTITUTE, "421002": OrgKind.UNIVERSITY}
    with db.begin():
        buyer = f.org(db, OrgKind.ENTERPRISE, county_code="411503")
        bank = f.org(db, OrgKind.FINANCIAL)
        for i, (county, kind) in enumerate(where.items()):
            holder = f.org(db, kind, county_code=county, industry_code="1530")
            f.offer(db, holder, publish=True).published_at = datetime(2024, 10, 5 + i, tzinfo=timezone.utc)
            f.deal(db, holder, buyer, [f.patent(db, holder)], date(2024, 10, 3 + i), 10000 * (i + 1))
            f.deal(db, holder, buyer, [f.patent(db, holder)], date(2024, 10, 20), 5000,
                   type_=DealType.ORDINARY_LICENCE)
            pledge = f.deal(db, holder, None, [f.patent(db, holder)], date(2024, 10, 25), 900000, type_=DealType.PLEDGE)
            pledge.lender_org_id, pledge.loan_amount = bank.id, Decimal(300000 + 1000 * i)
    return _staff(db)


def test_city_code_with_zero_fourth_digit_is_only_that_city(client, db):
    """Issue 17's reproduction: with Xinyang's deals only, 许昌市 (411000) has none; it used to read as the
    prefix 411 and return all of Xinyang's figures."""
    with db.begin():
        univ = f.org(db, OrgKind.UNIVERSITY, county_code="411502")
        ent = f.org(db, OrgKind.ENTERPRISE, county_code="411524")
        for day in range(1, 16):
            f.deal(db, univ, ent, [f.patent(db, univ)], date(2024, 10, day), 47800 + day)
    staff = _staff(db)
    xuchang = _summary(client, staff, Scope(date(2024, 10, 1), date(2024, 10, 31), county="411000"))
    assert xuchang["deals_count"] == 0 and xuchang["deals_amount"] == 0 and xuchang["univ_share"] is None  # no deal: no share
    ratios = {"univ_share", "conversion_rate_listed", "conversion_rate_university", "response_hours"}
    assert {k for k, v in xuchang.items() if v is None} == ratios, xuchang  # nothing to measure: no data
    assert all(v == 0 for k, v in xuchang.items() if k not in ratios), xuchang
    assert _summary(client, staff, Scope(date(2024, 10, 1), date(2024, 10, 31), county="411500"))["deals_count"] == 15
    assert _record_ids(client, staff, "deals_count", Scope(county="411000")) == set()
    for area in ("411000", "421000", "371000", "321000"):  # every city code ending in 000
        assert ind.compute(db, "deals_count", ind.Filters(county=area)) == 0, area


@pytest.mark.parametrize("area", ["411524", "411500", "411000", "410000", "421000", "420000", "411081"])
def test_each_region_level_against_the_definitions(client, db, regions_world, area):
    staff = regions_world
    rows = source_rows(db)
    for scope in (Scope(county=area), Scope(date(2024, 10, 1), date(2024, 10, 31), county=area),
                  Scope(county=area, org_kind="university")):
        got = _summary(client, staff, scope)
        want = {i.id: expected(rows, i.id, scope) for i in ind.CATALOGUE}
        assert got == pytest.approx(want), (scope, {k: (got[k], want[k]) for k in got if got[k] != pytest.approx(want[k])})
    scope = Scope(county=area)
    deal_ids = {d["id"] for d in rows["deals"] if divisions.inside(d["org"].county_code, area)}
    assert _record_ids(client, staff, "deals_count", scope) == deal_ids
    by_county = client.get("/api/stats/breakdown/deals_count", headers=staff,
                           params={**scope.params(), "by": "county"}).json()
    assert {r["key"] for r in by_county} == {d["org"].county_code for d in rows["deals"]
                                              if divisions.inside(d["org"].county_code, area)}


def test_every_henan_city_selects_its_counties(db):
    """One recorded deal per county-level unit of 河南省 (and two outside it): every city's and the
    province's count and amount are those of the counties the division table puts inside them."""
    henan = sorted(divisions.counties_in("410000"))
    outside = ["421002", "420102"]
    with db.begin():
        buyer = f.org(db, OrgKind.ENTERPRISE)
        for i, county in enumerate(henan + outside):
            holder = f.org(db, OrgKind.ENTERPRISE, county_code=county)
            f.deal(db, holder, buyer, [f.patent(db, holder)], date(2024, 10, 15), 10000 + 100 * i)
    rows = source_rows(db)
    for area in [*divisions.henan_cities(), "410000"]:
        flt = ind.Filters(county=area)
        n = len([d for d in rows["deals"] if divisions.inside(d["org"].county_code, area)])
        assert n == len(divisions.counties_in(area)), area
        assert ind.compute(db, "deals_count", flt) == expected(rows, "deals_count", flt) == n, area
        assert ind.compute(db, "deals_amount", flt) == pytest.approx(expected(rows, "deals_amount", flt)), area


# ---- amounts ----------------------------------------------------------------------------------------

@pytest.fixture
def parties(db):
    with db.begin():
        univ = f.org(db, OrgKind.UNIVERSITY, county_code="411502")
        ent = f.org(db, OrgKind.ENTERPRISE, county_code="411524")
        bank = f.org(db, OrgKind.FINANCIAL)
        seller = f.user(db, univ, Role.UNIVERSITY_MEMBER)
        patents = [f.patent(db, univ) for _ in DealType]
    return {"univ": univ, "ent": ent, "bank": bank, "seller": f.auth(seller), "patents": patents}


def _record(client, headers, body: dict) -> int:
    created = client.post("/api/deals", headers=headers, json=body)
    assert created.status_code == 201, created.text
    deal_id = created.json()["id"]
    recorded = client.post(f"/api/deals/{deal_id}/record", headers=headers,
                           json={"recordal_number": f"ZL-{deal_id}", "recordal_date": body["contract_date"]})
    assert recorded.status_code == 200, recorded.text
    return deal_id


def test_pledge_counts_its_loan_not_its_amount(client, db, parties):
    """Issue 17's reproduction: a pledge with loan_amount 600000 and amount 1000000 is 60 万元."""
    deal_id = _record(client, parties["seller"], {
        "type": "pledge", "patent_ids": [parties["patents"][0].id], "lender_org_id": parties["bank"].id,
        "loan_amount": "600000", "amount": "1000000", "contract_date": "2025-02-10"})
    staff = _staff(db)
    values = _summary(client, staff, Scope(date(2025, 2, 1), date(2025, 2, 28)))
    assert values["deals_amount"] == 60.0 and values["pledge_amount"] == 60.0
    by_type = client.get("/api/stats/breakdown/deals_amount", headers=staff, params={"by": "type"}).json()
    assert by_type == [{"key": "pledge", "label": "质押融资", "value": 60.0}]
    rows = client.get("/api/stats/records/deals_amount", headers=staff).json()["rows"]
    assert [(r[0], Decimal(r[4]) * 10000) for r in rows] == [(deal_id, Decimal("600000"))]  # records in 万元


def test_every_deal_type_with_every_amount_field_filled(client, db, parties):
    amounts = {"amount": "1000000", "loan_amount": "600000", "valuation": "800000"}
    ids = {}
    for deal_type, patent in zip(DealType, parties["patents"]):
        ids[deal_type.value] = _record(client, parties["seller"], {
            "type": deal_type.value, "patent_ids": [patent.id], "to_org_id": parties["ent"].id,
            "lender_org_id": parties["bank"].id, "contract_date": "2025-03-03", **amounts})
    staff = _staff(db)
    rule = {t.value: counted_amount({"type": t.value, **amounts}) for t in DealType}
    assert rule["pledge"] == Decimal("600000") and rule["equity"] == Decimal("800000")
    assert {v for k, v in rule.items() if k not in ("pledge", "equity")} == {Decimal("1000000")}
    rows = source_rows(db)
    scope = Scope(date(2025, 3, 1), date(2025, 3, 31))
    values = _summary(client, staff, scope)
    assert values["deals_amount"] == pytest.approx(expected(rows, "deals_amount", scope)) == (8 * 100 + 60 + 80)
    assert values["pledge_amount"] == 60.0
    by_type = client.get("/api/stats/breakdown/deals_amount", headers=staff,
                         params={**scope.params(), "by": "type"}).json()
    assert {r["key"]: r["value"] for r in by_type} == {t: float(v) / 10000 for t, v in rule.items()}
    records = client.get("/api/stats/records/deals_amount", headers=staff, params=scope.params()).json()
    assert records["columns"][4] == "金额（万元）"  # the unit of every amount indicator
    assert {r[0]: Decimal(r[4]) * 10000 for r in records["rows"]} == {ids[t]: v for t, v in rule.items()}


# ---- periods ----------------------------------------------------------------------------------------

def test_period_bounds_are_inclusive_and_one_day_outside_is_not(client, db):
    with db.begin():
        univ = f.org(db, OrgKind.UNIVERSITY, county_code="411502")
        ent = f.org(db, OrgKind.ENTERPRISE, county_code="411524")
        days = [date(2024, 9, 30), date(2024, 10, 1), date(2024, 10, 31), date(2024, 11, 1)]
        for i, day in enumerate(days):
            f.deal(db, univ, ent, [f.patent(db, univ)], day, 10000 * (i + 1))
        moments = [datetime(2024, 9, 30, 23, 59, 59, tzinfo=timezone.utc), datetime(2024, 10, 1, tzinfo=timezone.utc),
                   datetime(2024, 10, 31, 23, 59, 59, 999999, tzinfo=timezone.utc),
                   datetime(2024, 11, 1, tzinfo=timezone.utc)]
        for moment in moments:
            f.offer(db, univ, publish=True).published_at = moment
    staff = _staff(db)
    rows = source_rows(db)
    october = Scope(date(2024, 10, 1), date(2024, 10, 31))
    values = _summary(client, staff, october)
    assert values["deals_count"] == expected(rows, "deals_count", october) == 2  # 10-01 and 10-31
    assert values["deals_amount"] == expected(rows, "deals_amount", october) == 5.0  # 2 + 3 万元
    assert values["offers_published"] == expected(rows, "offers_published", october) == 2
    for one_day in (date(2024, 9, 30), date(2024, 10, 1), date(2024, 10, 31), date(2024, 11, 1)):
        scope = Scope(one_day, one_day)
        assert _summary(client, staff, scope)["deals_count"] == expected(rows, "deals_count", scope) == 1, one_day
    shifted = Scope(date(2024, 10, 2), date(2024, 10, 30))  # a day inside each bound: nothing
    assert _summary(client, staff, shifted)["deals_count"] == 0
    assert _summary(client, staff, Scope(date(2024, 10, 1), date(2024, 11, 1)))["deals_count"] == 3
    assert _summary(client, staff, Scope(date(2024, 9, 30), date(2024, 10, 31)))["deals_count"] == 3
