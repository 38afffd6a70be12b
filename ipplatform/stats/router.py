from __future__ import annotations

import csv
import io
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from ipplatform.common.errors import FieldError
from ipplatform.common.spreadsheet import csv_row
from ipplatform.common.validators import PageNumber
from ipplatform.dependencies import DbSession, StatsReader
from ipplatform.stats import indicators as ind
from ipplatform.stats import report
from ipplatform.stats.records import every_record, known, records
from ipplatform.stats.schemas import StatsQuery
from ipplatform.stats.summary import label, summary

router = APIRouter(prefix="/stats", tags=["statistics"])


def filters(query: Annotated[StatsQuery, Query()]) -> ind.Filters:
    return query.filters()


StatsFilters = Annotated[ind.Filters, Depends(filters)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TOO = {200: {"description": "JSON, or CSV with `format=csv`", "content": {"text/csv": {"schema": {"type": "string"}}}}}


@router.get("/indicators")
def catalogue():
    return [i.__dict__ for i in ind.REPORTED]


@router.get("/summary")
def get_summary(f: StatsFilters, _: StatsReader, db: DbSession):
    return summary(db, f)


@router.get("/breakdown/{indicator_id}", responses=CSV_TOO)
def get_breakdown(indicator_id: str, f: StatsFilters, _: StatsReader, db: DbSession,
                  by: Literal["county", "industry", "org_kind", "type", "month", "ipc_section"] = "county",
                  format: Literal["json", "csv"] = "json"):
    if indicator_id not in ind.BY_ID:
        raise FieldError(f"unknown indicator {indicator_id}", f"未知指标 {indicator_id}", field="indicator_id")
    try:
        data = ind.breakdown(db, indicator_id, f, by)
    except KeyError:
        raise FieldError(f"{indicator_id} cannot be broken down by {by}", "该指标不支持此维度", field="by") from None
    if format == "csv":
        return csv_response(["代码", "名称", ind.BY_ID[indicator_id].name_zh],
                            ([k, label(by, k), v] for k, v in data.items()), f"{indicator_id}-{by}.csv")
    return [{"key": k, "label": label(by, k), "value": v} for k, v in data.items()]


CSV_LIMIT = 50_000


def csv_response(header: list[str], rows, filename: str) -> Response:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows(csv_row(row) for row in rows)
    return Response("\ufeff" + buf.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/records/{indicator_id}", responses=CSV_TOO)
def get_records(indicator_id: str, f: StatsFilters, _: StatsReader, db: DbSession,
                page: PageNumber = 1, size: Annotated[int, Query(ge=1, le=500)] = 50,
                format: Literal["json", "csv"] = "json"):
    """The deals, offers, demands, matches or patents behind an indicator's number (CSV: all of them); also
    ``funnel_<stage>`` (published, matched, contacted, negotiating, agreed, deal) for a funnel stage's offers."""
    if not known(indicator_id):
        raise FieldError(f"unknown indicator {indicator_id}", f"未知指标 {indicator_id}", field="indicator_id")
    if format == "csv":
        every = every_record(db, indicator_id, f, CSV_LIMIT)
        return csv_response(every.columns, every.rows, f"{indicator_id}-records.csv")
    r = records(db, indicator_id, f, page, size)
    return {"indicator": indicator_id, "kind": r.kind, "total": r.total, "page": page, "size": size,
            "columns": r.columns, "rows": r.rows}


@router.get("/report.xlsx", response_class=Response, responses={200: {
    "description": "the Excel workbook", "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}})
def get_report(f: StatsFilters, _: StatsReader, db: DbSession):
    return Response(report.build(db, f),
                    media_type=XLSX,
                    headers={"Content-Disposition": 'attachment; filename="ip-operations-report.xlsx"'})
