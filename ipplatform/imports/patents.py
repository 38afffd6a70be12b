"""Importing patents: the 61-column export layout of Chinese patent databases and the platform's own
template (the same header names), upserted by application number for one owning organisation.

Every cell is checked with the platform's validators (application number and its CNIPA check digit,
publication numbers, IPC symbols, dates, kind and legal-status vocabularies), then the record as a whole
with ``PatentFields`` (kind ↔ number type, date order). The export's 专利转移次数 / 许可次数 / 质押次数 (with
转让日期 / 许可日期 / 质押日期) become recorded deals marked ``imported_history``, counted by the statistics
like any other; re-importing creates only the ones still missing.
"""

from __future__ import annotations

import unicodedata
from collections import Counter

from sqlalchemy import func, select

from ipplatform.common.errors import FieldError
from ipplatform.common.patch import assign
from ipplatform.common.validators import (InvalidValue, application_type, check_patent_date, normalize_application_number, normalize_credit_code,
                                          normalize_ipc, normalize_publication_number)
from ipplatform.imports.columns import Column, Layout, parse_count, parse_date, split_list, split_names, text
from ipplatform.imports.engine import NEW, UNCHANGED, UPDATED, Cells, Context
from ipplatform.organisations.models import Organisation
from ipplatform.outcomes.enums import LICENCES, DealStatus, DealType
from ipplatform.outcomes.models import Deal, deal_patent
from ipplatform.patents.enums import LegalStatus, PatentKind
from ipplatform.patents.models import Patent
from ipplatform.patents.schemas import PatentFields

KIND_WORDS = {"发明公开": PatentKind.INVENTION_APPLICATION, "发明申请": PatentKind.INVENTION_APPLICATION,
              "发明专利申请": PatentKind.INVENTION_APPLICATION, "发明授权": PatentKind.INVENTION_GRANTED,
              "授权发明": PatentKind.INVENTION_GRANTED, "发明专利": None, "发明": None,
              "实用新型": PatentKind.UTILITY_MODEL, "实用新型专利": PatentKind.UTILITY_MODEL,
              "外观设计": PatentKind.DESIGN, "外观设计专利": PatentKind.DESIGN,
              **{k.value: k for k in PatentKind}}
STATUS_WORDS = {
    LegalStatus.VALID: ("有效", "有权", "授权", "有权-审定授权", "有权-授权", "专利权维持", "valid"),
    LegalStatus.PENDING: ("审中", "在审", "公开", "实质审查", "审中-实质审查", "审中-公开", "审中-初审", "pending"),
    LegalStatus.LAPSED: ("失效（未缴年费）", "未缴年费", "无权-未缴年费", "未缴年费终止", "无权-未缴年费终止", "失效",
                         "无权", "lapsed"),
    LegalStatus.EXPIRED: ("期限届满", "无权-期限届满", "届满", "expired"),
    LegalStatus.INVALIDATED: ("被宣告无效", "全部无效", "无权-全部无效", "宣告无效", "无效", "invalidated"),
    LegalStatus.REJECTED: ("驳回", "无权-驳回", "rejected"),
    LegalStatus.WITHDRAWN: ("撤回", "视为撤回", "无权-撤回", "无权-视为撤回", "放弃", "无权-放弃", "withdrawn"),
}
STATUS_BY_WORD = {unicodedata.normalize("NFKC", w): s for s, words in STATUS_WORDS.items() for w in words}
# Count column → the type an imported-history deal gets (a licence's kind is not in the export: 普通许可).
HISTORY = (("transfer", DealType.TRANSFER), ("licence", DealType.ORDINARY_LICENCE), ("pledge", DealType.PLEDGE))
# Which recorded deals a count covers (those the platform already knows are not created again).
HISTORY_TYPES = {DealType.TRANSFER: "transfer", DealType.PLEDGE: "pledge", **{t: "licence" for t in LICENCES}}
# The record's fields compared for "unchanged" and written on update (the schema's, minus the key).
FIELDS = ("publication_number", "kind", "title", "abstract", "claims", "ipc_main", "ipc_codes", "applicants",
          "inventors", "application_date", "publication_date", "grant_date", "legal_status")

