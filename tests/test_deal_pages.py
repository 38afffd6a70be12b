"""The match → deal pipeline on the pages (HTTP, SQLite and PostgreSQL): status buttons with a time per step,
feedback that says what was saved and moves the match as the stated intent says, the grouped and filtered
inbox, an offer's matches, the deal drafted from an agreed match and recorded by the holder's side, and the
deal form behind 标记成交."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from ipplatform.auth.cookies import COOKIE_NAME
from ipplatform.auth.enums import Role
from ipplatform.common.enums import ListingStatus
from ipplatform.demands.models import Demand
from ipplatform.matching.enums import MatchStatus
from ipplatform.matching.models import Match, MatchFeedback
from ipplatform.offers.models import Offer
from ipplatform.organisations.enums import OrgKind
from ipplatform.outcomes.enums import DealStatus, DealType
from ipplatform.outcomes.models import Deal
from ipplatform.common.timefmt import beijing_today
from tests import factories as f

STAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")


@pytest.fixture
def world(db):
    with db.begin():
        ent, univ, other = f.org(db, OrgKind.ENTERPRISE), f.org(db, OrgKind.UNIVERSITY), f.org(db, OrgKind.ENTERPRISE)
        office = f.org(db, OrgKind.IP_OFFICE)
        users = {"ent": f.user(db, ent, Role.ENTERPRISE_MEMBER), "univ": f.user(db, univ, Role.UNIVERSITY_MEMBER),
                 "other": f.user(db, other, Role.ENTERPRISE_MEMBER), "staff": f.user(db, office, Role.OFFICE_STAFF)}
        demand = f.demand(db, ent, title="需要茶叶加工技术")
        offer = f.offer(db, univ, title="茶叶揉捻技术转让")  # transfer, 10 万元
        match = _match(db, demand.id, offer.id, strong=True, confidence=0.91)
    return {"users": users, "ent": ent.id, "univ": univ.id, "other": other.id, "demand": demand.id, "offer": offer.id,
            "match": match.id}


def _match(db, demand_id, offer_id, strong=False, confidence=0.5, status=MatchStatus.SUGGESTED, score=1.0):
    m = Match(demand_id=demand_id, offer_id=offer_id, score=score, rank=1, strong=strong, status=status,
              explanation={"confidence": confidence, "shared_terms": ["茶叶"]})
    db.add(m)
    db.flush()
    return m


def _as(client, user) -> None:
    client.cookies.set(COOKIE_NAME, f.auth(user)["Authorization"].removeprefix("Bearer "))


def _status(client, match_id: int, status: str):
    return f.form_post(client, f"/matches/{match_id}/status", data={"status": status}, follow_redirects=False)


def _step(html: str, status: str) -> str:
    found = re.search(r'data-testid="step-%s">(.*?)</li>' % status, html, re.S)
    assert found, status
    return found.group(1)


def test_status_buttons_move_the_match_forward_with_a_time_per_step(client, db, world):
    _as(client, world["users"]["ent"])
    page = client.get(f"/matches/{world['match']}").text
    assert 'data-testid="status-contacted"' in page and STAMP.search(_step(page, "suggested"))
    assert not STAMP.search(_step(page, "contacted"))
    resp = _status(client, world["match"], "contacted")
    assert resp.status_code == 303 and resp.headers["location"] == f"/matches/{world['match']}?saved=status"
    page = client.get(resp.headers["location"]).text
    assert "匹配状态已更新为“已联系”" in page and STAMP.search(_step(page, "contacted"))
    assert STAMP.search(_step(page, "viewed"))  # a skipped step is stamped on the way
    assert 'data-testid="status-contacted"' not in page and 'data-testid="status-negotiating"' in page
    # Backwards is refused on the error page; the offer's side moves it on; staff only read.
    back = _status(client, world["match"], "viewed")
    assert back.status_code == 409 and "不能从“已联系”变为“已查看”" in back.text
    assert _status(client, world["match"], "shout").status_code == 422
    _as(client, world["users"]["univ"])
    assert _status(client, world["match"], "negotiating").status_code == 303
    page = client.get(f"/matches/{world['match']}").text
    assert STAMP.search(_step(page, "negotiating")) and "已达成" in page and 'data-testid="feedback-form"' not in page
    _as(client, world["users"]["staff"])
    assert client.get(f"/matches/{world['match']}").status_code == 200
    assert _status(client, world["match"], "agreed").status_code == 403
    _as(client, world["users"]["other"])
    assert client.get(f"/matches/{world['match']}").status_code == 403
    db.expire_all()
    assert db.get(Match, world["match"]).status == MatchStatus.NEGOTIATING


@pytest.mark.parametrize("intent, before, after", [
    ("negotiate", MatchStatus.SUGGESTED, MatchStatus.NEGOTIATING),
    ("buy", MatchStatus.CONTACTED, MatchStatus.NEGOTIATING),
    ("learn_more", MatchStatus.SUGGESTED, MatchStatus.VIEWED),
    ("learn_more", MatchStatus.NEGOTIATING, MatchStatus.NEGOTIATING),  # never backwards
    ("none", MatchStatus.CONTACTED, MatchStatus.DECLINED),
    ("negotiate", MatchStatus.AGREED, MatchStatus.AGREED),
])
def test_feedback_moves_the_match_as_the_intent_says(client, db, world, intent, before, after):
    with db.begin():
        db.get(Match, world["match"]).status = before
    _as(client, world["users"]["ent"])
    resp = f.form_post(client, f"/matches/{world['match']}/feedback",
                       data={"intent": intent, "prospect_rating": "4", "improvement_needs": "需要中试数据"},
                       follow_redirects=False)
    assert resp.status_code == 303
    page = client.get(resp.headers["location"]).text
    db.expire_all()
    assert db.get(Match, world["match"]).status == after
    notice = re.search(r'data-testid="saved">(.*?)</p>', page, re.S).group(1)
    assert "产业化前景 4 分" in notice and "需要中试数据" in notice and f"当前匹配状态：{after.zh}" in notice
    # The form shows the saved choice again.
    assert re.search(r'<option value="%s" selected>' % intent, page) and '<option value="4" selected>' in page


def test_untouched_feedback_form_never_declines(client, db, world):
    """A user who only rates the prospect sends the preselected intent: 进一步了解, never 暂无意向 (which declines
    the match for good); 暂无意向 is the last choice on the match page and on the demand page alike."""
    _as(client, world["users"]["ent"])
    page = client.get(f"/matches/{world['match']}").text
    form = page.split('data-testid="feedback-form"')[1].split("</form>")[0]
    intents = re.findall(r'<option value="(\w+)"( selected)?>', form.split('name="intent"')[1].split("</select>")[0])
    assert intents[0] == ("learn_more", " selected") and intents[-1] == ("none", "")
    chosen = re.search(r'name="intent".*?<option value="(\w+)" selected>', form, re.S).group(1)
    resp = f.form_post(client, f"/matches/{world['match']}/feedback",
                       data={"intent": chosen, "prospect_rating": "5", "improvement_needs": ""}, follow_redirects=False)
    assert resp.status_code == 303
    db.expire_all()
    assert db.get(Match, world["match"]).status not in (MatchStatus.DECLINED,)
    demand_page = client.get(f"/demands/{db.get(Match, world['match']).demand_id}").text
    order = re.findall(r'<option value="(\w+)"', demand_page.split('name="intent"')[1].split("</select>")[0])
    assert order == [i for i, _ in intents]


def test_invalid_feedback_keeps_what_was_entered(client, world):
    _as(client, world["users"]["ent"])
    resp = f.form_post(client, f"/matches/{world['match']}/feedback",
                       data={"prospect_rating": "9", "intent": "negotiate", "improvement_needs": "需要中试数据"})
    assert resp.status_code == 422 and 'data-testid="feedback-refused"' in resp.text
    assert 'data-field="prospect_rating"' in resp.text and 'value="需要中试数据"' in resp.text
    assert '<option value="negotiate" selected>' in resp.text and "prospect_rating：" not in resp.text


def test_agreeing_drafts_the_deal_and_the_holder_records_it(client, db, world):
    _as(client, world["users"]["ent"])
    assert _status(client, world["match"], "agreed").status_code == 303
    page = client.get(f"/matches/{world['match']}?saved=status").text
    assert "交易草稿" in page and "待权利人一方完善合同信息后登记" in page and 'data-testid="status-actions"' not in page
    deal = db.scalar(select(Deal).where(Deal.match_id == world["match"]))
    assert deal.status == DealStatus.DRAFT and deal.offer_id == world["offer"] and deal.type == DealType.TRANSFER
    assert (deal.from_org_id, deal.to_org_id) == (world["univ"], world["ent"])
    detail = client.get(f"/deals/{deal.id}").text  # the counterparty reads it, may not record it
    assert "茶叶揉捻技术转让" in detail and "10 万元" in detail and 'data-testid="record-deal"' not in detail
    assert client.get(f"/deals/{deal.id}/record").status_code == 403
    assert f'href="/deals/{deal.id}"' in client.get("/deals?status=draft").text
    assert f'href="/deals/{deal.id}"' not in client.get("/deals?status=recorded").text

    _as(client, world["users"]["univ"])
    form = client.get(f"/deals/{deal.id}/record").text
    assert 'name="amount" inputmode="decimal" value="10"' in form and "checked" in form  # prefilled
    bad = f.form_post(client, f"/deals/{deal.id}/record", data={
        "patent_ids": str(deal.patents[0].id), "amount": "很多", "type": "transfer", "action": "record"})
    assert bad.status_code == 422
    assert 'data-field="contract_date"' in bad.text and "登记交易须填写合同日期" in bad.text
    assert 'data-field="amount"' in bad.text and 'value="很多"' in bad.text
    today = beijing_today().isoformat()
    ok = f.form_post(client, f"/deals/{deal.id}/record", data={
        "patent_ids": str(deal.patents[0].id), "amount": "35.5", "type": "transfer", "contract_date": today,
        "recordal_number": "2026990000123", "action": "record"}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == f"/deals/{deal.id}?saved=recorded"
    detail = client.get(ok.headers["location"]).text
    assert "交易已登记" in detail and "35.50 万元" in detail and today in detail
    db.expire_all()
    deal = db.get(Deal, deal.id)
    assert deal.status == DealStatus.RECORDED and deal.amount == Decimal("355000")
    assert db.get(Offer, world["offer"]).status == ListingStatus.CLOSED  # a transfer: nobody else can have it
    assert deal.patents[0].owner_org_id == world["ent"]
    assert client.get(f"/deals/{deal.id}/record").status_code == 409
    _as(client, world["users"]["other"])
    assert client.get(f"/deals/{deal.id}").status_code == 403


def test_marking_an_offer_dealt_records_a_deal_and_closes_it(client, db, world):
    _as(client, world["users"]["univ"])
    url = f"/deals/new?offer_id={world['offer']}"
    form = client.get(url).text
    assert "标记成交" in form and 'value="transfer" selected' in form and "（需求与本供给匹配）" in form
    with db.begin():
        patent_id = db.get(Offer, world["offer"]).patents[0].id
    data = {"to_org_id": str(world["ent"]), "type": "ordinary_licence", "patent_ids": str(patent_id),
            "amount": "8", "contract_date": beijing_today().isoformat(), "close_offer": "on", "action": "record"}
    bad = f.form_post(client, url, data={**data, "to_org_id": ""})
    assert bad.status_code == 422 and 'data-field="to_org_id"' in bad.text and 'value="8"' in bad.text
    assert "to_org_id：" not in bad.text
    ok = f.form_post(client, url, data=data, follow_redirects=False)
    assert ok.status_code == 303
    deal = db.get(Deal, int(ok.headers["location"].split("/")[2].split("?")[0]))
    assert deal.status == DealStatus.RECORDED and deal.offer_id == world["offer"] and deal.match_id is None
    assert deal.type == DealType.ORDINARY_LICENCE and deal.amount == Decimal("80000")
    assert db.get(Offer, world["offer"]).status == ListingStatus.CLOSED
    assert "（已成交/关闭）" in client.get(ok.headers["location"]).text
    assert client.get(url).status_code == 409  # closed: no second deal on it
    _as(client, world["users"]["ent"])  # not the holder
    db.rollback()
    with db.begin():
        other_offer = f.offer(db, db.get(Offer, world["offer"]).owner, title="第二项")
    assert client.get(f"/deals/new?offer_id={other_offer.id}").status_code == 403


def test_a_deal_saved_as_draft_leaves_the_offer_open(client, db, world):
    _as(client, world["users"]["univ"])
    with db.begin():
        patent_id = db.get(Offer, world["offer"]).patents[0].id
    ok = f.form_post(client, f"/deals/new?offer_id={world['offer']}", data={
        "to_org_id": str(world["ent"]), "type": "transfer", "patent_ids": str(patent_id), "action": "save"},
        follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"].endswith("?saved=draft")
    assert "交易草稿已保存" in client.get(ok.headers["location"]).text
    db.expire_all()
    assert db.get(Offer, world["offer"]).status == ListingStatus.PUBLISHED


def test_inbox_groups_pages_and_filters(client, db, world):
    with db.begin():
        ent = db.get(Match, world["match"]).demand.organisation
        for i in range(11):
            d = f.demand(db, ent, title=f"需求第{i:02d}号加工技术")
            _match(db, d.id, world["offer"], strong=False, confidence=0.4, score=0.5)
    _as(client, world["users"]["ent"])
    first = client.get("/matches").text
    assert first.count('data-testid="inbox-group"') == 10 and "第 1 / 2 页" in first
    second = client.get("/matches?page=2").text
    assert second.count('data-testid="inbox-group"') == 2
    strong = client.get("/matches?strong=1").text
    assert strong.count('data-testid="inbox-group"') == 1 and "需要茶叶加工技术" in strong
    assert 'name="strong" value="1" checked' in strong
    assert "没有符合筛选条件的匹配" in client.get("/matches?status=agreed").text
    assert client.get("/matches?status=whatever").status_code == 422
    # The university sees one group: its offer, with every demand matched to it, linking to the offer's matches.
    _as(client, world["users"]["univ"])
    inbox = client.get("/matches?side=offer").text
    assert inbox.count('data-testid="inbox-group"') == 1 and "与 12 项企业需求相关" in inbox
    assert f'href="/offers/{world["offer"]}/matches"' in inbox
    listing = client.get(f"/offers/{world['offer']}/matches").text
    assert listing.count('data-testid="offer-match-row"') == 12 and "第 1 / 1 页" in listing
    assert listing.index("需要茶叶加工技术") < listing.index("需求第00号")  # strong first
    _as(client, world["users"]["other"])
    assert client.get(f"/offers/{world['offer']}/matches").status_code == 403
    assert 'data-testid="inbox-group"' not in client.get("/matches").text


def test_fit_is_on_a_0_to_100_scale_agreeing_with_the_strong_verdict(db, world):
    with db.begin():
        m = db.get(Match, world["match"])
        assert m.fit == 91
        m.strong, m.explanation = False, {"confidence": 0.95}
        assert m.fit == 79  # not strong: below the strong mark, whatever the confidence says
        m.strong, m.explanation = True, {"confidence": 0.7}
        assert m.fit == 80
        m.explanation = {"confidence": 1.4}
        assert m.fit == 100
        m.explanation = {}
        assert m.fit is None
        db.rollback()


def test_a_deal_registered_freely_names_its_patents_by_number(client, db, world):
    with db.begin():
        univ = db.get(Offer, world["offer"]).owner
        patent = f.patent(db, univ)
        number = patent.application_number
    _as(client, world["users"]["univ"])
    form = client.get("/deals/new").text
    assert 'name="patent_numbers"' in form and f'<option value="{world["univ"]}"' in form
    assert f'<option value="{world["ent"]}"' not in form.split('name="from_org_id"')[1].split("</select>")[0]
    data = {"from_org_id": str(world["univ"]), "to_org_id": str(world["ent"]), "type": "exclusive_licence",
            "patent_numbers": "CN000000000000.0", "amount": "3", "contract_date": beijing_today().isoformat(),
            "action": "record"}
    bad = f.form_post(client, "/deals/new", data=data)
    assert bad.status_code == 422 and "专利 CN000000000000.0 不是该权利人的专利" in bad.text
    assert 'value="CN000000000000.0"' in bad.text
    ok = f.form_post(client, "/deals/new", data={**data, "patent_numbers": number.lower()}, follow_redirects=False)
    assert ok.status_code == 303
    deal = db.scalar(select(Deal).where(Deal.type == DealType.EXCLUSIVE_LICENCE))
    assert deal.status == DealStatus.RECORDED and [p.id for p in deal.patents] == [patent.id] and deal.offer_id is None
    _as(client, world["users"]["ent"])  # the enterprise cannot register the university's patents as a deal
    refused = f.form_post(client, "/deals/new", data={**data, "patent_numbers": number})
    assert refused.status_code == 403


def test_the_holder_registers_the_deal_of_a_match_itself(client, db, world):
    _as(client, world["users"]["univ"])
    url = f"/deals/new?match_id={world['match']}"
    form = client.get(url).text
    assert 'data-testid="deal-counterparty"' in form and "需要茶叶加工技术" in form
    with db.begin():
        patent_id = db.get(Offer, world["offer"]).patents[0].id
    ok = f.form_post(client, url, data={"type": "transfer", "patent_ids": str(patent_id), "amount": "20",
                                        "contract_date": beijing_today().isoformat(), "action": "record"},
                     follow_redirects=False)
    assert ok.status_code == 303
    db.expire_all()
    deal = db.scalar(select(Deal).where(Deal.match_id == world["match"]))
    assert deal.to_org_id == world["ent"] and deal.status == DealStatus.RECORDED
    assert db.get(Match, world["match"]).status == MatchStatus.AGREED  # recording the deal concludes the match
    again = client.get(url, follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == f"/deals/{deal.id}"
    _as(client, world["users"]["ent"])
    assert client.get(f"/matches/{world['match']}").text.count(f'href="/deals/{deal.id}"') >= 1


@pytest.mark.parametrize("status", [ListingStatus.CLOSED, ListingStatus.WITHDRAWN])
def test_the_other_party_still_reads_a_listing_no_longer_published(client, db, world, status):
    """The match page links to the offer and the demand; once closed (a deal recorded) or withdrawn, the
    parties of the match still read them, nobody else does, and nobody but the owner reads a draft."""
    with db.begin():
        db.get(Offer, world["offer"]).status = status
        db.get(Demand, world["demand"]).status = status
        # an event organiser reads every match, but is no party to this one: a closed listing stays hidden
        organiser = f.user(db, f.org(db, OrgKind.AGENCY), Role.EVENT_ORGANISER)
    viewers = {**world["users"], "organiser": organiser}
    for viewer, offer_code, demand_code in (("ent", 200, 200), ("univ", 200, 200), ("other", 404, 404),
                                            ("organiser", 404, 404), ("staff", 200, 200)):
        client.cookies.clear()
        _as(client, viewers[viewer])
        for prefix in ("", "/api"):  # the pages and the API answer alike
            assert client.get(f"{prefix}/offers/{world['offer']}").status_code == offer_code, (viewer, prefix)
            assert client.get(f"{prefix}/demands/{world['demand']}").status_code == demand_code, (viewer, prefix)
    client.cookies.clear()
    assert client.get(f"/offers/{world['offer']}").status_code == 404  # anonymous
    assert client.get(f"/api/offers/{world['offer']}").status_code == 404
    with db.begin():
        db.get(Offer, world["offer"]).status = ListingStatus.DRAFT
    _as(client, world["users"]["ent"])
    assert client.get(f"/offers/{world['offer']}").status_code == 404
    assert client.get(f"/api/offers/{world['offer']}").status_code == 404


def test_a_deal_party_reads_the_closed_offer_without_a_match(client, db, world):
    with db.begin():
        db.delete(db.get(Match, world["match"]))
        other_offer = f.offer(db, db.get(Offer, world["offer"]).owner, title="茶叶烘干技术许可")
        deal = f.deal(db, other_offer.owner, db.get(Demand, world["demand"]).organisation, list(other_offer.patents),
                      date(2026, 3, 1), amount=Decimal("100000"))
        deal.offer_id = other_offer.id
        other_offer.status = ListingStatus.CLOSED
    _as(client, world["users"]["ent"])
    assert client.get(f"/offers/{other_offer.id}").status_code == 200
    client.cookies.clear()
    _as(client, world["users"]["other"])
    assert client.get(f"/offers/{other_offer.id}").status_code == 404
