"""Completing and recording a draft deal through the API: details given at recording are applied and checked
as a whole, the offer the deal was made on closes (by default for 标记成交, a transfer or an exclusive
licence), and a non-exclusive licence from a match leaves the offer open."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ipplatform.auth.enums import Role
from ipplatform.common.enums import ListingStatus
from ipplatform.matching.enums import MatchStatus
from ipplatform.matching.models import Match
from ipplatform.offers.models import Offer
from ipplatform.organisations.enums import OrgKind
from ipplatform.outcomes.models import Deal
from tests import factories as f


@pytest.fixture
def side(db):
    with db.begin():
        univ, ent, bank = f.org(db, OrgKind.UNIVERSITY), f.org(db, OrgKind.ENTERPRISE), f.org(db, OrgKind.FINANCIAL)
        offer = f.offer(db, univ, modes=["ordinary_licence", "pledge"])
        demand = f.demand(db, ent, modes=["ordinary_licence"])
        match = Match(demand_id=demand.id, offer_id=offer.id, score=1.0, rank=1, strong=True, explanation={})
        db.add(match)
        db.flush()
        seller = f.auth(f.user(db, univ, Role.UNIVERSITY_MEMBER))
        buyer = f.auth(f.user(db, ent, Role.ENTERPRISE_MEMBER))
    return {"univ": univ.id, "ent": ent.id, "bank": bank.id, "offer": offer.id, "match": match.id,
            "patent": offer.patents[0].id, "seller": seller, "buyer": buyer}


def _agree(client, side) -> dict:
    resp = client.post(f"/api/matches/{side['match']}/status", headers=side["buyer"], json={"status": "agreed"})
    assert resp.status_code == 200
    deals = client.get("/api/deals", headers=side["buyer"]).json()
    return next(d for d in deals if d["match_id"] == side["match"])


def test_recording_applies_the_details_and_a_licence_leaves_the_offer_open(client, db, side):
    draft = _agree(client, side)
    assert draft["status"] == "draft" and draft["offer_id"] == side["offer"] and draft["type"] == "ordinary_licence"
    resp = client.post(f"/api/deals/{draft['id']}/record", headers=side["seller"], json={
        "amount": "120000", "contract_date": "2026-11-20", "recordal_number": "X2026-1"})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["status"] == "recorded" and Decimal(body["amount"]) == Decimal("120000")
    assert body["contract_date"] == "2026-11-20" and body["recordal_number"] == "X2026-1"
    db.expire_all()
    assert db.get(Offer, side["offer"]).status == ListingStatus.PUBLISHED  # others may still take a licence
    assert db.get(Match, side["match"]).status == MatchStatus.AGREED
    again = client.post(f"/api/deals/{draft['id']}/record", headers=side["seller"], json={})
    assert again.status_code == 409


def test_the_completed_deal_must_be_consistent(client, db, side):
    draft = _agree(client, side)
    url = f"/api/deals/{draft['id']}/record"
    pledge = client.post(url, headers=side["seller"], json={"type": "pledge"})
    assert pledge.status_code == 422 and "质权人" in pledge.json()["detail"][0]["message_zh"]
    moved = client.post(url, headers=side["seller"], json={"to_org_id": side["bank"]})
    assert moved.status_code == 422 and "不能更改" in moved.json()["message_zh"]
    with db.begin():
        stranger = f.patent(db, db.get(Deal, draft["id"]).from_org)  # the holder's, but not in the offer
    outside = client.post(url, headers=side["seller"], json={"patent_ids": [stranger.id]})
    assert outside.status_code == 422 and "不在该供给信息中" in outside.json()["message_zh"]
    assert client.post(url, headers=side["buyer"], json={}).status_code == 403  # the counterparty may not
    db.expire_all()
    assert db.get(Deal, draft["id"]).status.value == "draft"
    ok = client.post(url, headers=side["seller"], json={
        "type": "pledge", "lender_org_id": side["bank"], "loan_amount": "500000", "close_offer": True})
    assert ok.status_code == 200 and ok.json()["type"] == "pledge"
    db.expire_all()
    assert db.get(Offer, side["offer"]).status == ListingStatus.CLOSED  # asked for


def test_a_deal_on_an_offer_closes_it_when_recorded(client, db, side):
    resp = client.post("/api/deals", headers=side["seller"], json={
        "type": "transfer", "patent_ids": [side["patent"]], "to_org_id": side["ent"], "offer_id": side["offer"],
        "amount": "50000", "contract_date": "2026-11-01"})
    assert resp.status_code == 201 and resp.json()["offer_id"] == side["offer"]
    assert client.post(f"/api/deals/{resp.json()['id']}/record", headers=side["seller"], json={}).status_code == 200
    db.expire_all()
    assert db.get(Offer, side["offer"]).status == ListingStatus.CLOSED
    wrong = client.post("/api/deals", headers=side["buyer"], json={
        "type": "transfer", "patent_ids": [side["patent"]], "to_org_id": side["univ"], "offer_id": side["offer"]})
    assert wrong.status_code == 422