LAYOUT = Layout("patents", "专利", (
    Column("application_number", "申请号", ("专利申请号", "申请号/专利号", "专利号", "申请(专利)号"), True,
           "CN + 12 位数字 + . + 校验位，如 CN202223220665.2；以申请号识别同一件专利，重复导入即更新", example="CN202223220665.2"),
    Column("title", "专利名称", ("发明名称", "名称", "标题", "专利标题", "实用新型名称", "外观设计名称"), True,
           "专利的中文名称", example="一种无人机机载多功能盒"),
    Column("kind", "专利类型", ("类型", "专利种类", "申请类型"), False, "发明公开、发明授权、实用新型或外观设计；不填时按申请号的"
           "类型位和授权信息判断",
           ("发明公开", "发明授权", "实用新型", "外观设计"), "实用新型"),
    Column("publication_number", "公开号", ("公开(公告)号", "公开公告号", "公布号", "公开/公告号"), note="如 CN218751475U",
           example="CN218751475U"),
    Column("grant_number", "授权公告号", ("授权号", "公告号"), note="已授权专利的授权公告号（如 CN115883397B）",
           example="CN218751475U"),
    Column("legal_status", "法律状态", ("当前法律状态", "法律状态/事件", "专利状态"), note="有效、审中、失效（未缴年费）、期限届满、"
           "被宣告无效、驳回、撤回；也接受数据库导出的“有权-审定授权”“审中-实质审查”等写法",
           choices=("有效", "审中", "失效（未缴年费）", "期限届满", "被宣告无效", "驳回", "撤回"), example="有效"),
    Column("application_date", "申请日", ("申请日期",), note="20221202、2022-12-02、2022/12/2 或 2022年12月2日",
           example="2022-12-02"),
    Column("publication_date", "公开日", ("公开(公告)日", "公开日期", "公布日", "公告日"), example="2023-03-28"),
    Column("grant_date", "授权公告日", ("授权日", "授权日期", "授权公告日期"), note="发明申请（未授权）不填",
           example="2023-03-28"),
    Column("ipc_main", "主分类号", ("主IPC", "IPC主分类号", "主分类", "IPC主分类"), note="IPC，如 B64U20/80 或 A23F 3/06",
           example="B64U 20/80"),
    Column("ipc_codes", "分类号", ("IPC分类号", "IPC", "国际专利分类号", "IPC分类"), note="多个用分号分隔",
           example="B64U 20/80;B64U 101/30"),
    Column("applicants", "申请人", ("申请人(专利权人)", "专利权人", "申请(专利权)人", "原始申请人"), note="多个用分号分隔",
           example="淮上理工大学（演示）"),
    Column("holders", "当前权利人", ("第一权利人", "权利人", "当前专利权人"), note="与导入机构名称不一致的行列入待核对清单"),
    Column("credit_code", "权利人统一社会信用代码", ("统一社会信用代码", "申请人统一社会信用代码"), note="填写时须与导入机构一致"),
    Column("inventors", "发明人", ("发明人/设计人", "设计人", "当前发明人"), note="多个用分号分隔", example="刘迪;刘敏"),
    Column("abstract", "申请摘要", ("摘要", "摘要文本"), note="最多 5000 字"),
    Column("claims", "主权项", ("权利要求", "首项权利要求", "独立权利要求")),
    Column("transfer_count", "专利转移次数", ("转让次数", "转移次数", "权利转移次数"), note="历史交易：导入为“导入历史”交易记录"),
    Column("licence_count", "许可次数", ("专利许可次数", "许可备案次数")),
    Column("pledge_count", "质押次数", ("专利质押次数", "质押保全次数")),
    Column("transfer_dates", "转让日期", ("转移日期", "权利转移日期"), note="多个用分号分隔，依次对应各次交易"),
    Column("licence_dates", "许可日期", ("许可备案日期",)),
    Column("pledge_dates", "质押日期", ("质押登记日期",)),
))


def _kind(raw: str, grant_number: str | None, grant_date) -> PatentKind:
    words = [unicodedata.normalize("NFKC", w) for w in split_list(raw)]
    kinds = []
    for w in words:
        if w not in KIND_WORDS:
            raise InvalidValue("patent_kind", f"unknown patent kind '{raw}'",
                               f"专利类型“{raw}”无效，应为：发明公开、发明授权、实用新型、外观设计")
        kinds.append(KIND_WORDS[w])
    if PatentKind.INVENTION_GRANTED in kinds:  # 发明公开;发明授权: the publication history of one granted invention
        return PatentKind.INVENTION_GRANTED
    known = [k for k in kinds if k is not None]
    if known:
        return known[-1]
    granted = (grant_number or "")[-1:] in ("B", "C") or grant_date is not None  # plain 发明
    return PatentKind.INVENTION_GRANTED if granted else PatentKind.INVENTION_APPLICATION


