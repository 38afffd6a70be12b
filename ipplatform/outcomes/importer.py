"""Bulk import of deals from Excel (pandas + openpyxl): every row is validated; if any row is rejected,
nothing is written and every rejected row is reported with its reasons."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pandas as pd
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from ipplatform.common.errors import AppError, translate_errors
from ipplatform.common.validators import InvalidValue, normalize_application_number, normalize_credit_code
from ipplatform.organisations.models import Organisation
from ipplatform.outcomes import flows, service
from ipplatform.outcomes.enums import DealType
from ipplatform.outcomes.schemas import DealCreate, DealRecord
from ipplatform.patents.models import Patent

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
COLUMNS = {  # Excel header → field
    "交易类型": "type", "申请号": "application_numbers", "出让方统一社会信用代码": "from_code",
    "受让方统一社会信用代码": "to_code", "质权人统一社会信用代码": "lender_code", "交易金额（元）": "amount",
    "贷款金额（元）": "loan_amount", "作价金额（元）": "valuation", "合同日期": "contract_date",
    "备案号": "recordal_number", "备案日期": "recordal_date",
}
REQUIRED = ("交易类型", "申请号", "出让方统一社会信用代码")
TYPE_BY_ZH = {t.zh: t for t in DealType}


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


def read_workbook(content: bytes, filename: str) -> pd.DataFrame:
    if not filename.lower().endswith(".xlsx"):
        raise ImportRejected([{"row": None, "field": "file", "message_zh": "请上传 .xlsx 格式的 Excel 文件"}])
    if len(content) > MAX_BYTES:
        raise ImportRejected([{"row": None, "field": "file", "message_zh": "文件超过 5 MB"}])
    try:
        frame = pd.read_excel(io.BytesIO(content), dtype=str, engine="openpyxl").fillna("")
    except Exception:  # noqa: BLE001 - any unreadable file gets the same clear answer
        raise ImportRejected([{"row": None, "field": "file", "message_zh": "无法读取该 Excel 文件，请检查文件是否损坏"}]) from None
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise ImportRejected([{"row": None, "field": "header", "message_zh": f"缺少必需的列：{'、'.join(missing)}"}])
    if len(frame) > MAX_ROWS:
        raise ImportRejected([{"row": None, "field": "file", "message_zh": f"单次最多导入 {MAX_ROWS} 行"}])
    return frame


def _numbers(cell) -> list[str]:
    """The application numbers of a cell (separated by ; or ；)."""
    return [n for n in str(cell).replace("；", ";").split(";") if n.strip()]


def _patent_ids(db: Session, frame: pd.DataFrame) -> dict[str, int]:
    """Application number → patent id for every valid number in the file, in one query per 900."""
    numbers = set()
    for cell in frame.get("申请号", []):
        for number in _numbers(cell):
            try:
                numbers.add(normalize_application_number(number))
            except InvalidValue:
                pass  # reported per row later
    found: dict[str, int] = {}
    ordered = sorted(numbers)
    for i in range(0, len(ordered), 900):
        rows = db.execute(select(Patent.application_number, Patent.id).where(
            Patent.application_number.in_(ordered[i:i + 900])))
        found.update((number, pid) for number, pid in rows)
    return found


def import_deals(db: Session, content: bytes, filename: str, user_id: int | None) -> ImportResult:
    frame = read_workbook(content, filename)
    orgs = dict(db.execute(select(Organisation.credit_code, Organisation.id)).all())
    patent_ids_by_number = _patent_ids(db, frame)
    rejected, plans = [], []
    for idx, raw in frame.iterrows():
        row_no = int(idx) + 2  # Excel row: header is row 1
        row = {COLUMNS[c]: str(v).strip() for c, v in raw.items() if c in COLUMNS}
        problems = []

        def org_id(field: str, label: str):
            code = row.get(field, "")
            if not code:
                return None
            try:
                code = normalize_credit_code(code)
            except InvalidValue as exc:
                problems.append({"field": label, "message_zh": exc.zh})
                return None
            if code not in orgs:
                problems.append({"field": label, "message_zh": f"统一社会信用代码 {code} 的机构未在平台登记"})
            return orgs.get(code)

        from_id = org_id("from_code", "出让方统一社会信用代码")
        to_id = org_id("to_code", "受让方统一社会信用代码")
        lender_id = org_id("lender_code", "质权人统一社会信用代码")
        patent_ids = []
        for number in _numbers(row.get("application_numbers", "")):
            try:
                normal = normalize_application_number(number)
            except InvalidValue as exc:
                problems.append({"field": "申请号", "message_zh": exc.zh})
                continue
            pid = patent_ids_by_number.get(normal)
            if pid is None:
                problems.append({"field": "申请号", "message_zh": f"专利 {normal} 未在平台登记"})
            else:
                patent_ids.append(pid)
        deal_type = TYPE_BY_ZH.get(row.get("type", ""))
        if deal_type is None:
            problems.append({"field": "交易类型", "message_zh": f"交易类型应为：{'、'.join(TYPE_BY_ZH)}"})
        if not problems:
            try:
                data = DealCreate.model_validate({
                    "type": deal_type, "patent_ids": patent_ids, "to_org_id": to_id, "lender_org_id": lender_id,
                    **{k: row.get(k) or None for k in ("amount", "loan_amount", "valuation", "contract_date",
                                                        "recordal_number", "recordal_date")}})
                plans.append((row_no, data, from_id))
            except ValidationError as exc:
                problems += [{"field": e["field"], "message_zh": e["message_zh"]} for e in translate_errors(exc.errors())]
        if problems:
            rejected.append({"row": row_no, "errors": problems})
    if rejected:
        raise ImportRejected(rejected)
    ids = []
    with db.begin_nested():  # a business rule failing in row n undoes rows 1 … n-1 too
        for row_no, data, from_id in plans:
            try:
                deal = service.create(db, data, from_org_id=from_id, user_id=user_id)
            except AppError as exc:
                raise ImportRejected([{"row": row_no, "errors": [{"field": exc.field or "", "message_zh": exc.message_zh}]}])
            if data.recordal_number:  # recorded like any other deal: ownership, offers, credit rules
                flows.record_deal(db, deal, DealRecord(), user_id)
            ids.append(deal.id)
    return ImportResult(len(ids), ids)
