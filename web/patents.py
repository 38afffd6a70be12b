"""Pages: an organisation's patents: list, search, register, edit, lapse."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from ipplatform.auth import policy
from ipplatform.auth.enums import MEMBER_ROLES
from ipplatform.common.errors import AppError, FieldError
from ipplatform.common.schemas import PageParams
from ipplatform.common.validators import CleanText, Id
from ipplatform.dependencies import DbSession
from ipplatform.offers import service as offers_service
from ipplatform.organisations import service as org_service
from ipplatform.patents import service as patents_service
from ipplatform.patents.enums import DEAD_STATUSES, LegalStatus, PatentKind
from ipplatform.patents.models import Patent
from ipplatform.patents.schemas import PatentCreate, PatentUpdate
from web import listings
from web.dependencies import PageUser
from web.forms import errors_by_field, filter_param, split_list
from web.navigation import NavItem
from web.templating import render

router = APIRouter(include_in_schema=False)
NAV = [NavItem("我的专利", "/patents", 32, lambda user: user is not None and user.role in MEMBER_ROLES)]

LAPSE_STATUSES = [s for s in LegalStatus if s in DEAD_STATUSES]


def _patent_or_404(patent_id: Id, db: DbSession) -> Patent:
    return patents_service.get(db, patent_id)


PagePatent = Annotated[Patent, Depends(_patent_or_404)]


@router.get("/patents", response_class=HTMLResponse)
def patent_list(request: Request, db: DbSession, user: PageUser, page: Annotated[PageParams, Depends()],
                org_id: filter_param(Id) = None, q: Annotated[CleanText | None, Query(max_length=100)] = None,
                status: filter_param(LegalStatus) = None, kind: filter_param(PatentKind) = None,
                saved: filter_param(Id) = None):
    """One organisation's patents (patents are public): the user's own by default; an agency member switches
    to the organisations it acts for. Management buttons only for those who may manage them."""
    org = org_service.get(db, org_id or user.org_id)
    owners = listings.owner_choices(db, user, policy.Action.PATENT_WRITE) if policy.may_ever(
        user, policy.Action.PATENT_WRITE) else []
    items, total = patents_service.list_patents(db, page, org.id, q, legal_status=[status] if status else None,
                                                kind=kind)
    kept = {"org_id": org_id, "q": q, "status": status.value if status else None, "kind": kind.value if kind else None}
    base = f"/patents?{urlencode({k: v for k, v in kept.items() if v})}&"
    saved_patent = db.get(Patent, saved) if saved else None
    return render(request, "patents.html", user, org=org, owners=owners, items=items, total=total, page=page,
                  q=q or "", status=status, kind=kind, pager_base=base, counts=patents_service.status_counts(db, org.id),
                  can_write=policy.allowed(user, policy.Action.PATENT_WRITE, org), legal_statuses=LegalStatus,
                  kinds=PatentKind, dead=DEAD_STATUSES,
                  saved=saved_patent if saved_patent and saved_patent.owner_org_id == org.id else None)


def _form(request: Request, db, user, values: dict, errors: dict, status_code: int = 200, *, patent=None, owners=()):
    return render(request, "patent_form.html", user, status_code, values=values, errors=errors, patent=patent,
                  owners=owners, kinds=PatentKind, legal_statuses=LegalStatus)


def _input(form, *, create: bool) -> dict:
    """The form's fields as ``PatentCreate`` (or, without the application number, ``PatentUpdate``) input."""
    data = {
        "publication_number": (form.get("publication_number") or "").strip() or None,
        "kind": form.get("kind") or None, "title": form.get("title", ""),
        "abstract": form.get("abstract") or None, "ipc_main": None, "ipc_codes": split_list(form.get("ipc_codes")),
        "applicants": split_list(form.get("applicants")), "inventors": split_list(form.get("inventors")),
        "application_date": form.get("application_date") or None,
        "publication_date": form.get("publication_date") or None, "grant_date": form.get("grant_date") or None,
        "legal_status": form.get("legal_status") or None,
    }
    if create:
        data["application_number"] = form.get("application_number", "")
        data["owner_org_id"] = form.get("owner_org_id") or None
    return data