def _kind_of_number(app_no: str, pub_no: str | None, grant_date) -> PatentKind:
    family = application_type(app_no)
    if family == "utility_model":
        return PatentKind.UTILITY_MODEL
    if family == "design":
        return PatentKind.DESIGN
    granted = (pub_no or "")[-1:] in ("B", "C") or grant_date is not None
    return PatentKind.INVENTION_GRANTED if granted else PatentKind.INVENTION_APPLICATION


def parse_legal_status(raw: str) -> LegalStatus:
    names = split_names(raw)
    word = unicodedata.normalize("NFKC", names[0] if names else raw).strip()
    candidates = [word, *reversed(word.split("-", 1))] if "-" in word else [word]
    status = next((STATUS_BY_WORD[w] for w in candidates if w in STATUS_BY_WORD), None)
    if status is None:
        raise InvalidValue("legal_status", f"unknown legal status '{raw}'",
                           f"法律状态“{raw}”无法识别，应为：{'、'.join(s.zh for s in LegalStatus)}")
    return status


def _ipcs(raw: str) -> list[str]:
    return [normalize_ipc(c) for c in split_list(raw)]


def _dates(raw: str) -> list:
    return [check_patent_date(d) for d in (parse_date(p) for p in split_list(raw)) if d is not None]


class PatentImport:
    layout = LAYOUT
    needs_owner = True

    def parse(self, ctx: Context, cells: Cells) -> dict:
        app_no = cells.get("application_number", normalize_application_number, required_zh="申请号")
        pub_no = cells.get("publication_number", normalize_publication_number)
        grant_no = cells.get("grant_number", lambda v: None if v in ("0", "-") else normalize_publication_number(v))
        dates = {k: cells.get(k, parse_date) for k in ("application_date", "publication_date", "grant_date")}
        kind = cells.get("kind", lambda v: _kind(v, grant_no, dates["grant_date"]))
        if kind is None and app_no and not cells.raw("kind"):
            kind = _kind_of_number(app_no, grant_no or pub_no, dates["grant_date"])
        title = text(cells.raw("title"))
        if not title:
            cells.fail("title", "专利名称不能为空", "title is required")
        status = cells.get("legal_status", parse_legal_status) or (
            LegalStatus.VALID if kind in (PatentKind.INVENTION_GRANTED, PatentKind.UTILITY_MODEL, PatentKind.DESIGN)
            else LegalStatus.PENDING)
        ipc_main = cells.get("ipc_main", normalize_ipc)
        ipc_codes = cells.get("ipc_codes", _ipcs) or []
        code = cells.get("credit_code", normalize_credit_code)
        if code and ctx.owner is not None and code != ctx.owner.credit_code:
            cells.fail("credit_code", f"统一社会信用代码 {code} 不是导入机构“{ctx.owner.name}”的代码",
                       f"credit code {code} is not the importing organisation's")
        history = {}
        for name, _type in HISTORY:
            if f"{name}_count" in cells.values:
                history[name] = (cells.get(f"{name}_count", parse_count) or 0, cells.get(f"{name}_dates", _dates) or [])
        cells.check()
        if grant_no and kind != PatentKind.INVENTION_APPLICATION:
            pub_no = grant_no  # a granted patent is known by its grant publication
        data = cells.validate(PatentFields, {
            "application_number": app_no, "publication_number": pub_no, "kind": kind, "title": title,
            "abstract": text(cells.raw("abstract")) or None, "claims": text(cells.raw("claims")) or None,
            "ipc_main": ipc_main, "ipc_codes": ipc_codes, "applicants": split_names(cells.raw("applicants")),
            "inventors": split_names(cells.raw("inventors")), "legal_status": status, **dates})
        return {"data": data.model_dump(), "history": history, "holders": split_names(cells.raw("holders")),
                "row_names": split_names(cells.raw("applicants"))}

    def key(self, record: dict) -> str:
        return record["data"]["application_number"]

    def lookup(self, ctx: Context, records: list[dict]) -> dict:
        numbers = [self.key(r) for r in records]
        found = {p.application_number: p for p in ctx.db.scalars(select(Patent).where(
            Patent.application_number.in_(numbers)))}
        pubs = [r["data"]["publication_number"] for r in records if r["data"]["publication_number"]]
        ctx.state["pubs"] = dict(ctx.db.execute(select(Patent.publication_number, Patent.application_number).where(
            Patent.publication_number.in_(pubs))).all()) if pubs else {}
        ids = [p.id for p in found.values()]
        counts = Counter()
        if ids:
            rows = ctx.db.execute(select(deal_patent.c.patent_id, Deal.type, func.count()).join(
                Deal, Deal.id == deal_patent.c.deal_id).where(deal_patent.c.patent_id.in_(ids),
                                                               Deal.status == DealStatus.RECORDED).group_by(
                deal_patent.c.patent_id, Deal.type))
            for pid, deal_type, n in rows:
                if deal_type in HISTORY_TYPES:
                    counts[(pid, HISTORY_TYPES[deal_type])] += n
        ctx.state["history"] = counts
        return found

    def _review(self, ctx: Context, record: dict) -> None:
        names = set(record["row_names"]) | set(record["holders"])
        if ctx.owner is None or ctx.owner.name in names:
            return
        if "orgs_by_name" not in ctx.state:
            by_name: dict[str, list[int]] = {}
            for oid, name in ctx.db.execute(select(Organisation.id, Organisation.name)):
                by_name.setdefault(name, []).append(oid)
            ctx.state["orgs_by_name"] = by_name
        others = {n: ctx.state["orgs_by_name"][n] for n in names if n in ctx.state["orgs_by_name"]}
        if any(len(ids) > 1 for ids in others.values()):
            reason = "申请人名称对应平台上多个同名机构，无法确定，请核对"
        elif others:
            reason = f"申请人“{'、'.join(others)}”是平台上的另一机构，请确认该专利属于“{ctx.owner.name}”"
        else:
            reason = f"申请人/当前权利人中没有“{ctx.owner.name}”，请核对名称"
        if len(ctx.review) < 5000:
            ctx.review.append({"application_number": record["data"]["application_number"],
                               "names": "；".join(sorted(names)) or "（未填写）", "reason_zh": reason})

    def classify(self, ctx: Context, record: dict, existing: Patent | None) -> str:
        data = record["data"]
        number, pub = data["application_number"], data["publication_number"]
        if existing is not None and existing.owner_org_id != ctx.owner.id:
            raise FieldError(f"patent {number} is registered by another organisation",
                             f"申请号 {number} 已由其他机构（{existing.owner.name}）登记，不能导入为本机构专利",
                             field="application_number")
        holder = ctx.state["pubs"].get(pub) if pub else None
        if pub and holder is None:  # earlier in the same file (a dry run has not written it)
            holder = ctx.state.setdefault("file_pubs", {}).setdefault(pub, number)
        if holder is not None and holder != number:
            raise FieldError(f"publication number {pub} belongs to patent {holder}",
                             f"公开号 {pub} 已属于另一件专利（申请号 {holder}）", field="publication_number")
        self._review(ctx, record)
        if existing is None:
            return NEW
        changed = any(getattr(existing, k) != data[k] for k in FIELDS)
        return UPDATED if changed or self._missing_history(ctx, existing.id, record) else UNCHANGED

    def _missing_history(self, ctx: Context, patent_id: int | None, record: dict) -> list:
        out = []
        for name, deal_type in HISTORY:
            if name not in record["history"]:
                continue
            count, dates = record["history"][name]
            have = ctx.state["history"].get((patent_id, name), 0) if patent_id else 0
            out += [(deal_type, dates[i] if i < len(dates) else None) for i in range(have, count)]
        return out

    def apply(self, ctx: Context, record: dict, existing: Patent | None, outcome: str) -> None:
        data = record["data"]
        missing = self._missing_history(ctx, existing.id if existing else None, record)
        if existing is None:
            patent = Patent(**data, owner_org_id=ctx.owner.id)
            ctx.db.add(patent)
        else:
            patent = existing
            assign(patent, {k: data[k] for k in FIELDS})
        for deal_type, when in missing:
            ctx.db.add(Deal(type=deal_type, status=DealStatus.RECORDED, from_org_id=ctx.owner.id, patents=[patent],
                            contract_date=when, recordal_date=when, imported_history=True, created_by_id=ctx.user_id))
        ctx.extra["history_deals"] = ctx.extra.get("history_deals", 0) + len(missing)
        ctx.pending.append(patent)
