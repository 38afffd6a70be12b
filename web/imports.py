"""Pages: bulk import (upload, dry-run report, commit, progress while the file is processed in the background)
and, after a patent import, turning the imported patents into offers in one step."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlalchemy import select
from starlette.datastructures import UploadFile

from ipplatform.auth import policy
from ipplatform.auth.policy import Action
from ipplatform.common.enums import TransactionMode
from ipplatform.common.errors import AppError, FieldError
from ipplatform.common.validators import Id
from ipplatform.dependencies import DbSession
from ipplatform.imports import service
from ipplatform.imports.kinds import KINDS, LABELS
from ipplatform.imports.models import ImportJob
from ipplatform.offers.service import DEAD_STATUSES
from ipplatform.organisations.models import Organisation
from web.dependencies import PageUser
from web.forms import errors_by_field, wan_to_yuan
from web.navigation import NavItem
from web.templating import render

router = APIRouter(include_in_schema=False)
NAV = [NavItem("批量导入", "/imports", 35,
               lambda user: policy.may_ever(user, Action.IMPORT_WRITE) or policy.may_ever(user, Action.DEAL_IMPORT),
               testid="nav-imports")]
SHOWN_REJECTIONS = 200


def _kinds(user) -> dict[str, str]:
    return {k: v for k, v in LABELS.items() if policy.may_ever(user, Action.DEAL_IMPORT if k == "deals"
                                                              else Action.IMPORT_WRITE)}


def _owners(db, user) -> list[Organisation]:
    scope = policy.org_scope(db, user, Action.IMPORT_WRITE)
    stmt = select(Organisation).order_by(Organisation.name)
    if scope is not None:
        stmt = stmt.where(Organisation.id.in_(sorted(scope)))
    return list(db.scalars(stmt))


def _form(request: Request, db, user, values: dict, errors: dict, status_code: int = 200) -> HTMLResponse:
    jobs = db.scalars(select(ImportJob).where(ImportJob.user_id == user.id).order_by(ImportJob.id.desc()).limit(10))
    return render(request, "imports.html", user, status_code, kinds=_kinds(user), owners=_owners(db, user),
                  values=values, errors=errors, jobs=list(jobs), labels=LABELS)


@router.get("/imports", response_class=HTMLResponse)
def import_page(request: Request, db: DbSession, user: PageUser):
    if not _kinds(user):
        policy.require(user, Action.IMPORT_WRITE)  # the refusal page, with its reason
    return _form(request, db, user, {"kind": request.query_params.get("kind", "patents")}, {})


@router.post("/imports", response_class=HTMLResponse)
async def import_upload(request: Request, db: DbSession, user: PageUser, background: BackgroundTasks):
    form = await request.form()
    values = {"kind": str(form.get("kind") or ""), "owner_org_id": str(form.get("owner_org_id") or ""),
              "valid_only": form.get("valid_only") == "on"}
    upload = form.get("file")
    errors = {}
    if values["kind"] not in KINDS:
        return _form(request, db, user, values, {"kind": "导入类型：请选择专利、供给、需求或交易"}, 422)
    owner_id = int(values["owner_org_id"]) if values["owner_org_id"].isdigit() and len(values["owner_org_id"]) < 10 else None
    owner = service.owner_for_new(db, user, values["kind"], owner_id)  # the policy first: refused is a 403
    if not isinstance(upload, UploadFile) or not upload.filename:
        errors["file"] = "文件：请选择要导入的 .xlsx 或 .csv 文件"
        return _form(request, db, user, values, errors, 422)
    try:
        job = service.create_job(db, kind=values["kind"], filename=upload.filename, content=await upload.read(),
                                 owner=owner, user=user, dry_run=form.get("action") != "commit",
                                 valid_only=values["valid_only"])
    except AppError as exc:
        return _form(request, db, user, values, {"file": f"文件：{exc.message_zh}"}, 422)
    background.add_task(service.run_job, request.app.state.session_factory, job.id, service.publisher_for(user, owner))
    return RedirectResponse(f"/imports/{job.id}", status_code=303)


@router.get("/imports/{job_id}", response_class=HTMLResponse)
def import_job_page(request: Request, db: DbSession, user: PageUser, job_id: Id):
    job = service.readable_job(db, user, job_id)
    result = job.result or {}
    return render(request, "imports_job.html", user, job=job, result=result, progress=service.progress_of(job),
                  rejected=result.get("rejected", [])[:SHOWN_REJECTIONS], label=LABELS.get(job.kind, job.kind),
                  can_offer=bool(job.kind == "patents" and job.committed and result.get("touched_ids")
                                 and policy.allowed(user, Action.LISTING_WRITE, job.owner)))


@router.post("/imports/{job_id}/commit")
async def import_commit(request: Request, db: DbSession, user: PageUser, background: BackgroundTasks, job_id: Id):
    dry = service.readable_job(db, user, job_id)
    form = await request.form()
    job = service.commit_job(db, dry, user, valid_only=form.get("valid_only") == "on")
    background.add_task(service.run_job, request.app.state.session_factory, job.id,
                        service.publisher_for(user, dry.owner))
    return RedirectResponse(f"/imports/{job.id}", status_code=303)


def _offer_form(request: Request, db, user, job: ImportJob, values: dict, errors: dict, status_code: int = 200):
    patents = service.imported_patents(db, job)
    return render(request, "imports_offers.html", user, status_code, job=job, patents=patents, values=values,
                  errors=errors, dead=DEAD_STATUSES)


@router.get("/imports/{job_id}/offers", response_class=HTMLResponse)
def bulk_offer_page(request: Request, db: DbSession, user: PageUser, job_id: Id):
    job = service.readable_job(db, user, job_id)
    policy.require(user, Action.LISTING_WRITE, job.owner)
    return _offer_form(request, db, user, job, {"negotiable": True}, {})


@router.post("/imports/{job_id}/offers", response_class=HTMLResponse)
async def bulk_offer_create(request: Request, db: DbSession, user: PageUser, job_id: Id):
    job = service.readable_job(db, user, job_id)
    policy.require(user, Action.LISTING_WRITE, job.owner)
    form = await request.form()
    ids = [int(v) for v in form.getlist("patent_ids") if str(v).isdigit() and len(str(v)) < 10]
    values = {"patent_ids": ids, "modes": form.getlist("modes"), "asking_price": form.get("asking_price") or "",
              "negotiable": form.get("negotiable") == "on", "publish": form.get("action") == "publish"}
    try:
        modes = [TransactionMode(m) for m in values["modes"]]
        if not modes:
            raise FieldError("choose at least one transaction mode", "请至少选择一种交易方式", field="modes")
        offers = service.make_offers(db, job, ids, modes=modes, price=wan_to_yuan(values["asking_price"]),
                                     negotiable=values["negotiable"], publish=values["publish"],
                                     publisher_org_id=service.publisher_for(user, job.owner), user_id=user.id)
    except (ValidationError, AppError) as exc:
        return _offer_form(request, db, user, job, values, errors_by_field(exc), 422)
    except ValueError:  # an unknown transaction mode
        return _offer_form(request, db, user, job, values, {"modes": "交易方式：取值无效"}, 422)
    # the owner's offers, where they are: administrators and agencies make them for another organisation
    org = f"&org={job.owner.id}" if job.owner.id != user.org_id else ""
    return RedirectResponse(f"/offers?mine=1{org}&made={len(offers)}", status_code=303)
