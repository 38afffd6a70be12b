"""Export → import → identical records: every list exported (CSV and .xlsx) from one database and imported
into another with the same organisations gives the same patents, history, offers, demands and deals, and
exporting the second database gives the same file. Source on both databases, target SQLite."""

from __future__ import annotations

import csv
import io
import shutil
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook

from ipplatform.auth.enums import Role
from ipplatform.database import make_engine
from ipplatform.main import create_app
from ipplatform.organisations import service as org_service
from ipplatform.organisations.enums import OrgKind
from ipplatform.organisations.schemas import OrganisationCreate
from ipplatform.search.backends.embedded import EmbeddedBackend
from ipplatform.common.timefmt import beijing_today
from tests import factories as f
from tests.imports.files import EXPORT_HEADER, export_row, write_csv


def _world(db, codes=None):
    codes = codes or {k: f.credit_code() for k in ("univ", "ent", "office")}

    def org(key, kind, name):
        return org_service.create(db, OrganisationCreate(kind=kind, name=name, credit_code=codes[key],
                                                         county_code="411502"))

    univ = org("univ", OrgKind.UNIVERSITY, "淮上理工大学（测试）")
    ent = org("ent", OrgKind.ENTERPRISE, "云雾茶业（测试）")
    staff_org = org("office", OrgKind.IP_OFFICE, "知识产权局（测试）")
    return {"univ": univ, "ent": ent, "office": staff_org,
            "member": f.auth(f.user(db, univ, Role.UNIVERSITY_MEMBER)),
            "ent_member": f.auth(f.user(db, ent, Role.ENTERPRISE_MEMBER)),
            "staff": f.auth(f.user(db, staff_org, Role.OFFICE_STAFF))}


def _upload(client, headers, kind, name, content, owner_id=None):
    data = {"dry_run": "false"} | ({"owner_org_id": str(owner_id)} if owner_id else {})
    resp = client.post(f"/api/imports/{kind}", headers=headers, data=data, files={"file": (name, content)})
    assert resp.status_code == 202, resp.text
    job = client.get(f"/api/imports/jobs/{resp.json()['id']}", headers=headers).json()
    assert job["status"] == "done" and job["committed"], job
    return job["result"]


def _export(client, headers, kind, fmt, mine=False):
    resp = client.get(f"/api/exports/{kind}", params={"format": fmt, "mine": mine}, headers=headers)
    assert resp.status_code == 200, resp.text
    return resp.content


