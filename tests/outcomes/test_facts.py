"""The statistics fact tables stay equal to a rebuild from the source tables through every kind of
change the application makes (the session hook), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from ipplatform.credit.models import CreditFlag
from ipplatform.organisations.enums import OrgKind
from ipplatform.outcomes.enums import DealStatus, DealType
from ipplatform.outcomes.models import Conversion, Deal
from ipplatform.stats import facts as facts_module
from ipplatform.stats import indicators as ind
from ipplatform.stats.models import ConvertedPatentFact, DealDay, DealFact, DealPatentFact, ListedPatentFact
from tests import factories as f

TABLES = (DealFact, DealDay, DealPatentFact, ListedPatentFact, ConvertedPatentFact)


def snapshot(db) -> dict[str, list[tuple]]:
    out = {}
    for model in TABLES:
        columns = [c for c in model.__table__.columns if c.name != "id"]  # the daily rows' surrogate key
        rows = db.execute(select(*columns)).all()
        out[model.__tablename__] = sorted((tuple(r) for r in rows), key=repr)
    return out


def assert_equal_to_rebuild(db) -> dict[str, list[tuple]]:
    db.flush()
    live = snapshot(db)
    facts_module.rebuild(db.connection())
    assert snapshot(db) == live
    return live


def stored_value(live: dict[str, list[tuple]], deal: Deal) -> Decimal:
    """The amount the per-deal fact row stores for ``deal`` (the column ``value``)."""
    names = [c.name for c in DealFact.__table__.columns if c.name != "id"]  # as snapshot() reads them
    key, value = names.index("deal_id"), names.index("value")
    return next(Decimal(row[value]) for row in live["stat_deal"] if row[key] == deal.id)


@pytest.fixture
def world(db):
    with db.begin():
        univ = f.org(db, OrgKind.UNIVERSITY, county_code="411502", industry_code="8341")
        ent = f.org(db, OrgKind.ENTERPRISE, county_code="411524", industry_code="1530")
        bank = f.org(db, OrgKind.FINANCIAL)
        patents = [f.patent(db, univ) for _ in range(4)]
        offer = f.offer(db, univ, patents=patents[:2], publish=True)
    return {"univ": univ, "ent": ent, "bank": bank, "patents": patents, "offer": offer}


def test_every_change_keeps_facts_equal_to_a_rebuild(db, world):
    univ, ent, bank, patents = world["univ"], world["ent"], world["bank"], world["patents"]
    with db.begin():
        assert assert_equal_to_rebuild(db)["stat_listed_patent"]  # the published offer's patents

        d1 = Deal(type=DealType.ORDINARY_LICENCE, status=DealStatus.RECORDED, from_org_id=univ.id, to_org_id=ent.id,
                  amount=Decimal("50000"), contract_date=date(2025, 3, 1), patents=patents[:2])
        d2 = Deal(type=DealType.EXCLUSIVE_LICENCE, status=DealStatus.RECORDED, from_org_id=univ.id, to_org_id=ent.id,
                  amount=Decimal("80000"), contract_date=date(2025, 3, 1), patents=[patents[1]])  # same day, same patent
        d3 = Deal(type=DealType.PLEDGE, status=DealStatus.DRAFT, from_org_id=univ.id, lender_org_id=bank.id,
                  loan_amount=Decimal("1000000"), amount=Decimal("1500000"), valuation=Decimal("1200000"),
                  contract_date=None, patents=[patents[2]])  # every amount field filled
        db.add_all([d1, d2, d3])
        live = assert_equal_to_rebuild(db)
        assert len(live["stat_deal"]) == 2 and len(live["stat_deal_patent"]) == 3

        d3.status = DealStatus.RECORDED  # recording an undated draft
        assert stored_value(assert_equal_to_rebuild(db), d3) == Decimal("1000000")  # a pledge counts its loan
        d3.loan_amount = Decimal("900000")  # the counted amount changes
        assert stored_value(assert_equal_to_rebuild(db), d3) == Decimal("900000")
        d3.type = DealType.EQUITY  # the type decides which field counts
        assert stored_value(assert_equal_to_rebuild(db), d3) == Decimal("1200000")
        d3.type = DealType.PLEDGE
        assert stored_value(assert_equal_to_rebuild(db), d3) == Decimal("900000")
        d1.contract_date = date(2024, 12, 31)  # a date moves between days (and reorders patent 2's deals)
        assert_equal_to_rebuild(db)
        d1.patents.remove(patents[0])  # a patent leaves a deal
        d1.patents.append(patents[3])
        assert_equal_to_rebuild(db)
        flag = CreditFlag(deal_id=d2.id, rule="test", message_zh="测试", evidence={})
        db.add(flag)
        assert_equal_to_rebuild(db)
        flag.status = "cleared"
        assert_equal_to_rebuild(db)
        univ.county_code, univ.kind = "411526", OrgKind.RESEARCH_INSTITUTE  # the subject's dimensions change
        assert_equal_to_rebuild(db)
        patents[1].ipc_main = "H01M"
        assert_equal_to_rebuild(db)
        conversion = Conversion(org_id=ent.id, product="产品", start_date=date(2025, 6, 1), patents=[patents[1]])
        db.add(conversion)
        assert assert_equal_to_rebuild(db)["stat_converted_patent"] == [(patents[1].id, date(2025, 6, 1))]
        conversion.patents.append(patents[3])
        assert_equal_to_rebuild(db)
        patents[1].owner_org_id = ent.id  # transferred; the new owner lists it too
        offer2 = f.offer(db, ent, patents=[patents[1]], publish=True)
        assert len(assert_equal_to_rebuild(db)["stat_listed_patent"]) == 3
        primary = db.scalars(select(ListedPatentFact.patent_id).where(ListedPatentFact.is_primary.is_(True))).all()
        assert sorted(primary) == [patents[0].id, patents[1].id]  # one primary row per patent
        offer2.patents.remove(patents[1])
        world["offer"].published_at = None
        assert_equal_to_rebuild(db)
        db.delete(conversion)
        db.delete(d2)
        live = assert_equal_to_rebuild(db)
        assert {r[0] for r in live["stat_deal"]} == {d1.id, d3.id}
        assert live["stat_converted_patent"] == []


def test_distinct_patent_count_uses_first_rows_correctly(db, world):
    """Patent 2 is dealt four times (twice on one day, once undated); any period counts it once."""
    univ, ent, patents = world["univ"], world["ent"], world["patents"]
    with db.begin():
        for day in (date(2025, 1, 10), date(2025, 1, 10), date(2025, 4, 1)):
            f.deal(db, univ, ent, [patents[1]], day, 1000)
        f.deal(db, univ, ent, [patents[1], patents[2]], None)
        # patent 4: an enterprise's licence first, then the university's; only the latter is a university deal
        f.deal(db, ent, univ, [patents[3]], date(2025, 2, 1), type_=DealType.ORDINARY_LICENCE)
        f.deal(db, univ, ent, [patents[3]], date(2025, 2, 5), type_=DealType.ORDINARY_LICENCE)
        db.add(Conversion(org_id=ent.id, product="产品", start_date=date(2025, 3, 1), patents=[patents[3]]))
    # (start, end): (distinct patents dealt, university conversion rate: patent 4 converted 2025-03-01)
    cases = {(None, None): (3, 33.33), (date(2025, 1, 10), date(2025, 1, 10)): (1, 0.0),
             (date(2025, 1, 11), None): (2, 50.0), (None, date(2025, 3, 31)): (2, 50.0),
             (date(2025, 2, 1), date(2025, 2, 28)): (1, 0.0), (date(2025, 4, 2), None): (0, None)}
    for (start, end), (patents_dealt, rate) in cases.items():
        flt = ind.Filters(start=start, end=end)
        assert ind.compute(db, "deals_patents", flt) == patents_dealt, (start, end)
        assert ind.compute(db, "conversion_rate_university", flt) == rate, (start, end)
        # the same numbers through the organisation-filtered path (GROUP BY), which does not use first rows
        assert ind.compute(db, "deals_patents", ind.Filters(start=start, end=end, org_kind="university")) == patents_dealt
        assert ind.compute(db, "conversion_rate_university", ind.Filters(start=start, end=end, org_kind="university")) == rate


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'recount.sqlite3'}"
        return
    from tests.conftest import throwaway_database

    with throwaway_database(request.getfixturevalue("pg_server"), "ipp_recount") as url:
        yield url


def test_migration_recounts_stored_amounts(empty_url):
    """Facts written under the old rule (a pledge's contract amount) are recounted by migration 0009."""
    from sqlalchemy import column as sa_column
    from sqlalchemy import insert, update
    from sqlalchemy import table as sa_table

    from ipplatform.database import utcnow

    from ipplatform import migrate
    from ipplatform.database import make_engine
    from ipplatform.hooks import hooked_session_factory

    migrate.upgrade(empty_url, "0008")
    engine = make_engine(empty_url)
    sessions = hooked_session_factory(engine)
    try:
        with sessions() as db, db.begin():
            univ, bank = f.org(db, OrgKind.UNIVERSITY), f.org(db, OrgKind.FINANCIAL)
            # The deal row as schema 0008 has it (later revisions add columns the ORM model already maps).
            columns = ("type", "status", "from_org_id", "lender_org_id", "loan_amount", "amount", "contract_date",
                       "synthetic", "created_at", "updated_at")
            typed = Deal.__table__.c  # the column types, without the defaults of columns added later
            table = sa_table("deal", sa_column("id", typed.id.type), *(sa_column(c, typed[c].type) for c in columns))
            pledge_id = db.execute(insert(table).values(dict(zip(columns, (
                DealType.PLEDGE.value, DealStatus.RECORDED.value, univ.id, bank.id, Decimal("600000"),
                Decimal("1000000"), date(2025, 2, 10), False, utcnow(), utcnow())))).returning(table.c.id)).scalar_one()
            db.execute(insert(sa_table("deal_patent", sa_column("deal_id"), sa_column("patent_id"))).values(
                deal_id=pledge_id, patent_id=f.patent(db, univ).id))
            facts_module.rebuild(db.connection())
            db.execute(update(DealFact).values(value=Decimal("1000000")))  # as the old rule stored it
            db.execute(update(DealDay).values(value=Decimal("1000000")))
        migrate.upgrade(empty_url)
        with sessions() as db:
            assert db.scalar(select(DealFact.value).where(DealFact.deal_id == pledge_id)) == Decimal("600000")
            assert db.scalar(select(DealDay.value)) == Decimal("600000")
    finally:
        engine.dispose()
