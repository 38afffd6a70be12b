"""Recording deals: validation, the match → deal loop, and the all-or-nothing Excel import."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from ipplatform.auth.enums import Role
from ipplatform.common.enums import ListingStatus
from ipplatform.matching.enums import MatchStatus
from ipplatform.matching.models import Match
from ipplatform.organisations.enums import OrgKind
from ipplatform.outcomes.models import Deal
from ipplatform.stats import indicators as ind
from ipplatform.stats.funnel import funnel
from tests import factories as f

def funnel_counts(db) -> dict[str, int]:
    """The dashboard's funnel by stage name (its definitions are tested in tests/test_stats_funnel.py)."""
    return {s["stage"]: s["value"] for s in funnel(db)}


@pytest.fixture
def parties(db):
    with db.begin():
        univ = f.org(db, OrgKind.UNIVERSITY)
        ent = f.org(db, OrgKind.ENTERPRISE)
        bank = f.org(db, OrgKind.FINANCIAL)
        office = f.org(db, OrgKind.IP_OFFICE)
        seller = f.user(db, univ, Role.UNIVERSITY_MEMBER)
        buyer = f.user(db, ent, Role.ENTERPRISE_MEMBER)
        staff = f.user(db, office, Role.OFFICE_STAFF)
        patents = [f.patent(db, univ) for _ in range(3)]
    return {"univ": univ, "ent": ent, "bank": bank, "seller": f.auth(seller), "buyer": f.auth(buyer),
            "staff": f.auth(staff), "patents": patents, "buyer_user": buyer}


def test_deal_validation(client, parties):
    p = parties["patents"][0].id
    cases = [
        ({"type": "pledge", "patent_ids": [p], "loan_amount": "100000"}, "lender_org_id", "质权人"),
        ({"type": "equity", "patent_ids": [p], "to_org_id": parties["ent"].id}, "valuation", "作价"),
        ({"type": "transfer", "patent_ids": [p]}, "to_org_id", "受让方"),
        ({"type": "transfer", "patent_ids": [p], "to_org_id": parties["ent"].id, "contract_date": "2025-05-01",
          "recordal_date": "2025-04-01"}, "recordal_date", "早于"),
        ({"type": "transfer", "patent_ids": [p], "to_org_id": parties["ent"].id, "amount": "-1"}, "amount", "负数"),
        ({"type": "lease", "patent_ids": [p]}, "type", "取值无效"),
    ]
    for body, field, words in cases:
        resp = client.post("/api/deals", headers=parties["seller"], json=body)
        assert resp.status_code == 422, body
        detail = {d["field"]: d["message_zh"] for d in resp.json()["detail"]}
        assert field in detail and words in detail[field], (body, detail)
    foreign = client.post("/api/deals", headers=parties["buyer"], json={
        "type": "transfer", "patent_ids": [p], "to_org_id": parties["univ"].id})
    assert foreign.status_code == 422 and "不属于" in foreign.json()["message_zh"]


def test_agreed_match_creates_deal_and_recording_closes_the_loop(client, db, parties):
    with db.begin():
        offer = f.offer(db, parties["univ"], patents=parties["patents"][:1], modes=["transfer"])
        demand = f.demand(db, parties["ent"], modes=["transfer"])
        match = Match(demand_id=demand.id, offer_id=offer.id, score=1.2, rank=1)
        db.add(match)
    before = funnel_counts(db)
    resp = client.post(f"/api/matches/{match.id}/status", headers=parties["buyer"], json={"status": "agreed"})
    assert resp.status_code == 200
    deal = db.scalar(select(Deal).where(Deal.match_id == match.id))
    assert deal is not None and deal.status.value == "draft" and deal.type.value == "transfer"
    assert deal.from_org_id == parties["univ"].id and deal.to_org_id == parties["ent"].id
    recorded = client.post(f"/api/deals/{deal.id}/record", headers=parties["seller"],
                           json={"recordal_number": "ZL2025-0001", "recordal_date": str(deal.contract_date)})
    assert recorded.status_code == 200 and recorded.json()["status"] == "recorded"
    db.expire_all()
    assert db.get(Match, match.id).status == MatchStatus.AGREED
    assert parties["patents"][0].id in [p.id for p in db.get(Deal, deal.id).patents]
    from ipplatform.patents.models import Patent
    from ipplatform.offers.models import Offer

    assert db.get(Patent, parties["patents"][0].id).owner_org_id == parties["ent"].id  # ownership moved
    assert db.get(Offer, offer.id).status == ListingStatus.CLOSED
    after = funnel_counts(db)
    assert after["成交"] == before["成交"] + 1 == 1 and after["达成意向"] == before["达成意向"] + 1 == 1
    assert after["发布的专利供给"] == after["获得匹配"] == 1
    again = client.post(f"/api/deals/{deal.id}/record", headers=parties["seller"], json={})
    assert again.status_code == 409


def _xlsx(rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["交易类型", "申请号", "出让方统一社会信用代码", "受让方统一社会信用代码", "质权人统一社会信用代码",
               "交易金额（元）", "贷款金额（元）", "合同日期", "备案号"])
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_excel_import_all_or_nothing(client, db, parties):
    u, e, b = parties["univ"].credit_code, parties["ent"].credit_code, parties["bank"].credit_code
    a0, a1, a2 = (p.application_number for p in parties["patents"])
    good = [["转让", a0, u, e, "", "500000", "", "2025-03-01", "ZL-1"],
            ["质押融资", f"{a1};{a2}", u, "", b, "", "2000000", "2025-04-01", ""]]
    bad = good + [["转让", "CN202223220665.3", u, e, "", "1", "", "2025-03-01", ""],     # check digit
                  ["租赁", a0, u, e, "", "1", "", "2025-03-01", ""],                        # unknown type
                  ["转让", a0, "91350100M000100Y44", e, "", "1", "", "2099-01-01", ""]]     # code + date
    count = lambda: db.scalar(select(func.count()).select_from(Deal))  # noqa: E731
    files = {"file": ("deals.xlsx", _xlsx(bad), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")}
    resp = client.post("/api/deals/import", headers=parties["staff"], files=files)
    assert resp.status_code == 422
    rejected = resp.json()["rejected"]
    assert [r["row"] for r in rejected] == [4, 5, 6]  # every bad row, by its Excel row number
    assert any("校验位" in e["message_zh"] for e in rejected[0]["errors"])
    assert len(rejected[2]["errors"]) >= 1
    assert count() == 0  # nothing written
    files = {"file": ("deals.xlsx", _xlsx(good), "application/octet-stream")}
    resp = client.post("/api/deals/import", headers=parties["staff"], files=files)
    assert resp.status_code == 200 and resp.json()["imported"] == 2
    assert count() == 2
    assert ind.compute(db, "pledge_amount") == 0  # the pledge row has no recordal number: still a draft
    bad_file = client.post("/api/deals/import", headers=parties["staff"],
                           files={"file": ("deals.csv", b"a,b\n1,2\n", "text/csv")})
    assert bad_file.status_code == 422 and ".xlsx" in bad_file.json()["rejected"][0]["message_zh"]
    broken = client.post("/api/deals/import", headers=parties["staff"],
                         files={"file": ("deals.xlsx", b"not a zip", "application/octet-stream")})
    assert broken.status_code == 422 and "无法读取" in broken.json()["rejected"][0]["message_zh"]
    assert client.post("/api/deals/import", headers=parties["buyer"], files=files).status_code == 403