def _values(patent: Patent) -> dict:
    return {
        "application_number": patent.application_number, "publication_number": patent.publication_number or "",
        "kind": patent.kind.value, "title": patent.title, "abstract": patent.abstract or "",
        "ipc_codes": "、".join(patent.ipc_codes or []), "applicants": "、".join(patent.applicants or []),
        "inventors": "、".join(patent.inventors or []),
        "application_date": patent.application_date.isoformat() if patent.application_date else "",
        "publication_date": patent.publication_date.isoformat() if patent.publication_date else "",
        "grant_date": patent.grant_date.isoformat() if patent.grant_date else "",
        "legal_status": patent.legal_status.value,
    }


@router.get("/patents/new", response_class=HTMLResponse)
def patent_new(request: Request, db: DbSession, user: PageUser, owner_org_id: Id | None = None):
    owner = listings.chosen_owner(db, user, owner_org_id, policy.Action.PATENT_WRITE)
    owners = listings.owner_choices(db, user, policy.Action.PATENT_WRITE)
    if owner not in owners:
        owners = [owner, *owners]
    return _form(request, db, user, {"owner_org_id": owner.id, "legal_status": LegalStatus.VALID.value,
                                     "kind": PatentKind.INVENTION_GRANTED.value}, {}, owners=owners)


@router.post("/patents/new", response_class=HTMLResponse)
async def patent_create(request: Request, db: DbSession, user: PageUser):
    form = await request.form()
    owner = listings.chosen_owner(db, user, form.get("owner_org_id"), policy.Action.PATENT_WRITE)
    data = _input(form, create=True)
    data["owner_org_id"] = owner.id
    try:
        patent = patents_service.create(db, PatentCreate.model_validate(data), owner.id)
    except (ValidationError, AppError) as exc:
        db.rollback()
        owners = listings.owner_choices(db, user, policy.Action.PATENT_WRITE)
        return _form(request, db, user, {k: form.get(k) for k in form.keys()}, errors_by_field(exc), 422,
                     owners=owners if owner in owners else [owner, *owners])
    return RedirectResponse(f"/patents?{urlencode({'org_id': owner.id, 'saved': patent.id})}", status_code=303)


@router.get("/patents/{patent_id}/edit", response_class=HTMLResponse)
def patent_edit(request: Request, db: DbSession, user: PageUser, patent: PagePatent):
    policy.require(user, policy.Action.PATENT_WRITE, patent.owner)
    return _form(request, db, user, _values(patent), {}, patent=patent)


@router.post("/patents/{patent_id}/edit", response_class=HTMLResponse)
async def patent_update(request: Request, db: DbSession, user: PageUser, patent: PagePatent):
    policy.require(user, policy.Action.PATENT_WRITE, patent.owner)
    form = await request.form()
    try:
        patents_service.update(db, patent, PatentUpdate.model_validate(_input(form, create=False)))
    except (ValidationError, AppError) as exc:
        db.rollback()
        db.refresh(patent)
        values = {**{k: form.get(k) for k in form.keys()}, "application_number": patent.application_number}
        return _form(request, db, user, values, errors_by_field(exc), 422, patent=patent)
    return RedirectResponse(f"/patents?{urlencode({'org_id': patent.owner_org_id, 'saved': patent.id})}",
                            status_code=303)


@router.get("/patents/{patent_id}/lapse", response_class=HTMLResponse)
def patent_lapse_confirm(request: Request, db: DbSession, user: PageUser, patent: PagePatent):
    policy.require(user, policy.Action.PATENT_WRITE, patent.owner)
    return render(request, "patent_lapse.html", user, patent=patent, statuses_dead=LAPSE_STATUSES,
                  offers=offers_service.published_with_patents(db, [patent.id]), error=None)


@router.post("/patents/{patent_id}/lapse", response_class=HTMLResponse)
async def patent_lapse(request: Request, db: DbSession, user: PageUser, patent: PagePatent):
    policy.require(user, policy.Action.PATENT_WRITE, patent.owner)
    form = await request.form()
    chosen = {s.value: s for s in LAPSE_STATUSES}.get(form.get("legal_status") or LegalStatus.LAPSED.value)
    try:
        if chosen is None:
            raise FieldError("choose why the patent is no longer in force", "请选择失效原因", field="legal_status")
        patents_service.lapse(db, patent, chosen)
    except AppError as exc:
        db.rollback()
        return render(request, "patent_lapse.html", user, exc.status_code, patent=patent,
                      statuses_dead=LAPSE_STATUSES, error=exc.message_zh,
                      offers=offers_service.published_with_patents(db, [patent.id]))
    return RedirectResponse(f"/patents?{urlencode({'org_id': patent.owner_org_id, 'saved': patent.id})}",
                            status_code=303)
