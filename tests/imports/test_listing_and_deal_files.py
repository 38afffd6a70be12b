"""Offers, demands and deals from the platform's templates on the same machinery: bad cells reported by
column with Chinese messages, upsert by title, the legacy ``POST /api/deals/import`` contract kept."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from ipplatform.common.enums import ListingStatus
from ipplatform.demands.models import Demand
from ipplatform.imports import engine
from ipplatform.imports.kinds import KINDS
from ipplatform.offers.models import Offer
from ipplatform.organisations.enums import OrgKind
from ipplatform.patents.enums import LegalStatus, PatentKind
from ipplatform.common.timefmt import beijing_today
from tests import factories as f


@pytest.fixture
def world(db):
    with db.begin():
        org = f.org(db, OrgKind.UNIVERSITY)
        valid = f.patent(db, org)
        pending = f.patent(db, org, PatentKind.INVENTION_APPLICATION, LegalStatus.PENDING)
        lapsed = f.patent(db, org, status=LegalStatus.LAPSED)
        other = f.patent(db, f.org(db))
    return org, valid.application_number, pending.application_number, lapsed.application_number, other.application_number


def run(db, kind, owner, path, **kw):
    if db.in_transaction():
        db.commit()
    with db.begin():
        return engine.run(db, KINDS[kind], path, path.name, owner=db.merge(owner) if owner else None,
                          **{"dry_run": False, **kw})


def test_offers(db, world, tmp_path):
    org, valid, pending, lapsed, other = world
    later = beijing_today() + timedelta(days=30)
    csv = ("供给标题,专利申请号,交易方式,报价（万元）,面议,开放许可费（万元）,成熟度,联系电话,有效期至,状态\n"
           f"茶叶杀青装置转让,{valid},转让;独占许可,30,否,,中试,0376-6201234,{later},已发布\n"
           f"口罩,{pending},质押融资,,是,,,,,草稿\n"          # pledge needs a granted, valid patent
           f"失效专利,{lapsed},转让,,是,,,,,\n"
           f"别人的专利,{other},转让,,是,,,,,\n"
           f"未知方式,{valid},租赁,,是,,,,,\n"
           f"开放许可,{valid},开放许可,,是,,,,,\n"           # the fee is required
           f"价格有误,{valid},转让,-5,否,,小批量,12345,2020-01-01,发布中\n")
    path = tmp_path / "offers.csv"
    path.write_text(csv, encoding="utf-8")
    result = run(db, "offers", org, path)
    assert not result.committed and result.new == 1
    got = {(r["row"], r["column"]): r["message_zh"] for r in result.rejected}
    assert "已授权且有效" in got[(3, "交易方式")]
    assert "已失效" in got[(4, "专利申请号")]
    assert "未登记" in got[(5, "专利申请号")]
    assert "租赁" in got[(6, "交易方式")]
    assert "开放许可须公布许可使用费" in got[(7, "开放许可费（万元）")]
    assert {(8, "报价（万元）"), (8, "成熟度"), (8, "状态")} <= set(got)
    path.write_text(csv.splitlines()[0] + "\n" + csv.splitlines()[1] + "\n", encoding="utf-8")
    assert run(db, "offers", org, path).new == 1
    assert run(db, "offers", org, path).unchanged == 1
    path.write_text(path.read_text(encoding="utf-8").replace(",30,", ",35,"), encoding="utf-8")
    assert run(db, "offers", org, path).updated == 1
    offer = db.scalar(select(Offer))
    assert (offer.asking_price, offer.status, offer.modes) == (350000, ListingStatus.PUBLISHED, ["transfer", "exclusive_licence"])


def test_demands(db, world, tmp_path):
    org = world[0]
    csv = ("需求标题,需求描述,行业代码,地区代码,技术领域IPC,交易方式,预算下限（万元）,预算上限（万元）,截止日期\n"
           "名优绿茶连续化加工,需要杀青揉捻烘干连续化生产线技术，保持品质,1530,411524,A23F,转让,50,200,\n"
           "短,太短,9999,999999,A23,转让,300,200,2020-01-01\n")
    path = tmp_path / "demands.csv"
    path.write_text(csv, encoding="utf-8")
    result = run(db, "demands", org, path, valid_only=True)
    assert result.new == 1 and result.committed
    columns = {r["column"] for r in result.rejected if r["row"] == 3}
    assert {"行业代码", "地区代码", "技术领域IPC"} <= columns
    assert db.scalar(select(Demand.title)) == "名优绿茶连续化加工"


def test_deals_on_the_machinery_and_the_legacy_route(db, world, tmp_path):
    org, valid, *_ = world
    with db.begin():
        buyer = f.org(db)
    csv = ("交易类型,申请号,出让方统一社会信用代码,受让方统一社会信用代码,交易金额（元）,合同日期\n"
           f"普通许可,{valid},{org.credit_code},{buyer.credit_code},80000,2024年5月6日\n")
    path = tmp_path / "deals.csv"
    path.write_text(csv, encoding="utf-8-sig")
    assert run(db, "deals", None, path).new == 1
    assert run(db, "deals", None, path).unchanged == 1  # re-importing the same file adds nothing
