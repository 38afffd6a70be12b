"""Demo data: real patent titles/IPC from ../shared/data become offers of fictional Xinyang organisations.

    python -m ipplatform.seed [--patents 600] [--reset]

What is real: patent publication numbers, kinds, Chinese titles and IPC subclasses (7,798 CN publications,
cn-patents-titles-ipc) and the 57 G06F abstracts (cn-patents-abstracts-g06f). Everything else is
synthetic and flagged ``synthetic=True``: organisation names (all marked “演示”), credit codes (valid
GB 32100 check characters), application numbers (valid CNIPA check digits), dates, legal status,
prices, users and every demand. Idempotent: does nothing when demo data already exists.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

import ipplatform.models  # noqa: F401  (every mapper)
from ipplatform.auth import service as auth_service
from ipplatform.auth.enums import Role
from ipplatform.auth.schemas import UserCreate
from ipplatform.common.enums import TransactionMode
from ipplatform.common.validators import application_check_digit, credit_code_check_char
from ipplatform.config import PROJECT_ROOT
from ipplatform.database import default_engine, utcnow
from ipplatform.demands import service as demands_service
from ipplatform.hooks import hooked_session_factory
from ipplatform.demands.schemas import DemandCreate
from ipplatform.offers import service as offers_service
from ipplatform.offers.enums import Maturity
from ipplatform.offers.schemas import OfferCreate
from ipplatform.organisations import service as org_service
from ipplatform.organisations.enums import OrgKind
from ipplatform.organisations.models import Organisation
from ipplatform.organisations.schemas import OrganisationCreate
from ipplatform.outcomes.demo import seed_outcomes
from ipplatform.patents import service as patents_service
from ipplatform.patents.enums import KIND_BY_PUBLICATION_CODE, LegalStatus, PatentKind
from ipplatform.patents.schemas import PatentCreate

SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"
TITLES_CSV = SHARED_DATA / "cn-patents-titles-ipc" / "patents.csv"
ABSTRACTS_CSV = SHARED_DATA / "cn-patents-abstracts-g06f" / "patents.csv"
DEMO_PASSWORD = "demo-pass-2026"


@dataclass(frozen=True)
class DemoOrg:
    key: str
    kind: OrgKind
    name: str
    county: str
    industry: str | None
    ipc_sections: str  # which patents this organisation owns in the demo, by IPC section letter


ORGS = [
    DemoOrg("office", OrgKind.IP_OFFICE, "信阳市知识产权管理部门（演示）", "411500", "9225", ""),
    DemoOrg("univ", OrgKind.UNIVERSITY, "淮上理工大学（演示）", "411502", "8341", "GHBF"),
    DemoOrg("agri", OrgKind.UNIVERSITY, "大别山农林学院（演示）", "411503", "8341", "ACE"),
    DemoOrg("tea", OrgKind.RESEARCH_INSTITUTE, "信阳茶产业技术研究所（演示）", "411502", "7330", "A"),
    DemoOrg("agency", OrgKind.AGENCY, "豫南知识产权运营中心（演示）", "411503", "7520", ""),
    DemoOrg("bank", OrgKind.FINANCIAL, "信阳科创融资服务公司（演示）", "411502", "6639", ""),
    DemoOrg("teaco", OrgKind.ENTERPRISE, "商城县云雾茶业有限公司（演示）", "411524", "1530", "A"),
    DemoOrg("food", OrgKind.ENTERPRISE, "固始县淮味食品科技有限公司（演示）", "411525", "1399", "AC"),
    DemoOrg("material", OrgKind.ENTERPRISE, "潢川县新材料股份有限公司（演示）", "411526", "2651", "CBD"),
    DemoOrg("equip", OrgKind.ENTERPRISE, "平桥区智能装备制造有限公司（演示）", "411503", "3499", "BFE"),
    DemoOrg("elec", OrgKind.ENTERPRISE, "浉河区电子信息科技有限公司（演示）", "411502", "3990", "GH"),
    DemoOrg("down", OrgKind.ENTERPRISE, "光山县羽绒制品有限公司（演示）", "411522", "1942", "DA"),
]

USERS = [
    ("admin", "平台管理员（演示）", Role.ADMIN, "office"),
    ("office", "知识产权局工作人员（演示）", Role.OFFICE_STAFF, "office"),
    ("univ", "淮上理工大学技术转移办（演示）", Role.UNIVERSITY_MEMBER, "univ"),
    ("agri", "大别山农林学院科研处（演示）", Role.UNIVERSITY_MEMBER, "agri"),
    ("teaco", "云雾茶业技术部（演示）", Role.ENTERPRISE_MEMBER, "teaco"),
    ("food", "淮味食品研发部（演示）", Role.ENTERPRISE_MEMBER, "food"),
    ("agency", "运营中心经理（演示）", Role.AGENCY_MEMBER, "agency"),
    ("organiser", "对接活动组织者（演示）", Role.EVENT_ORGANISER, "agency"),
]

# Demands written for Xinyang's industries (synthetic): (org key, GB/T 4754 class, title, description, IPC, modes,
# budget range in 万元)
DEMANDS = [
    ("teaco", "1530", "信阳毛尖名优绿茶连续化加工装备", "我司年产名优绿茶 300 吨，杀青、揉捻、烘干仍以单机为主，品质波动大。需要名优绿茶连续化、自动化加工生产线技术，能实现杀青温度和揉捻压力的在线控制，保持毛尖条索紧细和色泽翠绿。", ["A23F"], ["transfer", "ordinary_licence"], (50, 200)),
    ("teaco", "1530", "夏秋茶资源综合利用与茶饮料开发", "夏秋茶原料利用率低、价格低。希望引进茶多酚、茶氨酸提取或速溶茶粉、茶饮料加工技术，提高夏秋茶附加值。", ["A23F", "C07D"], ["transfer", "exclusive_licence"], (30, 100)),
    ("teaco", "1530", "茶园病虫害绿色防控与智能监测", "茶园面积 5000 亩，需要茶小绿叶蝉等害虫的物理诱杀、生物防治技术，以及基于图像识别的病虫害监测预警系统。", ["A01M", "G06V"], ["ordinary_licence", "transfer"], (10, 60)),
    ("food", "1399", "信阳特色农产品（大米、咸鸭蛋）深加工保鲜技术", "固始鹅块、咸鸭蛋等特色食品保质期短，冷链成本高。需要低温杀菌、气调包装等保鲜技术，延长常温货架期至 6 个月以上。", ["A23L", "A23B"], ["transfer", "ordinary_licence"], (20, 80)),
    ("food", "1432", "速冻调理食品自动化生产线", "需要速冻水饺、汤圆等调理食品的自动成型与速冻技术，减少人工，提升产能 30%。", ["A23P", "A21C", "F25D"], ["transfer"], (50, 150)),
    ("food", "1399", "食品加工废水处理与资源化", "食品加工产生高浓度有机废水，需要低成本的厌氧处理和沼气回收技术，出水达到纳管标准。", ["C02F"], ["transfer", "ordinary_licence"], (30, 100)),
    ("material", "2651", "可降解塑料包装材料配方与改性", "计划投资生物可降解包装项目，需要 PLA/PBAT 共混改性技术，提高薄膜韧性和耐热性，适用于食品包装。", ["C08L", "C08K", "B65D"], ["transfer", "exclusive_licence", "equity"], (100, 500)),
    ("material", "3091", "石墨烯导热复合材料", "需要石墨烯或高导热填料的聚合物复合材料制备技术，用于电子产品散热，导热系数 ≥ 5 W/(m·K)。", ["C08K", "C01B", "H05K"], ["exclusive_licence", "equity"], (200, 800)),
    ("material", "3099", "非金属矿（珍珠岩、膨润土）深加工", "信阳有丰富的珍珠岩、膨润土资源，需要高附加值深加工技术，例如保温建材、吸附材料。", ["C04B", "B01J"], ["transfer", "equity"], (50, 300)),
    ("equip", "3572", "农机装备智能化：水稻收获机械", "需要水稻联合收割机的智能导航、损失率监测与自动调节技术，适应丘陵小地块作业。", ["A01D", "G05D"], ["transfer", "exclusive_licence"], (100, 400)),
    ("equip", "3491", "工业机器人焊接工作站", "钢结构件焊接依赖人工，需要焊缝视觉跟踪和离线编程技术，实现中厚板自动焊接。", ["B23K", "B25J"], ["ordinary_licence", "transfer"], (80, 300)),
    ("equip", "3841", "锂电池储能系统热管理", "为分布式光伏配套储能柜，需要锂电池储能系统的液冷热管理和电池均衡技术，提高安全性与循环寿命。", ["H01M", "H02J"], ["transfer", "exclusive_licence", "equity"], (200, 1000)),
    ("elec", "3990", "电子元器件表面缺陷视觉检测", "需要基于深度学习的电子元器件外观缺陷检测算法和设备，检出率 ≥ 99%，节拍 ≤ 0.5 秒/件。", ["G06T", "G01N", "G06N"], ["ordinary_licence", "transfer"], (50, 200)),
    ("elec", "3990", "智慧农业物联网传感与数据平台", "为本地茶园和稻田提供土壤墒情、气象的物联网监测，需要低功耗传感节点和数据平台技术。", ["G08C", "H04W", "G06Q"], ["ordinary_licence", "open_licence"], (20, 100)),
    ("elec", "6513", "政务数据检索与问答系统", "需要面向中文政策文件的智能检索与问答技术，支持自然语言提问和要点摘要。", ["G06F"], ["ordinary_licence"], (30, 120)),
    ("down", "1942", "羽绒清洗节水与除味工艺", "羽绒水洗耗水量大、异味残留。需要节水型羽绒清洗、烘干除味工艺与设备，降低水耗 40%。", ["D06F", "D06L", "D06M"], ["transfer", "ordinary_licence"], (30, 150)),
    ("down", "1942", "羽绒服装功能性面料", "需要防钻绒、防水透湿面料的涂层或复合技术，提升羽绒服品质。", ["D06M", "D06N", "A41D"], ["exclusive_licence", "transfer"], (50, 200)),
    ("agri", "0190", "油茶良种繁育与丰产栽培", "学院与合作社共建油茶基地，需要油茶嫁接育苗和丰产栽培技术的转化合作伙伴（本条为高校提出的合作需求）。", ["A01G", "A01H"], ["ordinary_licence"], None),
    ("food", "1311", "稻米加工副产物（米糠）高值化利用", "年产米糠 2 万吨，希望开发米糠油、米糠蛋白或膳食纤维产品的提取加工技术。", ["A23J", "C11B", "A23L"], ["transfer", "equity"], (50, 300)),
    ("equip", "3572", "茶叶采摘机器人", "名优茶人工采摘成本高，需要基于视觉识别的嫩芽采摘机械或机器人技术，先行在 500 亩茶园试验。", ["A01D", "B25J", "G06V"], ["exclusive_licence", "equity"], (100, 500)),
]

# IPC section titles (WIPO IPC, Chinese edition)
XINYANG_IPC = {"A23F", "A23N", "A23L", "A23B", "A23P", "A01G", "A01K", "A01D", "A01B", "A01C", "A01M", "D06F",
               "D06M", "D06L", "A41D", "C08L", "C08K", "B65D", "H01M", "H02J", "B25J", "F26B", "C02F", "G06V", "C04B"}
DEMAND_WORDS = ("茶", "鱼", "养殖", "增氧", "羽绒", "储能", "电池", "烘干", "降解", "石墨烯", "收割", "焊接", "灌溉",
                "溯源", "速冻", "米糠", "废水", "物联网", "虫")
FIELD_BY_SECTION = {"A": "人类生活必需（农业、食品、医疗等）", "B": "作业与运输", "C": "化学与冶金", "D": "纺织与造纸",
                    "E": "固定建筑物", "F": "机械工程、照明、加热", "G": "物理（仪器、计算）", "H": "电学"}


def _credit_code(rng: random.Random, kind: OrgKind, county: str) -> str:
    prefix = {"university": "12", "research_institute": "12", "ip_office": "11"}.get(kind.value, "91")
    alphabet = "0123456789"
    org = "".join(rng.choice(alphabet) for _ in range(8))
    weights = [3, 7, 9, 10, 5, 8, 4, 2]  # GB 11714 organisation-code check character
    c = 11 - sum(int(ch) * w for ch, w in zip(org, weights)) % 11
    org += {10: "X", 11: "0"}.get(c, str(c))
    first17 = prefix + county + org
    return first17 + credit_code_check_char(first17)


def _application_number(rng: random.Random, year: int, kind: PatentKind, used: set[str]) -> str:
    type_digit = {PatentKind.UTILITY_MODEL: "2", PatentKind.DESIGN: "3"}.get(kind, "1")
    while True:
        digits = f"{year}{type_digit}{rng.randrange(10_000_000):07d}"
        number = f"CN{digits}.{application_check_digit(digits)}"
        if number not in used:
            used.add(number)
            return number


def _abstract_parts(row: dict) -> list[str]:
    """The abstract column holds "title [SEP] English feature words [SEP] abstract" in many rows."""
    return [part.strip() for part in row["abstract_zh"].split("[SEP]")]


def _abstract_of(row: dict) -> str:
    """The abstract text alone, without the title and feature words glued in front of it."""
    return _abstract_parts(row)[-1]


def _title_of(row: dict) -> str:
    """The real title; 23 of the 57 abstract rows lack one, so take the invention's name from the
    abstract column: its leading title part (before "[SEP]") or the first "一种…" phrase (real text, not
    invented), never the feature words that follow the separator."""
    title = row["title_zh"].strip()
    if len(title) >= 2:
        return title
    parts = _abstract_parts(row)
    if len(parts) > 1 and 2 <= len(parts[0]) <= 300:
        return parts[0]
    m = re.search(r"(一种[^，。,；;：:（(\[]{4,60})", _abstract_of(row))
    return m.group(1).strip() if m else ""


def _read_patents(limit: int, rng: random.Random) -> list[dict]:
    with open(ABSTRACTS_CSV, encoding="utf-8", newline="") as fh:
        with_abstract = list(csv.DictReader(fh))
    with open(TITLES_CSV, encoding="utf-8", newline="") as fh:
        titles = [r for r in csv.DictReader(fh) if r["kind"] in ("A", "B", "U") and len(r["title_zh"].strip()) >= 2 and r["ipc_subclasses"][:1] in "ABCDEFGH"]
    rng.shuffle(titles)
    # Half the demo comes from the technical fields of Xinyang's industries (tea, food, agriculture,
    # textiles and down, materials, batteries, machinery), so the demo demands have something to find.
    local = [r for r in titles if any(c in XINYANG_IPC for c in r["ipc_subclasses"].split("|"))
             or any(w in r["title_zh"] for w in DEMAND_WORDS)]
    # Rarest needs first (tea before batteries): rank by the first demand word a title contains.
    local.sort(key=lambda r: min((i for i, w in enumerate(DEMAND_WORDS) if w in r["title_zh"]), default=len(DEMAND_WORDS)))
    chosen = {id(r) for r in local}
    others = [r for r in titles if id(r) not in chosen]
    titles = local[: limit // 2] + others
    rows = [{"publication_number": r["publication_number"], "kind": "A", "title": _title_of(r),
             "ipc": list(dict.fromkeys(c[:4] for c in json.loads(r["cpc_subgroups_json"])))[:5] or ["G06F"],
             "abstract": _abstract_of(r)} for r in with_abstract if _title_of(r)]
    rows += [{"publication_number": r["publication_number"], "kind": r["kind"], "title": r["title_zh"],
              "ipc": [c for c in r["ipc_subclasses"].split("|") if len(c) == 4], "abstract": None}
             for r in titles[:max(0, limit - len(rows))]]
    return rows


def seed(db: Session, *, patents: int = 600, rng_seed: int = 20261127) -> dict[str, int]:
    if db.scalar(select(Organisation.id).where(Organisation.synthetic.is_(True)).limit(1)) is not None:
        return {}
    rng = random.Random(rng_seed)
    orgs: dict[str, Organisation] = {}
    for spec in ORGS:
        orgs[spec.key] = org_service.create(db, OrganisationCreate(
            kind=spec.kind, name=spec.name, credit_code=_credit_code(rng, spec.kind, spec.county),
            county_code=spec.county, industry_code=spec.industry, contact_name="演示联系人",
            contact_phone=f"0376-{rng.randrange(6000000, 6999999)}", contact_email=f"{spec.key}@example.com",
        ), synthetic=True)
        orgs[spec.key].verified = spec.kind != OrgKind.ENTERPRISE or rng.random() < 0.7
    orgs["agri"].custodian_org_id = orgs["agency"].id  # the college lets the agency publish for it
    users = {}
    for username, display, role, org_key in USERS:
        users[username] = auth_service.create(db, UserCreate(
            username=username, display_name=display, password=DEMO_PASSWORD, role=role, org_id=orgs[org_key].id,
            email=f"{username}@example.com"), synthetic=True)
    db.info["actor_id"] = users["admin"].id

    owners_by_section: dict[str, list[Organisation]] = {}
    for spec in ORGS:
        for section in spec.ipc_sections:
            owners_by_section.setdefault(section, []).append(orgs[spec.key])
    used: set[str] = set()
    n_offers = 0
    pending_bundle: dict[int, list] = {}
    for row in _read_patents(patents, rng):
        if not row["ipc"]:
            continue
        kind = KIND_BY_PUBLICATION_CODE[row["kind"]]
        owner = rng.choice(owners_by_section.get(row["ipc"][0][0], [orgs["univ"]]))
        year = rng.choice([2020, 2021, 2022])
        app_date = date(year, 1, 1) + timedelta(days=rng.randrange(360))
        pub_date = app_date + timedelta(days=rng.randrange(120, 540))
        status = LegalStatus.PENDING if kind == PatentKind.INVENTION_APPLICATION else (
            LegalStatus.LAPSED if rng.random() < 0.05 else LegalStatus.VALID)
        patent = patents_service.create(db, PatentCreate(
            application_number=_application_number(rng, year, kind, used), publication_number=row["publication_number"],
            kind=kind, title=row["title"], abstract=row["abstract"], ipc_codes=row["ipc"],
            applicants=[owner.name], inventors=[], application_date=app_date, publication_date=pub_date,
            grant_date=pub_date if kind != PatentKind.INVENTION_APPLICATION else None, legal_status=status,
        ), owner.id, synthetic=True)
        if status == LegalStatus.LAPSED:
            continue
        bundle = pending_bundle.setdefault((owner.id, (patent.ipc_main or "")[:4]), [])
        bundle.append(patent)
        if len(bundle) < (3 if rng.random() < 0.1 else 1):
            continue
        pending_bundle[(owner.id, (patent.ipc_main or "")[:4])] = []
        n_offers += 1
        _offer_for(db, rng, owner, bundle, users)
    for key, (org_key, industry, title, desc, ipc, modes, budget) in enumerate(DEMANDS):
        org = orgs[org_key]
        demand = demands_service.create(db, DemandCreate(
            title=title, description=desc, industry_code=industry, preferred_ipc=ipc, modes=modes,
            budget_min=Decimal(budget[0] * 10000) if budget else None,
            budget_max=Decimal(budget[1] * 10000) if budget else None, region_code=org.county_code,
            deadline=date.today() + timedelta(days=90 + 10 * key), contact_name="演示联系人",
            contact_phone=f"1390376{rng.randrange(1000, 9999)}", publish=True,
        ), org_id=org.id, user_id=None, synthetic=True)
        demand.published_at = utcnow() - timedelta(days=rng.randrange(0, 60))
    db.flush()
    outcomes = seed_outcomes(db, rng)
    return {"organisations": len(orgs), "users": len(users), "patents": len(used), "offers": n_offers,
            "demands": len(DEMANDS), **outcomes}


def _offer_for(db: Session, rng: random.Random, owner: Organisation, patents: list, users: dict) -> None:
    granted = all(p.legal_status == LegalStatus.VALID for p in patents)
    pool = [TransactionMode.TRANSFER, TransactionMode.ORDINARY_LICENCE, TransactionMode.EXCLUSIVE_LICENCE]
    if granted:
        pool += [TransactionMode.OPEN_LICENCE, TransactionMode.PLEDGE, TransactionMode.EQUITY]
    modes = rng.sample(pool, k=rng.randint(1, 3))
    if TransactionMode.OPEN_LICENCE in modes:
        modes = [m for m in modes if m not in (TransactionMode.EXCLUSIVE_LICENCE, TransactionMode.SOLE_LICENCE)]
    negotiable = rng.random() < 0.4
    price = None if negotiable and rng.random() < 0.5 else Decimal(rng.randrange(5, 300) * 10000)
    first = patents[0]
    title = first.title if len(patents) == 1 else f"{first.title}等{len(patents)}件专利"
    description = first.abstract or (
        f"【演示】本项目基于专利“{first.title}”（主分类 {first.ipc_main}），"
        f"可用于{FIELD_BY_SECTION.get((first.ipc_main or 'G')[0], '相关')}领域的技术改造与产品开发。")
    publish = rng.random() < 0.92
    offer = offers_service.create(db, OfferCreate(
        title=title[:200], description=description, patent_ids=[p.id for p in patents], modes=modes,
        asking_price=price, negotiable=negotiable or price is None,
        open_licence_fee=Decimal(rng.randrange(1, 10) * 10000) if TransactionMode.OPEN_LICENCE in modes else None,
        open_licence_terms="按年支付，普通许可，期限 3 年（演示）" if TransactionMode.OPEN_LICENCE in modes else None,
        application_fields=[FIELD_BY_SECTION.get((first.ipc_main or "G")[0], "其他")],
        maturity=rng.choice(list(Maturity)), contact_name="演示联系人", publish=publish,
    ), owner=owner, publisher_org_id=owner.id, user_id=None, synthetic=True)
    if publish:
        offer.published_at = utcnow() - timedelta(days=rng.randrange(0, 180), minutes=rng.randrange(1440))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patents", type=int, default=600, help="how many real patents to load (max 7,855)")
    args = parser.parse_args()
    factory = hooked_session_factory(default_engine())
    with factory.begin() as db:
        counts = seed(db, patents=args.patents)
    print("seed: demo data already present" if not counts else f"seed: created {counts}")


if __name__ == "__main__":
    main()
