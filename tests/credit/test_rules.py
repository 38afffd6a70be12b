"""Each credit rule with a positive and a negative case; flags reach search results and matches."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ipplatform.auth.enums import Role
from ipplatform.credit import rules
from ipplatform.credit.models import CreditFlag, DishonestEntity
from ipplatform.organisations.enums import OrgKind
from ipplatform.patents.enums import PatentKind
from ipplatform.search.documents import DocType
from ipplatform.search.timing import Timings
from tests import factories as f

CFG = rules.RuleConfig()


@pytest.fixture
def orgs(db):
    with db.begin():
        return [f.org(db, OrgKind.ENTERPRISE) for _ in range(4)]


def test_repeated_transfer(db, orgs):
    a, b, c, _ = orgs
    with db.begin():
        p, q = f.patent(db, a), f.patent(db, a)
        first = f.deal(db, a, b, [p], date(2025, 1, 10))
        second = f.deal(db, b, c, [p], date(2025, 8, 1))
        far = f.deal(db, a, b, [q], date(2023, 1, 1))
        late = f.deal(db, b, c, [q], date(2025, 6, 1))  # 2 years later: outside 12 months
        hits = rules.repeated_transfer(db, second, CFG)
        assert len(hits) == 1 and hits[0][1]["deals"] == sorted([first.id, second.id])
        assert rules.repeated_transfer(db, late, CFG) == []
        assert rules.repeated_transfer(db, far, CFG) == []


def test_bulk_after_grant(db, orgs):
    a, b, _, _ = orgs
    with db.begin():
        granted = date(2025, 3, 1)
        fresh = []
        for _ in range(10):
            p = f.patent(db, a)
            p.grant_date = granted
            fresh.append(p)
        bulk = f.deal(db, a, b, fresh, granted + timedelta(days=30))
        assert len(rules.bulk_after_grant(db, bulk, CFG)) == 1
        few = f.deal(db, a, b, fresh[:9], granted + timedelta(days=30))
        assert rules.bulk_after_grant(db, few, CFG) == []
        old = f.deal(db, a, b, fresh, granted + timedelta(days=200))
        assert rules.bulk_after_grant(db, old, CFG) == []


def test_dishonest_party(db, orgs):
    a, b, c, _ = orgs
    with db.begin():
        db.add(DishonestEntity(credit_code=b.credit_code, name=b.name, source="信用中国（测试）",
                               listed_from=date(2025, 1, 1), listed_to=date(2025, 12, 31)))
        during = f.deal(db, a, b, [f.patent(db, a)], date(2025, 6, 1))
        after = f.deal(db, a, b, [f.patent(db, a)], date(2026, 2, 1))
        clean = f.deal(db, a, c, [f.patent(db, a)], date(2025, 6, 1))
        hit = rules.dishonest_party(db, during, CFG)
        assert len(hit) == 1 and hit[0][1]["role"] == "受让方" and "信用中国" in hit[0][0]
        assert rules.dishonest_party(db, after, CFG) == []
        assert rules.dishonest_party(db, clean, CFG) == []


def test_price_outlier(db, orgs):
    a, b, _, _ = orgs
    with db.begin():
        for i in range(10):  # comparable market: 80k–120k per utility-model patent in section A
            f.deal(db, a, b, [f.patent(db, a, kind=PatentKind.UTILITY_MODEL)], date(2025, 1, 1 + i), 80_000 + 4_000 * i)
        cheap = f.deal(db, a, b, [f.patent(db, a, kind=PatentKind.UTILITY_MODEL)], date(2025, 3, 1), 1_000)
        normal = f.deal(db, a, b, [f.patent(db, a, kind=PatentKind.UTILITY_MODEL)], date(2025, 3, 1), 100_000)
        other_kind = f.deal(db, a, b, [f.patent(db, a, kind=PatentKind.INVENTION_GRANTED)], date(2025, 3, 1), 1_000)
        hit = rules.price_outlier(db, cheap, CFG)
        assert len(hit) == 1 and hit[0][1]["robust_z"] < -CFG.max_robust_z
        assert rules.price_outlier(db, normal, CFG) == []
        assert rules.price_outlier(db, other_kind, CFG) == []  # too few comparables of its kind


def test_recording_flags_and_staff_review(client, db, orgs):
    a, b, _, _ = orgs
    with db.begin():
        member = f.user(db, a, Role.ENTERPRISE_MEMBER)
        staff = f.user(db, f.org(db, OrgKind.IP_OFFICE), Role.OFFICE_STAFF)
        p = f.patent(db, a)
        db.add(DishonestEntity(credit_code=b.credit_code, name=b.name, source="测试名单", listed_from=date(2020, 1, 1)))
    created = client.post("/api/deals", headers=f.auth(member), json={
        "type": "transfer", "patent_ids": [p.id], "to_org_id": b.id, "amount": "100000", "contract_date": "2025-05-01"})
    assert created.status_code == 201, created.text
    client.post(f"/api/deals/{created.json()['id']}/record", headers=f.auth(member), json={})
    flags = client.get("/api/credit/flags", headers=f.auth(staff)).json()
    assert [fl["rule"] for fl in flags] == ["dishonest_party"] and flags[0]["evidence"]["source"] == "测试名单"
    assert client.get("/api/credit/flags", headers=f.auth(member)).status_code == 403
    reviewed = client.post(f"/api/credit/flags/{flags[0]['id']}/review", headers=f.auth(staff),
                           json={"status": "confirmed"})
    assert reviewed.json()["status"] == "confirmed"
    assert db.query(CreditFlag).count() == 1


def test_flags_show_in_search_results(client, db, orgs, app):
    """Public hits carry the warning for confirmed findings only (the dishonest list, flags staff
    confirmed); flags still under review are shown to office staff alone."""
    a, b, c, d = orgs
    with db.begin():
        listed = f.offer(db, a, title="储能电池热管理技术转让")
        clean = f.offer(db, b, title="储能电池液冷技术许可")
        under_review = f.offer(db, c, title="储能电池回收技术转让")
        confirmed = f.offer(db, d, title="储能电池梯次利用技术")
        db.add(DishonestEntity(credit_code=a.credit_code, name=a.name, source="测试名单", listed_from=date(2020, 1, 1)))
        buyer = f.org(db, OrgKind.ENTERPRISE)  # the other party of the flagged deals (flagged too, not listed)
        for org, status in ((c, "open"), (d, "confirmed")):
            deal = f.deal(db, org, buyer, [f.patent(db, org)], date(2025, 1, 10))
            db.add(CreditFlag(deal_id=deal.id, rule="price_outlier", message_zh="测试", evidence={}, status=status))
        staff = f.user(db, f.org(db, OrgKind.IP_OFFICE), Role.OFFICE_STAFF)
    page = [(listed.id, 1.0), (clean.id, 0.5), (under_review.id, 0.4), (confirmed.id, 0.3)]
    # The hydration step every search result goes through (the search itself is covered elsewhere).
    public = {h.id: h.credit_warning for h in app.state.search._hydrate(db, DocType.OFFER, page, ("储能",), None,
                                                                          Timings())}
    assert public == {listed.id: True, clean.id: False, under_review.id: False, confirmed.id: True}
    for_staff = {h.id: h.credit_warning for h in app.state.search._hydrate(db, DocType.OFFER, page, ("储能",), staff,
                                                                             Timings())}
    assert for_staff == {listed.id: True, clean.id: False, under_review.id: True, confirmed.id: True}
