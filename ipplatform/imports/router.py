"""API routes of bulk import and export (mounted under /api by ``ipplatform.main``)."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, BackgroundTasks, Form, Query, Request, UploadFile
from fastapi.responses import Response

from ipplatform.common.enums import TransactionMode
from ipplatform.common.errors import NotFound
from ipplatform.common.validators import CleanText, Id
from ipplatform.dependencies import CurrentUser, DbSession
from ipplatform.imports import export, service, workbooks

router = APIRouter(tags=["imports"])
ImportKind = Literal["patents", "offers", "demands", "deals"]
ExportKind = Literal["patents", "offers", "demands", "matches", "deals"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BINARY = {"schema": {"type": "string", "format": "binary"}}
WORKBOOK = {200: {"description": "the Excel workbook", "content": {XLSX: BINARY}}}
WORKBOOK_OR_CSV = {200: {"description": "the list as .xlsx or CSV (UTF-8 with BOM)",
                         "content": {XLSX: BINARY, "text/csv": {"schema": {"type": "string"}}}}}


def attachment(content: bytes, filename: str, media_type: str) -> Response:
    ascii_name = "ipplatform" + filename[filename.rfind("."):]  # for clients without RFC 5987 names
    return Response(content, media_type=media_type, headers={
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"})


@router.get("/imports/templates/{kind}", response_class=Response, responses=WORKBOOK, summary="the Excel template of an import kind (.xlsx)")
def download_template(kind: ImportKind):
    return attachment(workbooks.template(kind), f"{export.KINDS_ZH[kind]}导入模板.xlsx", XLSX)


@router.post("/imports/{kind}", status_code=202, summary="upload a file to import (processed in the background)")
async def create_import(kind: ImportKind, file: UploadFile, request: Request, user: CurrentUser, db: DbSession,
                        background: BackgroundTasks, owner_org_id: Annotated[Id | None, Form()] = None,
                        dry_run: Annotated[bool, Form()] = True, valid_only: Annotated[bool, Form()] = False):
    """A dry run (the default) validates and counts; ``dry_run=false`` commits (all rows or none, unless
    ``valid_only``). Poll ``GET /api/imports/jobs/{id}`` for progress and the result."""
    owner = service.owner_for_new(db, user, kind, owner_org_id)
    content = await file.read()
    job = service.create_job(db, kind=kind, filename=file.filename or "", content=content, owner=owner, user=user,
                             dry_run=dry_run, valid_only=valid_only)
    background.add_task(service.run_job, request.app.state.session_factory, job.id, service.publisher_for(user, owner))
    return service.progress_of(job)


@router.get("/imports/jobs/{job_id}", summary="an import's progress and, when done, its result")
def read_import(job_id: Id, user: CurrentUser, db: DbSession):
    job = service.readable_job(db, user, job_id)
    return {**service.progress_of(job), "kind": job.kind, "filename": job.filename, "dry_run": job.dry_run,
            "valid_only": job.valid_only, "result": job.result}


@router.get("/imports/jobs/{job_id}/report.xlsx", response_class=Response, responses=WORKBOOK, summary="the Excel report of an import")
def import_report(job_id: Id, user: CurrentUser, db: DbSession):
    job = service.readable_job(db, user, job_id)
    if job.result is None:
        raise NotFound("import report", "导入报告", job_id)
    return attachment(workbooks.report(job.result, job.kind, job.filename), f"导入报告-{job.id}.xlsx", XLSX)


@router.get("/exports/{kind}", response_class=Response, responses=WORKBOOK_OR_CSV,
            summary="a list as .xlsx or CSV, with the headers the importer reads")
def export_list(kind: ExportKind, user: CurrentUser, db: DbSession, format: Literal["xlsx", "csv"] = "xlsx",
                q: Annotated[CleanText | None, Query(max_length=100)] = None,
                mode: TransactionMode | None = None, mine: bool = False,
                org: Annotated[Id | None, Query(description="offers and demands with mine: one organisation the "
                                                "user acts for (staff: any)")] = None):
    rows = export.EXPORTS[kind](db, user, q=q, mode=mode, mine=mine, org=org)
    name = f"{export.KINDS_ZH[kind]}.{format}"
    if format == "csv":
        return attachment(export.to_csv(kind, rows), name, "text/csv; charset=utf-8")
    return attachment(export.to_xlsx(kind, rows), name, XLSX)
