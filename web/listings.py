"""What the offer and demand pages share: the list page's query, creating a listing from a form, and the
lifecycle buttons (publish / withdraw / close)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Literal, get_args
from urllib.parse import urlencode

from fastapi import Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from ipplatform.auth import policy
from ipplatform.common import lifecycle
from ipplatform.common.enums import LISTING_TRANSITIONS, ListingStatus, TransactionMode
from ipplatform.common.errors import AppError, Conflict, FieldError, Forbidden
from ipplatform.common.schemas import PageParams
from ipplatform.common.validators import CleanText, Id
from ipplatform.organisations import service as org_service
from web.forms import errors_by_field, filter_param
from web.templating import render

# The lifecycle buttons post to /offers/{id}/{action} and /demands/{id}/{action} only: a catch-all
# POST /{kind}/{id}/{action} would also take POST /api/offers/1 (which must be the API's 405) and every
# other three-segment path.
ListingAction = Literal["publish", "withdraw", "close"]
assert set(get_args(ListingAction)) == set(lifecycle.ACTIONS)

KIND_ZH = {"offers": "供给信息", "demands": "需求信息"}


@dataclass(frozen=True)
class ListQuery:
    """The list page's query string: page, keyword, transaction mode, and "mine" (all of my own listings)."""

    page: PageParams
    q: str | None
    mode: TransactionMode | None
    mine: bool
    made: int | None = None  # offers just made from an import (the page says so)
    org: int | None = None  # with mine: one of the organisations the user acts for (staff: any)


def list_query(page: Annotated[PageParams, Depends()], q: Annotated[CleanText | None, Query(max_length=100)] = None,
               mode: filter_param(TransactionMode) = None, mine: bool = False,
               made: Annotated[int | None, Query(ge=0, le=100_000)] = None, org: Id | None = None) -> ListQuery:
    return ListQuery(page=page, q=q or None, mode=mode, mine=mine, made=made, org=org)


ListQueryDep = Annotated[ListQuery, Depends(list_query)]


def list_page(request: Request, db, user, query: ListQuery, list_fn: Callable, template: str) -> HTMLResponse:
    """A list page of offers or demands: the public's published ones, or all of the user's own ("mine")."""
    own = bool(query.mine and user)
    filters = lifecycle.list_filters(db, user, mine=own, org_id=query.org)  # the export link asks the same
    org = org_service.get(db, query.org) if own and query.org is not None else None
    items, total = list_fn(db, user, query.page, mode=query.mode, q=query.q, **filters)
    kept = urlencode({k: v for k, v in (("q", query.q), ("mode", query.mode.value if query.mode else None),
                                         ("mine", 1 if own else None), ("org", org.id if org else None)) if v})
    return render(request, template, user, items=items, total=total, page=query.page, q=query.q or "",
                  mode=query.mode, mine=own, org=org, made=query.made,
                  pager_base=f"{request.url.path}?{kept}&", export_query=kept)  # the pager adds page=


def publisher_org(db, user, kind: str):
    """The user's organisation, which a new listing is published for; 403 (the error page) if the user's
    role may not publish listings."""
    org = org_service.get(db, user.org_id)
    if not policy.allowed(user, policy.Action.LISTING_WRITE, org):
        raise Forbidden(f"Your role cannot publish {kind}", f"您的角色不能发布{KIND_ZH[kind]}")
    return org


def owner_choices(db, user, action: policy.Action = policy.Action.LISTING_WRITE) -> list:
    """The organisations ``user`` may act for (their own first; an agency member also the organisations whose
    custodian it is, e.g. 大别山农林学院); staff who may act for anyone get their own organisation here and
    reach others through ``?owner_org_id=``."""
    scope = policy.org_scope(db, user, action)
    ids = {user.org_id} if scope is None else scope
    orgs = [org_service.get(db, i) for i in sorted(ids)]
    return sorted(orgs, key=lambda o: (o.id != user.org_id, o.name))


def chosen_owner(db, user, owner_org_id, action: policy.Action = policy.Action.LISTING_WRITE):
    """The organisation a form acts for: ``owner_org_id`` if given (403 unless ``user`` may act for it), else
    the user's own."""
    given = str(owner_org_id or "").strip()
    if given and not (given.isdigit() and len(given) <= 9):
        raise FieldError(f"unknown organisation {given}", "所选机构不存在", field="owner_org_id")
    org = org_service.get(db, int(given) if given else user.org_id)
    policy.require(user, action, org)
    return org


