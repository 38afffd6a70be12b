"""Pages: the industry glossary (colloquial ↔ technical terms) kept by office staff (/glossary): the list
with filters, a preview box ("what does matching make of this demand?"), add, edit, switch off, delete."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from ipplatform.auth import policy
from ipplatform.common.errors import AppError, translate_errors
from ipplatform.common.schemas import PageParams
from ipplatform.common.validators import CleanText, Id, PageNumber
from ipplatform.dependencies import DbSession
from ipplatform.matching import glossary_service as service
from ipplatform.matching.glossary_models import INDUSTRIES, GlossaryTerm
from ipplatform.matching.glossary_schemas import GlossaryTermCreate, GlossaryTermUpdate, Industry
from web.dependencies import PageUser
from web.forms import TextareaQuery, filter_param
from web.navigation import NavItem, may
from web.templating import render

router = APIRouter(include_in_schema=False)
NAV = [NavItem("行业术语表", "/glossary", 56, may(policy.Action.GLOSSARY_MANAGE), testid="nav-glossary")]
PER_PAGE = 30
LABELS = {"industry": "行业", "colloquial": "常用说法", "technical": "专业术语", "note": "备注", "active": "启用"}
DONE = {"added": "已添加术语条目，匹配时立即生效。", "saved": "已保存，匹配时立即生效。", "deleted": "已删除该条目。"}


def _staff(user) -> None:
    policy.require(user, policy.Action.GLOSSARY_MANAGE)


def split_terms(text: str | None) -> list[str]:
    """Terms typed in one box, separated by 、 ， , ； ; or line breaks."""
    for sep in "，,；;\n\r":
        text = (text or "").replace(sep, "、")
    return [t.strip() for t in text.split("、") if t.strip()]


def form_values(form) -> dict:
    return {k: str(form.get(k) or "") for k in ("industry", "colloquial", "technical", "note")} | {
        "active": form.get("active") == "on"}


def form_errors(exc: Exception) -> dict[str, str]:
    """{field: Chinese message naming the field as the form shows it}."""
    out: dict[str, str] = {}
    if isinstance(exc, ValidationError):
        for item in translate_errors(exc.errors()):
            field = item["field"].split(".")[0]
            zh = item["message_zh"].split("：", 1)[1] if "：" in item["message_zh"] else item["message_zh"]
            if field in LABELS:
                out.setdefault(field, f"{LABELS[field]}：{zh}")
            else:
                out.setdefault("_form", zh)
        return out
    if isinstance(exc, AppError):
        field = (exc.field or "").split(".")[0]
        return {field: f"{LABELS[field]}：{exc.message_zh}"} if field in LABELS else {"_form": exc.message_zh}
    raise exc


def _data(values: dict) -> dict:
    return {"industry": values["industry"] or None, "colloquial": split_terms(values["colloquial"]),
            "technical": split_terms(values["technical"]), "note": values["note"].strip() or None,
            "active": values["active"]}


def _values_of(term: GlossaryTerm) -> dict:
    return {"industry": term.industry, "colloquial": "、".join(term.colloquial), "technical": "、".join(term.technical),
            "note": term.note or "", "active": term.active}


@router.get("/glossary", response_class=HTMLResponse)
def glossary_list(request: Request, db: DbSession, user: PageUser, page: PageNumber = 1,
                  industry: filter_param(Industry) = None, q: Annotated[CleanText | None, Query(max_length=30)] = None,
                  text: Annotated[TextareaQuery | None, Query(max_length=500)] = None,
                  done: Literal["added", "saved", "deleted"] | None = None):
    _staff(user)
    params = PageParams(page=page, page_size=PER_PAGE)
    terms, total = service.list_terms(db, params, industry, q)
    query = urlencode({k: v for k, v in (("industry", industry), ("q", q)) if v})
    return render(request, "glossary.html", user, terms=terms, total=total, page=params, industries=INDUSTRIES,
                  industry=industry or "", q=q or "", text=text or "", preview=service.preview(db, text) if text else None,
                  done=DONE.get(done or ""), base=f"/glossary?{query}&" if query else "/glossary?")


def _form(request, user, values: dict, errors: dict, term: GlossaryTerm | None = None, code: int = 200):
    return render(request, "glossary_form.html", user, code, values=values, errors=errors, term=term,
                  industries=INDUSTRIES, labels=LABELS)


@router.get("/glossary/new", response_class=HTMLResponse)
def glossary_new(request: Request, user: PageUser, industry: filter_param(Industry) = None):
    _staff(user)
    return _form(request, user, {"industry": industry or "", "colloquial": "", "technical": "", "note": "",
                                 "active": True}, {})


@router.post("/glossary/new", response_class=HTMLResponse)
async def glossary_create(request: Request, db: DbSession, user: PageUser):
    _staff(user)
    values = form_values(await request.form())
    try:
        service.create(db, GlossaryTermCreate.model_validate(_data(values)), user)
    except (ValidationError, AppError) as exc:
        return _form(request, user, values, form_errors(exc), code=422)
    return RedirectResponse("/glossary?done=added", status_code=303)


@router.get("/glossary/{term_id}/edit", response_class=HTMLResponse)
def glossary_edit(request: Request, db: DbSession, user: PageUser, term_id: Id):
    _staff(user)
    term = service.get(db, term_id)
    return _form(request, user, _values_of(term), {}, term)


@router.post("/glossary/{term_id}/edit", response_class=HTMLResponse)
async def glossary_save(request: Request, db: DbSession, user: PageUser, term_id: Id):
    _staff(user)
    term = service.get(db, term_id)
    values = form_values(await request.form())
    try:
        service.update(db, term, GlossaryTermUpdate.model_validate(_data(values)), user)
    except (ValidationError, AppError) as exc:
        db.rollback()
        return _form(request, user, values, form_errors(exc), service.get(db, term_id), code=422)
    return RedirectResponse("/glossary?done=saved", status_code=303)


@router.post("/glossary/{term_id}/delete")
def glossary_delete(db: DbSession, user: PageUser, term_id: Id):
    _staff(user)
    service.delete(db, service.get(db, term_id))
    return RedirectResponse("/glossary?done=deleted", status_code=303)
