"""Pages: the organisation register kept by office staff (list and search, register, edit incl. the custodian
agency, verify). Included by ``web.office``; registering asks ``organisation.create``, editing
``organisation.administer``, verifying ``organisation.verify``."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from ipplatform import reference
from ipplatform.auth import policy
from ipplatform.common.errors import AppError, FieldError
from ipplatform.common.schemas import PageParams
from ipplatform.common.validators import CleanText, Id, PageNumber
from ipplatform.dependencies import DbSession
from ipplatform.organisations import service as orgs
from ipplatform.organisations.enums import OrgKind
from ipplatform.organisations.schemas import OrganisationCreate, OrganisationUpdate
from web.dependencies import PageUser
from web.forms import errors_by_field, filter_param, pick_industry
from web.office_forms import kept, optional
from web.templating import render

router = APIRouter(include_in_schema=False)
PER_PAGE = 20
LABELS = {"kind": "机构类型", "name": "机构名称", "credit_code": "统一社会信用代码", "county_code": "所在县区",
          "other_region": "其他地区代码", "industry_code": "所属行业", "address": "地址", "contact_name": "联系人",
          "contact_phone": "联系电话", "contact_email": "电子邮箱", "custodian_org_id": "托管/代理机构"}
EDITABLE = ("name", "county_code", "industry_code", "address", "contact_name", "contact_phone", "contact_email",
            "custodian_org_id")


def _input(values: dict[str, str], *, create: bool) -> dict:
    data = {name: optional(values.get(name)) for name in EDITABLE}
    data["county_code"] = optional(values.get("other_region")) or data["county_code"]
    if create:
        data.update(kind=optional(values.get("kind")), credit_code=optional(values.get("credit_code")))
        return {k: v for k, v in data.items() if v is not None}
    return data  # an edit sends every field: a cleared one becomes empty


def _posted(form) -> dict[str, str]:
    """The posted values; the industry as the shared picker sends it (division, then an optional detail)."""
    return kept(form, LABELS) | {"industry_code": pick_industry(form) or ""}


def _form(request, db, user, org, values: dict, errors: dict, code: int = 200) -> HTMLResponse:
    counties = {c.code for c in reference.xinyang_counties()}
    if values.get("county_code") and values["county_code"] not in counties and not values.get("other_region"):
        values = {**values, "other_region": values["county_code"], "county_code": ""}
    return render(request, "office_org_form.html", user, code, org=org, values=values, errors=errors,
                  kinds=OrgKind, agencies=[
                      a for a in orgs.agencies(db) if org is None or a.id != org.id])


def _values(org) -> dict[str, str]:
    return {name: "" if getattr(org, name) is None else str(getattr(org, name)) for name in EDITABLE}


@router.get("/office/organisations", response_class=HTMLResponse)
def org_list(request: Request, db: DbSession, user: PageUser, page: PageNumber = 1,
             q: Annotated[CleanText | None, Query(max_length=100)] = None, kind: filter_param(OrgKind) = None,
             verified: filter_param(Literal["yes", "no"]) = None, done: Literal["created", "saved", "verified",
                                                                          "unverified"] | None = None):
    policy.require(user, policy.Action.ORG_ADMINISTER)
    params = PageParams(page=page, page_size=PER_PAGE)
    items, total = orgs.list_orgs(db, params, kind, q, {"yes": True, "no": False}.get(verified or ""))
    custodians = {o.id: o for o in orgs.agencies(db)}
    query = urlencode({k: v for k, v in (("q", q), ("kind", kind.value if kind else None), ("verified", verified)) if v})
    message = {"created": "机构已登记。", "saved": "机构信息已保存。", "verified": "机构已认证。",
               "unverified": "已取消认证。"}.get(done or "")
    return render(request, "office_orgs.html", user, items=items, total=total, page=params, q=q or "",
                  kind=kind.value if kind else "", verified=verified or "", kinds=OrgKind, custodians=custodians,
                  done=message, base=f"/office/organisations?{query}&" if query else "/office/organisations?",
                  back=f"/office/organisations?{query}" if query else "/office/organisations")


@router.get("/office/organisations/new", response_class=HTMLResponse)
def org_new(request: Request, db: DbSession, user: PageUser):
    policy.require(user, policy.Action.ORG_CREATE)
    return _form(request, db, user, None, {"county_code": "411502"}, {})


@router.post("/office/organisations/new", response_class=HTMLResponse)
async def org_create(request: Request, db: DbSession, user: PageUser):
    policy.require(user, policy.Action.ORG_CREATE)
    values = _posted(await request.form())
    try:
        org = orgs.create(db, OrganisationCreate.model_validate(_input(values, create=True)))
    except (ValidationError, AppError) as exc:
        return _form(request, db, user, None, values, errors_by_field(exc, LABELS), 422)
    return RedirectResponse(f"/office/organisations?q={org.credit_code}&done=created", status_code=303)


@router.get("/office/organisations/{org_id}/edit", response_class=HTMLResponse)
def org_edit(request: Request, db: DbSession, user: PageUser, org_id: Id):
    policy.require(user, policy.Action.ORG_ADMINISTER)
    org = orgs.get(db, org_id)
    return _form(request, db, user, org, _values(org), {})


@router.post("/office/organisations/{org_id}/edit", response_class=HTMLResponse)
async def org_save(request: Request, db: DbSession, user: PageUser, org_id: Id):
    policy.require(user, policy.Action.ORG_ADMINISTER)
    org = orgs.get(db, org_id)
    values = _posted(await request.form())
    try:
        data = _input(values, create=False)
        for required in ("name", "county_code"):  # an emptied required field is an error, not "unchanged"
            if data[required] is None:
                raise FieldError(f"{required} is required", "必填", field=required)
        orgs.update(db, org, OrganisationUpdate.model_validate(data))
    except (ValidationError, AppError) as exc:
        return _form(request, db, user, org, values, errors_by_field(exc, LABELS), 422)
    return RedirectResponse(f"/office/organisations?q={org.credit_code}&done=saved", status_code=303)


@router.post("/office/organisations/{org_id}/verify")
async def org_verify(request: Request, db: DbSession, user: PageUser, org_id: Id):
    org = orgs.get(db, org_id)
    policy.require(user, policy.Action.ORG_VERIFY, org)
    verified = (await request.form()).get("verified", "1") != "0"
    orgs.set_verified(db, org, verified)
    return RedirectResponse(f"/office/organisations?q={org.credit_code}&done={'verified' if verified else 'unverified'}",
                            status_code=303)
