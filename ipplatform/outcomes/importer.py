"""Importing deals (the office's Excel sheet of transactions) on the one import machinery
(``ipplatform.imports.engine``): every row validated, all rows or none, re-importing the same rows is a no-op.
A row with a recordal number is recorded like any other deal (``flows.record_deal``: ownership, offers,
credit rules). ``import_deals`` keeps the contract of ``POST /api/deals/import``."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ipplatform.common.errors import AppError
from ipplatform.common.validators import InvalidValue, check_patent_date, normalize_application_number, normalize_credit_code
from ipplatform.imports import engine
from ipplatform.imports.columns import Column, Layout, parse_date, parse_yuan, split_list, text
from ipplatform.imports.engine import NEW, UNCHANGED, Cells, Context, RowError, RowErrors
from ipplatform.imports.reader import Unreadable
from ipplatform.organisations.models import Organisation
from ipplatform.outcomes import flows, service
from ipplatform.outcomes.enums import DealStatus, DealType
from ipplatform.outcomes.models import Deal
from ipplatform.outcomes.schemas import DealCreate, DealRecord
from ipplatform.patents.models import Patent

MAX_BYTES = 20 * 1024 * 1024
TYPE_BY_ZH = {t.zh: t for t in DealType}
CODES = ("from_code", "to_code", "lender_code")
FIELD_KEYS = {"type": "type", "patent_ids": "numbers", "to_org_id": "to_code", "lender_org_id": "lender_code",
              "amount": "amount", "loan_amount": "loan_amount", "valuation": "valuation",
              "contract_date": "contract_date", "recordal_number": "recordal_number", "recordal_date": "recordal_date"}

LAYOUT = Layout("deals", "交易", (
    Column("type", "交易类型", ("类型",), True, "、".join(TYPE_BY_ZH), tuple(TYPE_BY_ZH), "转让"),
    Column("numbers", "申请号", ("专利申请号", "专利"), True, "出让/许可/出质方持有的专利，多个用分号分隔", example="CN202223220665.2"),
    Column("from_code", "出让方统一社会信用代码", ("权利人统一社会信用代码", "出让方信用代码"), True, "专利权人（出让、许可、出质方）"),
    Column("to_code", "受让方统一社会信用代码", ("被许可方统一社会信用代码", "受让方信用代码"), note="转让、许可、作价入股必填"),
    Column("lender_code", "质权人统一社会信用代码", ("质权人信用代码",), note="质押融资必填"),
    Column("amount", "交易金额（元）", ("合同金额（元）", "金额（元）")),
    Column("loan_amount", "贷款金额（元）", ("融资金额（元）",), note="质押融资必填"),
    Column("valuation", "作价金额（元）", ("出资金额（元）",), note="作价入股必填"),
    Column("contract_date", "合同日期", ("签订日期",), note="20250301、2025-03-01 或 2025年3月1日"),
    Column("recordal_number", "备案号", ("登记号", "备案/登记号"), note="填写即视为已备案（登记）的交易"),
    Column("recordal_date", "备案日期", ("登记日期",)),
))


def _deal_type(raw: str) -> DealType:
    if raw not in TYPE_BY_ZH:
        raise InvalidValue("deal_type", f"unknown deal type '{raw}'", f"交易类型应为：{'、'.join(TYPE_BY_ZH)}")
    return TYPE_BY_ZH[raw]


def _date(raw: str):
    value = parse_date(raw)
    return check_patent_date(value) if value else None


class DealImport:
    layout = LAYOUT
    needs_owner = False

    def parse(self, ctx: Context, cells: Cells) -> dict:
        deal_type = cells.get("type", _deal_type, required_zh="交易类型")
        numbers = cells.get("numbers", lambda v: [normalize_application_number(n) for n in split_list(v)],
                            required_zh="申请号") or []
        codes = {k: cells.get(k, normalize_credit_code, required_zh="出让方统一社会信用代码" if k == "from_code" else None)
                 for k in CODES}
        values = {k: cells.get(k, parse_yuan) for k in ("amount", "loan_amount", "valuation")}
        values |= {k: cells.get(k, _date) for k in ("contract_date", "recordal_date")}
        values["recordal_number"] = text(cells.raw("recordal_number")) or None
        cells.check()
        return {"type": deal_type, "numbers": numbers, "codes": codes, "values": values, "cells": cells}

    def key(self, record: dict) -> tuple:
        v = record["values"]
        return (record["type"].value, *(record["codes"][k] for k in CODES), tuple(sorted(record["numbers"])),
                v["contract_date"], v["recordal_number"], v["amount"], v["loan_amount"], v["valuation"])

    def lookup(self, ctx: Context, records: list[dict]) -> dict:
        if "orgs" not in ctx.state:
            ctx.state["orgs"] = dict(ctx.db.execute(select(Organisation.credit_code, Organisation.id)).all())
        numbers = {n for r in records for n in r["numbers"]}
        ctx.state["patents"] = {n: (pid, owner) for n, pid, owner in ctx.db.execute(select(
            Patent.application_number, Patent.id, Patent.owner_org_id).where(Patent.application_number.in_(numbers)))}
        from_ids = {ctx.state["orgs"].get(r["codes"]["from_code"]) for r in records} - {None}
        codes = {oid: code for code, oid in ctx.state["orgs"].items()}
        found = {}
        for deal in ctx.db.scalars(select(Deal).where(Deal.from_org_id.in_(from_ids), Deal.imported_history.is_(False))):
            key = (deal.type.value, codes.get(deal.from_org_id), codes.get(deal.to_org_id), codes.get(deal.lender_org_id),
                   tuple(sorted(p.application_number for p in deal.patents)), deal.contract_date, deal.recordal_number,
                   deal.amount, deal.loan_amount, deal.valuation)
            found.setdefault(key, deal)
        return found

    def classify(self, ctx: Context, record: dict, existing: Deal | None) -> str:
        errors, ids = [], {}
        for k in CODES:
            code = record["codes"][k]
            if code and code not in ctx.state["orgs"]:
                errors.append(RowError(k, code, f"统一社会信用代码 {code} 的机构未在平台登记", f"no organisation {code}"))
            ids[k] = ctx.state["orgs"].get(code) if code else None
        patent_ids = []
        for number in record["numbers"]:
            found = ctx.state["patents"].get(number)
            if found is None:
                errors.append(RowError("numbers", number, f"专利 {number} 未在平台登记", f"patent {number} is not registered"))
            elif ids["from_code"] and found[1] != ids["from_code"] and not (
                    record["type"] == DealType.TRANSFER and record["values"]["recordal_number"]
                    and found[1] == ids["to_code"]):
                errors.append(RowError("numbers", number, f"专利 {number} 不属于出让方", f"patent {number} is not the holder's"))
            else:
                patent_ids.append(found[0])
                record["moved"] = record.get("moved", True) and found[1] == ids["to_code"] != ids["from_code"]
        if errors:
            raise RowErrors(errors)
        record["data"] = record["cells"].validate(DealCreate, {
            "type": record["type"], "patent_ids": patent_ids, "to_org_id": ids["to_code"],
            "lender_org_id": ids["lender_code"], **record["values"]}, FIELD_KEYS)
        record["from_id"] = ids["from_code"]
        return UNCHANGED if existing is not None else NEW

    def apply(self, ctx: Context, record: dict, existing, outcome: str) -> None:
        data: DealCreate = record["data"]
        if record.get("moved"):  # a recorded transfer whose patents the receiving side already holds (an export
            # of the platform read back): recorded as it was, the ownership has moved already
            deal = Deal(**data.model_dump(exclude={"patent_ids", "from_org_id", "match_id"}), from_org_id=record["from_id"],
                        patents=list(ctx.db.scalars(select(Patent).where(Patent.id.in_(data.patent_ids)))),
                        status=DealStatus.RECORDED, created_by_id=ctx.user_id)
            ctx.db.add(deal)
            ctx.pending.append(deal)
            return
        deal = service.create(ctx.db, data, from_org_id=record["from_id"], user_id=ctx.user_id)
        if data.recordal_number:  # recorded like any other deal: ownership, offers, credit rules
            flows.record_deal(ctx.db, deal, DealRecord(), ctx.user_id)
        ctx.pending.append(deal)


# ---- POST /api/deals/import ------------------------------------------------------------------------------

class ImportRejected(AppError):
    status_code = 422
    code = "import_rejected"

    def __init__(self, rows: list[dict]):
        super().__init__(f"{len(rows)} rows rejected; nothing was imported",
                         f"有 {len(rows)} 行未通过校验，未导入任何数据", code="import_rejected")
        self.rows = rows

    def body(self) -> dict:
        return {**super().body(), "rejected": self.rows}


@dataclass
class ImportResult:
    imported: int
    deal_ids: list[int]


def import_deals(db: Session, content: bytes, filename: str, user_id: int | None) -> ImportResult:
    """The API's all-or-nothing .xlsx import: 422 with every rejected row (by its Excel row) or every deal."""
    if not filename.lower().endswith(".xlsx"):
        raise ImportRejected([{"row": None, "field": "file", "message_zh": "请上传 .xlsx 格式的 Excel 文件"}])
    if len(content) > MAX_BYTES:
        raise ImportRejected([{"row": None, "field": "file", "message_zh": "文件超过 20 MB"}])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "deals.xlsx"
        path.write_bytes(content)
        try:
            result = engine.run(db, DealImport(), path, "deals.xlsx", user_id=user_id, dry_run=False)
        except Unreadable as exc:
            message = exc.message_zh if "缺少" in exc.message_zh else "无法读取该 Excel 文件，请检查文件是否损坏"
            raise ImportRejected([{"row": None, "field": "file", "message_zh": message}]) from None
    if result.rejected_rows:
        rows: dict[int, list] = {}
        for r in result.rejected:
            rows.setdefault(r["row"], []).append({"field": r["column"], "message_zh": r["message_zh"]})
        raise ImportRejected([{"row": n, "errors": errs} for n, errs in sorted(rows.items())])
    return ImportResult(len(result.touched_ids), result.touched_ids)