def refusal(db, user, kind: str) -> str | None:
    """The notice for a form the user may open but not submit (the role cannot publish), else None."""
    try:
        publisher_org(db, user, kind)
    except Forbidden as exc:
        return exc.message_zh
    return None


def submitted_values(form, data: dict, kept: tuple[str, ...]) -> dict:
    """What the form shows again after a refused submit: the text as typed, the parsed lists, and a checkbox
    that was not ticked as not ticked (an absent key would show its default)."""
    values = {k: form.get(k) for k in form.keys()}
    values.update({k: data[k] for k in kept})
    if "negotiable" in data:
        values["negotiable"] = "on" if data["negotiable"] else ""
    if "industry_code" in data:  # the picker's two selects as the one code they stand for
        values["industry_code"] = data["industry_code"]
    return values


async def create_listing(request: Request, db, user, kind: str, schema, form_input: Callable, *,
                         kept: tuple[str, ...], create: Callable, form_page: Callable) -> Response:
    """Create an offer or demand from the submitted form for the user's organisation: the browser goes to the
    new listing, or the form is shown again (422) with the messages per field and what was entered.
    ``form_input(form)``: the schema's input; ``kept``: its fields the form shows again as parsed (lists);
    ``create(payload, org)``; ``form_page(request, db, user, values, errors, status)``."""
    org = publisher_org(db, user, kind)
    form = await request.form()
    data = form_input(form)
    try:
        listing = create(schema.model_validate(data), org)
    except (ValidationError, AppError) as exc:
        db.rollback()
        return form_page(request, db, user, submitted_values(form, data, kept), errors_by_field(exc), 422)
    return RedirectResponse(f"/{kind}/{listing.id}", status_code=303)


def require_editable(user, listing) -> None:
    """403 unless ``user`` may edit ``listing``; 409 (the error page) once it is closed."""
    policy.require(user, policy.Action.LISTING_WRITE, *policy.listing_orgs(listing))
    if ListingStatus(listing.status) is ListingStatus.CLOSED:
        raise Conflict("a closed listing cannot be edited", "已关闭的信息不能再修改", code="closed")


async def edit_listing(request: Request, db, user, kind: str, listing, schema, form_input: Callable, *,
                       kept: tuple[str, ...], update: Callable, form_page: Callable) -> Response:
    """Save the edit form of an offer or demand: back to the listing, or the form again (422) with the messages
    per field and what was entered. ``form_input(form)``: the update schema's input (every field of the form,
    so a cleared field is cleared); ``update(payload)``; ``form_page(request, db, user, listing, values,
    errors, status)``."""
    require_editable(user, listing)
    form = await request.form()
    data = form_input(form)
    try:
        update(schema.model_validate(data))
    except (ValidationError, AppError) as exc:
        db.rollback()
        db.refresh(listing)
        return form_page(request, db, user, listing, submitted_values(form, data, kept), errors_by_field(exc), 422)
    return RedirectResponse(f"/{kind}/{listing.id}", status_code=303)


def close_page(request: Request, user, kind: str, listing) -> HTMLResponse:
    """The confirmation before closing a listing without a deal (a closed listing cannot be reopened)."""
    policy.require(user, policy.Action.LISTING_WRITE, *policy.listing_orgs(listing))
    if ListingStatus.CLOSED not in LISTING_TRANSITIONS[ListingStatus(listing.status)]:
        raise Conflict("only a published listing can be closed",
                       f"当前状态为“{ListingStatus(listing.status).zh}”，不能关闭", code="invalid_transition")
    return render(request, "listing_close.html", user, kind=kind, kind_zh=KIND_ZH[kind], listing=listing)


def change_status(db, user, kind: str, listing, action: ListingAction) -> RedirectResponse:
    """A lifecycle button: the policy and the lifecycle rules decide (403, 409 on the error page), then
    back to the listing."""
    lifecycle.change_status(user, listing, lifecycle.ACTIONS[action])
    db.flush()
    return RedirectResponse(f"/{kind}/{listing.id}", status_code=303)