@pytest.fixture
def target(_sqlite_template, tmp_path):
    shutil.copy(_sqlite_template, tmp_path / "target.sqlite3")
    engine = make_engine(f"sqlite:///{tmp_path / 'target.sqlite3'}")
    app = create_app(engine, search_backend=EmbeddedBackend(tmp_path / "target-search"), start_indexer=False)
    yield app
    engine.dispose()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_import_round_trip(app, client, db, target, tmp_path, fmt):
    with db.begin():
        w = _world(db)
    rows = [export_row(1, w["univ"].name, 专利转移次数="1", 转让日期="20220301", 许可次数="2",
                       许可日期="20220401;20230105"),
            export_row(2, w["univ"].name, type_digit="1"), export_row(3, w["univ"].name, 专利名称="口罩")]
    _upload(client, w["member"], "patents", "p.csv", write_csv(tmp_path / "p.csv", rows, header=EXPORT_HEADER).read_bytes())
    offers = ("供给标题,专利申请号,交易方式,报价（万元）,面议,应用领域,成熟度,项目简介,联系人,联系电话,有效期至,状态\n"
              f"茶叶杀青装置转让,{rows[0]['申请号']},转让;普通许可,12.5,否,人类生活必需（农业、食品、医疗等）,中试,"
              f"可用于名优绿茶加工,张三,0376-6201234,{beijing_today() + timedelta(days=90)},已发布\n"
              f"口罩,{rows[2]['申请号']},作价入股,,是,,,,,,,草稿\n")
    assert _upload(client, w["member"], "offers", "o.csv", offers.encode())["new"] == 2
    demands = ("需求标题,需求描述,行业代码,地区代码,技术领域IPC,交易方式,预算下限（万元）,预算上限（万元）,截止日期,状态\n"
               f"名优绿茶连续化加工,需要杀青揉捻烘干连续化生产线技术，保持品质,1530,411524,A23F;A23N 12/08,转让,50,"
               f"200,{beijing_today() + timedelta(days=60)},已发布\n")
    assert _upload(client, w["ent_member"], "demands", "d.csv", demands.encode(), w["ent"].id)["new"] == 1
    deals = ("交易类型,申请号,出让方统一社会信用代码,受让方统一社会信用代码,交易金额（元）,合同日期,备案号,备案日期\n"
             f"转让,{rows[1]['申请号']},{w['univ'].credit_code},{w['ent'].credit_code},300000.5,2024-06-01,ZL-9,2024-06-20\n")
    assert _upload(client, w["staff"], "deals", "deals.csv", deals.encode())["new"] == 1

    exported = {k: _export(client, w["staff"], k, fmt) for k in ("patents", "offers", "demands", "deals")}
    exported["offers"] = _export(client, w["member"], "offers", fmt, mine=True)  # drafts too: the owner's list
    with target.state.session_factory.begin() as tdb:
        t = _world(tdb, {k: w[k].credit_code for k in ("univ", "ent", "office")})
    with TestClient(target) as tclient:
        # a transfer recorded on the platform moves the patent: the importing order is the holders' own
        _upload(tclient, t["member"], "patents", f"p.{fmt}", _filter_patents(exported["patents"], fmt, w["univ"].name))
        _upload(tclient, t["ent_member"], "patents", f"p.{fmt}", _filter_patents(exported["patents"], fmt, w["ent"].name),
                t["ent"].id)
        _upload(tclient, t["member"], "offers", f"o.{fmt}", exported["offers"])
        _upload(tclient, t["ent_member"], "demands", f"d.{fmt}", exported["demands"], t["ent"].id)
        back = _upload(tclient, t["staff"], "deals", f"deals.{fmt}", exported["deals"])
        assert back["new"] == 1
        again = {k: _export(tclient, t["staff"], k, "csv") for k in ("patents", "demands", "deals")}
        again["offers"] = _export(tclient, t["member"], "offers", "csv", mine=True)
    source = {k: _export(client, w["staff"], k, "csv") for k in ("patents", "demands", "deals")}
    source["offers"] = _export(client, w["member"], "offers", "csv", mine=True)
    for kind in source:
        assert _lines(again[kind]) == _lines(source[kind]), kind
    assert "口罩" in source["patents"].decode("utf-8-sig")
    assert ",1,2,0,2022-03-01,2022-04-01;2023-01-05," in source["patents"].decode("utf-8-sig")  # licence history travels


def _lines(content: bytes) -> list[str]:
    return sorted(content.decode("utf-8-sig").splitlines())


def _filter_patents(content: bytes, fmt: str, holder: str) -> bytes:
    """The exported rows of one holder (each organisation imports its own patents)."""
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    else:
        rows = [[c if c is not None else "" for c in r] for r in load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)]
    col = rows[0].index("当前权利人")
    kept = [rows[0]] + [r for r in rows[1:] if r[col] == holder]
    if fmt == "csv":
        buf = io.StringIO()
        csv.writer(buf).writerows(kept)
        return buf.getvalue().encode("utf-8")
    book = Workbook()
    for r in kept:
        book.active.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_export_of_my_offers_names_each_status_and_reads_back(client, db):
    """我的供给's export says 已撤回 / 已成交/关闭 where they are, not 草稿; importing that file again rejects
    nothing and changes no listing's status (the importer never withdraws, closes or reopens one)."""
    with db.begin():
        w = _world(db)
        univ = w["univ"]
        kept = {title: f.offer(db, univ, title=title) for title in ("茶叶杀青技术", "板栗脱壳技术", "羽绒清洗技术")}
        kept["板栗脱壳技术"].status = "withdrawn"
        kept["羽绒清洗技术"].status = "closed"
    exported = _export(client, w["member"], "offers", "csv", mine=True).decode("utf-8-sig")
    statuses = {row["供给标题"]: row["状态"] for row in csv.DictReader(io.StringIO(exported))}
    assert statuses == {"茶叶杀青技术": "已发布", "板栗脱壳技术": "已撤回", "羽绒清洗技术": "已成交/关闭"}
    back = _upload(client, w["member"], "offers", "o.csv", exported.encode("utf-8-sig"))
    assert back["rejected"] == []
    db.expire_all()
    assert {t: str(o.status) for t, o in ((t, db.get(type(o), o.id)) for t, o in kept.items())} == {
        "茶叶杀青技术": "published", "板栗脱壳技术": "withdrawn", "羽绒清洗技术": "closed"}
