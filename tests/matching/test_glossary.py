"""The industry glossary: seeded by the migration, kept by office staff through the API and the pages
(SQLite and PostgreSQL), refused to everybody else, validated with Chinese messages."""

from __future__ import annotations

from ipplatform import migrate
from ipplatform.auth.enums import Role
from ipplatform.database import make_engine, session_factory
from ipplatform.matching.glossary_seed import SEED, SEED_0017
from ipplatform.matching.glossary_models import GlossaryTerm
from ipplatform.organisations.enums import OrgKind
from tests import factories as f


def _people(db):
    with db.begin():
        if not db.query(GlossaryTerm).count():  # PostgreSQL tests start from truncated tables: seed as 0016/0017 do
            db.add_all(GlossaryTerm(industry=i, colloquial=list(c), technical=list(t), active=True)
                       for i, c, t in SEED + SEED_0017)
        office = f.org(db, OrgKind.IP_OFFICE)
        staff = f.user(db, office, Role.OFFICE_STAFF)
        firm = f.org(db, OrgKind.ENTERPRISE)
        member = f.user(db, firm, Role.ENTERPRISE_MEMBER)
    return staff, member


def test_the_migration_seeds_the_glossary(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    with session_factory(engine)() as db:
        rows = db.query(GlossaryTerm).all()
        assert len(rows) == len(SEED) + len(SEED_0017) and all(t.active for t in rows)
        assert {(t.industry, tuple(t.colloquial)) for t in rows} == {(i, c) for i, c, _ in SEED + SEED_0017}
    engine.dispose()


def test_the_seed_is_listed_and_searchable(client, db):
    staff, _ = _people(db)
    got = client.get("/api/glossary?page_size=100", headers=f.auth(staff)).json()
    assert got["total"] >= 80
    fish = client.get("/api/glossary?q=浮头", headers=f.auth(staff)).json()["items"]
    assert fish and "增氧" in fish[0]["technical"] and fish[0]["industry_zh"] == "水产与畜禽养殖"


def test_staff_keep_the_glossary_through_the_api(client, db):
    staff, member = _people(db)
    h = f.auth(staff)
    body = {"industry": "tea", "colloquial": ["茶叶发红", " 红梗 ", "茶叶发红"], "technical": ["红变", "酶促褐变"],
            "note": "杀青不足"}
    created = client.post("/api/glossary", headers=h, json=body)
    assert created.status_code == 201, created.text
    term = created.json()
    assert term["colloquial"] == ["茶叶发红", "红梗"]  # trimmed, without repeats
    again = client.post("/api/glossary", headers=h, json={**body, "technical": ["别的"]})
    assert again.status_code == 409 and "已有术语条目" in again.json()["message_zh"]
    assert client.post("/api/glossary", headers=h, json={**body, "industry": "food"}).status_code == 201  # other industry
    empty = client.post("/api/glossary", headers=h, json={**body, "colloquial": ["新词"], "technical": [" "]})
    assert empty.status_code == 422 and "至少" in empty.json()["detail"][0]["message_zh"]
    assert client.post("/api/glossary", headers=h, json={**body, "industry": "mining"}).status_code == 422
    listed = client.get("/api/glossary?industry=tea&q=红梗", headers=h).json()
    assert [t["id"] for t in listed["items"]] == [term["id"]]
    patched = client.patch(f"/api/glossary/{term['id']}", headers=h, json={"active": False, "technical": ["红变"]})
    assert patched.status_code == 200 and patched.json()["active"] is False and patched.json()["technical"] == ["红变"]
    preview = client.get("/api/glossary/preview", headers=h, params={"text": "鱼塘老是浮头，预算10万"}).json()
    assert preview["hits"][0]["explanation"].startswith("“浮头”按“增氧")
    assert preview["context"] == ["预算10万"]
    assert client.get(f"/api/glossary/{term['id']}", headers=f.auth(member)).status_code == 403
    assert client.delete(f"/api/glossary/{term['id']}", headers=f.auth(member)).status_code == 403
    assert client.delete(f"/api/glossary/{term['id']}", headers=h).status_code == 204
    missing = client.get(f"/api/glossary/{term['id']}", headers=h)
    assert missing.status_code == 404 and missing.json()["message_zh"]
    assert client.get("/api/glossary").status_code == 401


def _page_login(client, user):
    resp = f.form_post(client, "/login", data={"username": user.username, "password": f.PASSWORD, "next": "/glossary"},
                       follow_redirects=False)
    assert resp.status_code in (302, 303), resp.text


def test_staff_edit_the_glossary_in_the_pages(client, db):
    staff, _ = _people(db)
    _page_login(client, staff)
    page = client.get("/glossary?industry=aquaculture")
    assert page.status_code == 200 and "浮头" in page.text and "行业术语表" in page.text
    refused = f.form_post(client, "/glossary/new", data={"industry": "food", "colloquial": "码包", "technical": ""})
    assert refused.status_code == 422
    assert "专业术语：至少" in refused.text  # the field as the form names it
    assert 'value="码包"' in refused.text  # what was typed is kept
    assert "colloquial" not in refused.text.split("<form")[0]  # no internal field names in the messages
    clash = f.form_post(client, "/glossary/new", data={"industry": "food", "colloquial": "码袋", "technical": "码垛"})
    assert clash.status_code == 422 and "常用说法：" in clash.text and "已有术语条目" in clash.text
    done = f.form_post(client, "/glossary/new", data={"industry": "food", "colloquial": "米发黄、黄粒米",
                                                      "technical": "黄变，霉变", "active": "on"}, follow_redirects=False)
    assert done.status_code == 303
    with db.begin():
        term = db.query(GlossaryTerm).filter(GlossaryTerm.technical.is_not(None)).order_by(GlossaryTerm.id.desc()).first()
        assert term.colloquial == ["米发黄", "黄粒米"] and term.technical == ["黄变", "霉变"] and term.active
        assert term.updated_by_id == staff.id
    edit = f.form_post(client, f"/glossary/{term.id}/edit", data={"industry": "food", "colloquial": "米发黄",
                                                                  "technical": "黄变"}, follow_redirects=False)
    assert edit.status_code == 303
    db.expire_all()
    assert db.get(GlossaryTerm, term.id).active is False  # the box was left unticked
    preview = client.get("/glossary", params={"text": "我们是茶厂，茶叶放在烘笼里烘，想找新设备"})
    assert "“烘笼”按“烘干、干燥、提香”检索" in preview.text
    assert f.form_post(client, f"/glossary/{term.id}/delete", follow_redirects=False).status_code == 303
    assert client.get(f"/glossary/{term.id}/edit").status_code == 404
