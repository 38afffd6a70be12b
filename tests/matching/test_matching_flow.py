"""Matching end to end on the real engine and model: publish a demand → matches with explanations →
feedback → re-run changes the ranking as designed, keeping status and feedback."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from ipplatform.auth.enums import Role
from ipplatform.organisations.enums import OrgKind
from ipplatform.organisations.models import Organisation
from tests import factories as f
from tests.search import corpus
from tests.search.conftest import corpus_app, make_backend


@pytest.fixture(params=["embedded", "elasticsearch"])
def flow(request, _sqlite_template, tmp_path, embedder):
    def people(db, orgs):
        buyer = f.org(db, OrgKind.ENTERPRISE, name="光山县绿茶加工厂（测试）", county_code="411522",
                      industry_code="1530")
        member = f.user(db, buyer, Role.ENTERPRISE_MEMBER)
        tea_inst_member = f.user(db, orgs["tea_inst"], Role.UNIVERSITY_MEMBER)
        staff = f.user(db, db.get(Organisation, orgs["univ"].id), Role.OFFICE_STAFF)
        return f.auth(member), f.auth(tea_inst_member), f.auth(staff)

    backend = make_backend(request.param, request, tmp_path)
    with corpus_app(backend, _sqlite_template, tmp_path, embedder, people) as (app, _, headers), \
            TestClient(app) as client:
        yield app, client, backend, *headers


TEA_DEMAND = {"title": "名优绿茶加工设备升级", "description": "春茶季鲜叶多，需要茶叶杀青、揉捻的自动化加工设备，提升信阳毛尖品质稳定性。",
              "industry_code": "1530", "modes": ["transfer", "exclusive_licence"], "budget_min": "100000",
              "budget_max": "1000000", "region_code": "411522", "publish": True}


def _publish_demand(app, client, headers, body=TEA_DEMAND) -> int:
    resp = client.post("/api/demands", headers=headers, json=body)
    assert resp.status_code == 201, resp.text
    assert app.state.indexer.drain(ignore_backoff=True).failed == 0  # indexing triggers matching
    return resp.json()["id"]


def test_demand_gets_explained_matches_and_feedback_reranks(flow):
    app, client, backend, headers, offer_side, staff = flow
    demand_id = _publish_demand(app, client, headers)
    listing = client.get(f"/api/demands/{demand_id}/matches", headers=headers).json()
    items = listing["items"]
    assert items, "matches appear after publishing"
    tea = corpus.ids("kill", "roll", "wash")
    assert {items[0]["offer_id"], items[1]["offer_id"]} <= tea
    assert listing["strong_match"] and items[0]["strong"]
    top = items[0]["explanation"]
    assert set(top["shared_terms"]) & {"茶叶", "杀青", "揉捻", "绿茶", "名优"}
    assert "<em>" in top["demand_html"] and "<em>" in top["offer_html"]
    assert sum(c["contribution"] for c in top["contributions"]) == pytest.approx(items[0]["score"], abs=1e-3)
    assert {c["feature"] for c in top["contributions"]} >= {"semantic", "lexical", "ipc_coherence", "region",
                                                            "mode_fit", "price_fit", "credit", "preference"}
    assert "精制茶" in (top["ipc_industry"] or "") and "A23F" in top["ipc_industry"]
    assert [m["rank"] for m in items] == sorted(m["rank"] for m in items)

    # The university sees the enterprise on its offer's side; the enterprise's inbox holds the new matches.
    kill = corpus.ids("kill").pop()
    side = client.get(f"/api/offers/{kill}/matches", headers=offer_side).json()
    assert demand_id in {m["demand_id"] for m in side["items"]}
    inbox = client.get("/api/matches/inbox", headers=headers).json()
    assert {m["id"] for m in inbox} >= {m["id"] for m in items}

    # Feedback: the enterprise is not interested in the top offer's kind of technology.
    declined = items[0]
    before_rank = {m["offer_id"]: m["rank"] for m in items}
    resp = client.post(f"/api/matches/{declined['id']}/feedback", headers=headers, json={
        "prospect_rating": 1, "improvement_needs": "需要适合小批量的设备", "intent": "none"})
    assert resp.status_code == 201
    assert client.get(f"/api/matches/{declined['id']}", headers=headers).json()["status"] == "declined"
    # A positive verdict on another offer.
    liked = next(m for m in items if m["offer_id"] != declined["offer_id"] and m["offer_id"] in tea)
    client.post(f"/api/matches/{liked['id']}/feedback", headers=headers, json={"prospect_rating": 5, "intent": "buy"})

    rerun = client.post(f"/api/demands/{demand_id}/matches/run", headers=headers).json()["items"]
    after = {m["offer_id"]: m for m in rerun}
    assert after[declined["offer_id"]]["rank"] > before_rank[declined["offer_id"]], "declined pattern is down-weighted"
    assert after[declined["offer_id"]]["status"] == "declined", "status survives re-runs"
    assert after[liked["offer_id"]]["rank"] == 1, "the organisation's stated interest is boosted"
    pref = {c["feature"]: c["value"] for c in after[liked["offer_id"]]["explanation"]["contributions"]}
    assert pref["preference"] > 0


def test_match_lifecycle(flow):
    app, client, backend, headers, offer_side, staff = flow
    demand_id = _publish_demand(app, client, headers)
    match = client.get(f"/api/demands/{demand_id}/matches", headers=headers).json()["items"][0]
    mid = match["id"]
    assert client.post(f"/api/matches/{mid}/status", headers=headers, json={"status": "viewed"}).status_code == 200
    resp = client.post(f"/api/matches/{mid}/status", headers=offer_side if match["offer_id"] in corpus.ids("kill")
                       else headers, json={"status": "negotiating"})
    assert resp.status_code == 200
    body = resp.json()
    assert body["status"] == "negotiating" and body["contacted_at"] and body["negotiating_at"]
    back = client.post(f"/api/matches/{mid}/status", headers=headers, json={"status": "viewed"})
    assert back.status_code == 409 and "不能" in back.json()["message_zh"]
    assert client.post(f"/api/matches/{mid}/status", headers=headers, json={"status": "agreed"}).json()["agreed_at"]
    # Staff may read but not act for the parties; strangers may not read.
    assert client.get(f"/api/matches/{mid}", headers=staff).status_code == 200
    assert client.post(f"/api/matches/{mid}/status", headers=staff, json={"status": "declined"}).status_code == 403
    assert client.post(f"/api/matches/{mid}/feedback", headers=offer_side, json={"intent": "buy"}).status_code == 403
    # The re-run keeps the agreed status.
    rerun = client.post(f"/api/demands/{demand_id}/matches/run", headers=headers).json()["items"]
    assert next(m for m in rerun if m["id"] == mid)["status"] == "agreed"


def test_no_strong_match_is_said_plainly(flow):
    app, client, backend, headers, offer_side, staff = flow
    demand_id = _publish_demand(app, client, headers, {
        "title": "航空发动机涡轮叶片单晶铸造", "description": "需要高温合金单晶叶片定向凝固铸造工艺，用于航空发动机。",
        "publish": True})
    resp = client.get(f"/api/demands/{demand_id}/matches", headers=headers)
    assert resp.status_code == 200, resp.text
    listing = resp.json()
    assert listing["items"], "weak candidates are still listed, only not called strong"
    assert listing["strong_match"] is False
    assert listing["message_zh"].startswith("暂无高度匹配")
    assert all(not m["strong"] for m in listing["items"])


class _SmtpCapture:
    """A minimal real SMTP server on localhost that keeps the messages it receives."""

    def __init__(self):
        import socketserver
        import threading

        self.messages: list[bytes] = []
        outer = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                self.wfile.write(b"220 test ESMTP\r\n")
                data, in_data = [], False
                for raw in self.rfile:
                    line = raw.rstrip(b"\r\n")
                    if in_data:
                        if line == b".":
                            outer.messages.append(b"\r\n".join(data))
                            data, in_data = [], False
                            self.wfile.write(b"250 queued\r\n")
                        else:
                            data.append(line)
                        continue
                    cmd = line[:4].upper()
                    if cmd in (b"EHLO", b"HELO"):
                        self.wfile.write(b"250 test\r\n")
                    elif cmd == b"DATA":
                        in_data = True
                        self.wfile.write(b"354 go\r\n")
                    elif cmd == b"QUIT":
                        self.wfile.write(b"221 bye\r\n")
                        return
                    else:
                        self.wfile.write(b"250 ok\r\n")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_strong_matches_are_emailed_once(flow, monkeypatch):
    import email

    from ipplatform.config import get_settings

    app, client, backend, headers, offer_side, staff = flow
    smtp = _SmtpCapture()
    monkeypatch.setenv("IPP_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("IPP_SMTP_PORT", str(smtp.port))
    get_settings.cache_clear()
    try:
        demand_id = _publish_demand(app, client, headers, {
            "title": "名优绿茶加工设备升级", "description": "需要茶叶杀青、揉捻的自动化加工设备。",
            "contact_email": "buyer@example.com", "publish": True})
        assert len(smtp.messages) == 1
        msg = email.message_from_bytes(smtp.messages[0])
        assert msg["To"] == "buyer@example.com"
        body = msg.get_payload(decode=True).decode("utf-8")
        assert "高度匹配" in body and f"/demands/{demand_id}" in body
        # Re-running (and re-indexing after an edit, which matches again) does not send the same matches
        # again, although the strong matches are still there.
        rerun = client.post(f"/api/demands/{demand_id}/matches/run", headers=headers)
        assert rerun.status_code == 200, rerun.text
        assert any(m["strong"] for m in rerun.json()["items"])
        edit = client.patch(f"/api/demands/{demand_id}", headers=headers, json={"title": "名优绿茶加工设备升级改造"})
        assert edit.status_code == 200, edit.text
        drained = app.state.indexer.drain(ignore_backoff=True)
        assert drained.failed == 0 and drained.indexed >= 1, drained
        again = client.get(f"/api/demands/{demand_id}/matches", headers=headers).json()
        assert again["strong_match"] and any(m["strong"] for m in again["items"])
        assert len(smtp.messages) == 1
    finally:
        get_settings.cache_clear()
        smtp.close()


def test_match_pages(flow):
    app, client, backend, headers, offer_side, staff = flow
    demand_id = _publish_demand(app, client, headers)
    token = headers["Authorization"].split()[1]
    client.cookies.set("ipp_session", token)
    page = client.get(f"/demands/{demand_id}")
    assert page.status_code == 200 and page.text.count('data-testid="match"') >= 3
    assert "共同关键词" in page.text and "评分构成" in page.text and "提交反馈" in page.text
    first = client.get(f"/api/demands/{demand_id}/matches", headers=headers).json()["items"][0]
    resp = f.form_post(client, f"/matches/{first['id']}/feedback", data={"prospect_rating": "4", "intent": "negotiate",
                                                                 "improvement_needs": "希望提供中试数据"},
                       follow_redirects=False)
    assert resp.status_code == 303
    assert client.get(f"/api/matches/{first['id']}", headers=headers).json()["status"] == "negotiating"  # as intended
    inbox = client.get("/matches")
    assert "匹配推送" in inbox.text and first["offer_title"] in inbox.text
    client.cookies.clear()
    client.cookies.set("ipp_session", offer_side["Authorization"].split()[1])
    kill = corpus.ids("kill").pop()
    assert "名优绿茶加工设备升级" in client.get(f"/offers/{kill}").text


def test_an_organisation_edit_rematches_each_demand_once_without_holding_the_write_lock(flow):
    """Editing an organisation (the university: four offers, two of them tea) re-indexes all its offers; re-matching after that batch ranks every demand
    those offers answer once, and no ranking runs inside a write transaction: another connection can take
    SQLite's write lock while each ranking is computed (an edit meanwhile is not kept waiting for minutes)."""
    import sqlite3

    app, client, backend, headers, offer_side, staff = flow
    first = _publish_demand(app, client, headers)
    second = _publish_demand(app, client, headers, TEA_DEMAND | {"title": "信阳毛尖揉捻工艺改进",
                                                                   "description": "需要茶叶揉捻、烘干的连续化加工技术。"})
    path = app.state.session_factory.kw["bind"].url.database
    matcher = app.state.matcher
    ranked, locked = [], []
    real_rank = matcher.rank

    def rank(ctx, cands, *args, **kw):
        ranked.append(ctx.id)
        other = sqlite3.connect(path, timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.rollback()
        except sqlite3.OperationalError as exc:
            locked.append((ctx.id, str(exc)))
        finally:
            other.close()
        return real_rank(ctx, cands, *args, **kw)

    matcher.rank = rank
    try:
        owner = client.get(f"/api/offers/{corpus.ids('roll').pop()}").json()["owner"]["id"]
        resp = client.patch(f"/api/organisations/{owner}", headers=staff, json={"county_code": "411503"})
        assert resp.status_code == 200, resp.text
        drained = app.state.indexer.drain(ignore_backoff=True)
        assert drained.failed == 0 and drained.indexed > 1, drained
    finally:
        matcher.rank = real_rank
    assert locked == []
    assert sorted(ranked) == sorted({first, second}) and len(ranked) == 2
    items = client.get(f"/api/demands/{first}/matches", headers=headers).json()["items"]
    assert items and any(m["offer_id"] in corpus.ids("kill", "roll") for m in items)
