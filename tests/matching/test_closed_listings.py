"""A match whose offer or demand is no longer published is over: it cannot be advanced or rated (only closed
as 未成), leaves the 进行中 inbox, and lists keep it only if the two sides had got in touch (regression: a
match of a closed offer could be "agreed", opening a draft deal nobody could record)."""

from __future__ import annotations

import pytest

from ipplatform.auth.enums import Role
from ipplatform.matching.enums import MatchStatus
from ipplatform.matching.models import Match
from ipplatform.organisations.enums import OrgKind
from ipplatform.outcomes.models import Deal
from tests import factories as f


@pytest.fixture
def world(db):
    with db.begin():
        univ, firm = f.org(db, OrgKind.UNIVERSITY), f.org(db, OrgKind.ENTERPRISE)
        seller, buyer = f.user(db, univ, Role.UNIVERSITY_MEMBER, "seller"), f.user(db, firm, Role.ENTERPRISE_MEMBER, "buyer")
        offer = f.offer(db, univ, title="一种茶叶连续杀青装置", patents=[f.patent(db, univ)])
        other = f.offer(db, univ, title="一种茶叶揉捻机", patents=[f.patent(db, univ)])
        demand = f.demand(db, firm, title="茶叶杀青连续化技术")
        fresh = Match(demand_id=demand.id, offer_id=offer.id, score=1.0, rank=1, status=MatchStatus.SUGGESTED)
        talking = Match(demand_id=demand.id, offer_id=other.id, score=0.9, rank=2, status=MatchStatus.NEGOTIATING)
        db.add_all([fresh, talking])
    return {"seller": f.auth(seller), "buyer": f.auth(buyer), "offer": offer.id, "other": other.id,
            "demand": demand.id, "fresh": fresh.id, "talking": talking.id}


def _ids(resp) -> list[int]:
    assert resp.status_code == 200, resp.text
    return [m["id"] for m in resp.json()["items"]]


def test_a_withdrawn_offer_ends_its_matches(client, db, world):
    w = world
    assert sorted(_ids(client.get(f"/api/demands/{w['demand']}/matches", headers=w["buyer"]))) == sorted(
        [w["fresh"], w["talking"]])
    for offer in ("offer", "other"):
        assert client.post(f"/api/offers/{w[offer]}/withdraw", headers=w["seller"]).status_code == 200
    for match in ("fresh", "talking"):
        for target in ("contacted", "agreed"):
            resp = client.post(f"/api/matches/{w[match]}/status", json={"status": target}, headers=w["buyer"])
            if match == "talking" and target == "contacted":
                continue  # backwards anyway
            assert resp.status_code == 409 and resp.json()["code"] == "listing_closed", resp.text
            assert "当前为“已撤回”" in resp.json()["message_zh"]
    feedback = client.post(f"/api/matches/{w['fresh']}/feedback", json={"intent": "negotiate"}, headers=w["buyer"])
    assert feedback.status_code == 409 and feedback.json()["code"] == "listing_closed"
    db.expire_all()
    assert db.query(Deal).count() == 0
    # the untouched match leaves the lists; the one in talks stays as history and can still be closed as 未成
    assert _ids(client.get(f"/api/demands/{w['demand']}/matches", headers=w["buyer"])) == [w["talking"]]
    done = client.post(f"/api/matches/{w['talking']}/status", json={"status": "declined"}, headers=w["buyer"])
    assert done.status_code == 200 and done.json()["status"] == "declined"


def test_the_pages_say_so_and_offer_only_closing(client, db, world):
    w = world
    assert client.post(f"/api/offers/{w['other']}/withdraw", headers=w["seller"]).status_code == 200
    assert f.form_post(client, "/login", data={"username": "buyer", "password": f.PASSWORD},
                       follow_redirects=False).status_code == 303
    page = client.get(f"/matches/{w['talking']}").text
    assert 'data-testid="match-closed"' in page and "当前为“已撤回”" in page
    assert 'data-testid="status-declined"' in page and 'data-testid="status-agreed"' not in page
    assert f'action="/matches/{w["talking"]}/feedback"' not in page
    live = client.get(f"/matches/{w['fresh']}").text
    assert 'data-testid="match-closed"' not in live and 'data-testid="status-agreed"' in live
    inbox = client.get("/matches", params={"status": "active"}).text
    assert f'href="/matches/{w["fresh"]}"' in inbox and f'href="/matches/{w["talking"]}"' not in inbox
    demand = client.get(f"/demands/{w['demand']}").text
    assert f'action="/matches/{w["fresh"]}/feedback"' in demand
    assert f'action="/matches/{w["talking"]}/feedback"' not in demand
