"""A small, hand-designed corpus for the search conformance suite (synthetic records, real-style
titles). Expected answers in the tests are computed from this specification, never from a backend."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from ipplatform.common.enums import ListingStatus
from ipplatform.database import utcnow
from ipplatform.organisations.enums import OrgKind
from ipplatform.patents.enums import LegalStatus, PatentKind
from tests import factories as f

ORGS = {  # key: (kind, county, industry)
    "battery": (OrgKind.ENTERPRISE, "411526", "3841"),
    "univ": (OrgKind.UNIVERSITY, "411502", "8341"),
    "car": (OrgKind.ENTERPRISE, "411503", "3670"),
    "tea_inst": (OrgKind.RESEARCH_INSTITUTE, "411524", "7330"),
    "tea_co": (OrgKind.ENTERPRISE, "411524", "1530"),
    "agri": (OrgKind.UNIVERSITY, "411503", "8341"),
    "elec": (OrgKind.ENTERPRISE, "411502", "3990"),
    "down": (OrgKind.ENTERPRISE, "411522", "1942"),
    "material": (OrgKind.ENTERPRISE, "411526", "2651"),
    "equip": (OrgKind.ENTERPRISE, "411503", "3572"),
    "beijing": (OrgKind.ENTERPRISE, "110101", "3841"),
}

G, A, U = PatentKind.INVENTION_GRANTED, PatentKind.INVENTION_APPLICATION, PatentKind.UTILITY_MODEL


@dataclass
class OfferSpec:
    key: str
    title: str
    org: str
    ipc: list[str]
    kind: PatentKind
    modes: list[str]
    price: int | None
    status: ListingStatus = ListingStatus.PUBLISHED
    description: str | None = None
    fee: int | None = None
    days_ago: int = 0
    id: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def legal_status(self) -> LegalStatus:
        return LegalStatus.PENDING if self.kind == A else LegalStatus.VALID


OFFERS = [
    OfferSpec("liquid", "一种锂电池储能系统的液冷热管理装置", "battery", ["H01M 10/613"], G, ["transfer", "exclusive_licence"], 1_000_000),
    OfferSpec("balance", "储能电站电池簇均衡控制方法", "univ", ["H02J 7/00", "H01M 10/44"], A, ["ordinary_licence"], None),
    OfferSpec("pack", "一种动力电池包散热结构", "car", ["H01M 10/655", "B60L 58/26"], U, ["transfer", "pledge"], 300_000),
    OfferSpec("kill", "一种信阳毛尖茶叶杀青机", "tea_inst", ["A23F 3/06"], U, ["transfer", "open_licence"], 50_000, fee=20_000),
    OfferSpec("roll", "名优绿茶自动揉捻生产线", "univ", ["A23F 3/12", "B65G 47/00"], G, ["exclusive_licence"], 800_000),
    OfferSpec("wash", "茶叶清洗烘干一体化设备", "tea_co", ["A23N 12/08", "A23F 3/06"], U, ["transfer"], 120_000),
    OfferSpec("oxygen", "一种池塘养殖用增氧装置", "agri", ["A01K 63/04"], U, ["ordinary_licence", "transfer"], 80_000,
              description="池塘水体溶解氧不足时自动启动叶轮增氧，适用于鱼虾养殖。", extra={"publication": "CN117151122A"}),
    OfferSpec("led", "一种LED路灯照明控制装置", "elec", ["F21S 8/08", "H05B 47/10"], U, ["transfer"], 60_000),
    OfferSpec("garden5g", "基于5G的茶园环境监测系统", "univ", ["G08C 17/02", "H04W 4/38", "A01G 25/16"], A, ["ordinary_licence"], None),
    OfferSpec("down", "羽绒清洗节水工艺", "down", ["D06F 35/00"], G, ["transfer"], 200_000),
    OfferSpec("pla", "可降解聚乳酸包装薄膜及其制备方法", "material", ["C08L 67/04", "B65D 65/46"], G, ["equity", "transfer"], 2_000_000),
    OfferSpec("dryer", "稻谷低温烘干机", "equip", ["F26B 17/12", "A23B 9/08"], U, ["transfer", "pledge"], 150_000,
              description="雨后收获的湿稻谷及时低温烘干，防止霉变发芽。"),
    OfferSpec("special", "耐高温<复合>材料 & C++ 控制软件", "univ", ["C08K 3/04", "G06F 8/30"], G, ["ordinary_licence"], 90_000),
    OfferSpec("graphene", "一种石墨烯导热膜", "material", ["C01B 32/194", "H05K 7/20"], G, ["exclusive_licence"], 1_500_000),
    OfferSpec("harvester", "水稻联合收割机智能导航系统", "equip", ["A01D 41/127", "G05D 1/02"], A, ["transfer"], None),
    OfferSpec("cathode", "锂离子电池正极材料的制备方法", "beijing", ["H01M 4/525", "C01G 53/00"], G, ["transfer"], 500_000),
    OfferSpec("draft", "未发布的储能草稿", "battery", ["H01M 10/613"], G, ["transfer"], 10_000, status=ListingStatus.DRAFT),
    OfferSpec("withdrawn", "已撤回的电池专利", "battery", ["H01M 10/613"], G, ["transfer"], 10_000,
              status=ListingStatus.WITHDRAWN),
]
for i, spec in enumerate(OFFERS):
    spec.days_ago = i + 1

PUBLISHED = [o for o in OFFERS if o.status == ListingStatus.PUBLISHED]


def build(db) -> dict:
    orgs = {k: f.org(db, kind, county_code=county, industry_code=ind) for k, (kind, county, ind) in ORGS.items()}
    now = utcnow()
    for spec in OFFERS:
        patent = f.patent(db, orgs[spec.org], kind=spec.kind, status=spec.legal_status, title=spec.title, ipc=spec.ipc)
        patent.publication_number = spec.extra.get("publication")
        spec.extra["application"] = patent.application_number
        offer = f.offer(db, orgs[spec.org], patents=[patent], title=spec.title, modes=spec.modes,
                        asking_price=Decimal(spec.price) if spec.price is not None else None,
                        negotiable=spec.price is None, description=spec.description,
                        open_licence_fee=Decimal(spec.fee) if spec.fee else None,
                        publish=spec.status != ListingStatus.DRAFT)
        offer.published_at = now - timedelta(days=spec.days_ago)
        if spec.status == ListingStatus.WITHDRAWN:
            offer.status = ListingStatus.WITHDRAWN
        spec.id = offer.id
    db.flush()
    return orgs


def ids(*keys: str) -> set[int]:
    by_key = {o.key: o.id for o in OFFERS}
    return {by_key[k] for k in keys}


def by_id(offer_id: int) -> OfferSpec:
    return next(o for o in OFFERS if o.id == offer_id)
