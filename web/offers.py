"""Pages: patent offers (list, publish and edit forms with the patent picker, detail with matches, lifecycle
buttons, the confirmation before closing)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ipplatform.auth import policy
from ipplatform.common.errors import AppError
from ipplatform.common.schemas import PageParams
from ipplatform.common.validators import Id
from ipplatform.dependencies import DbSession, OptionalUser
from ipplatform.matching import service as matching_service
from ipplatform.outcomes import listing_access
from ipplatform.offers import service as offers_service
from ipplatform.offers.dependencies import VisibleOffer, visible_offer
from ipplatform.offers.models import Offer
from ipplatform.offers.schemas import OfferCreate, OfferUpdate
from ipplatform.organisations import service as org_service
from ipplatform.patents import service as patents_service
from ipplatform.patents.enums import LegalStatus
from ipplatform.patents.models import Patent
from web import listings
from web.dependencies import PageUser
from web.forms import split_list, wan_to_yuan, yuan_to_wan
from web.navigation import NavItem, may
from web.templating import render

router = APIRouter(include_in_schema=False)
NAV = [NavItem("专利供给", "/offers", 10), NavItem("发布供给", "/offers/new", 20, may(policy.Action.LISTING_WRITE)), NavItem("我的供给", "/offers?mine=1", 30, may(policy.Action.LISTING_WRITE))]

PICKER_PAGE = 20  # patents the picker shows before the user searches (the script pages through the rest)
OFFERABLE = [LegalStatus.VALID]  # the picker offers granted patents in force only


@router.get("/offers", response_class=HTMLResponse)
def offer_list(request: Request, db: DbSession, user: OptionalUser, query: listings.ListQueryDep):
    return listings.list_page(request, db, user, query, offers_service.list_offers, "offers.html")


def _selected_ids(values: dict) -> list[int]:
    raw = values.get("patent_ids") or []
    return [int(p) for p in (raw if isinstance(raw, list) else [raw]) if str(p).isdigit() and len(str(p)) <= 9]


def _offer_form(request: Request, db, user, values: dict, errors: dict, status_code: int = 200,
                offer: Offer | None = None) -> HTMLResponse:
    """The publish form (``offer`` None) or the edit form: the owner (chosen among the organisations the user
    acts for on a new offer), the patent picker over that owner's valid patents, and the offer's fields."""
    if offer is None:
        owners = listings.owner_choices(db, user)
        try:
            owner = listings.chosen_owner(db, user, values.get("owner_org_id"))
        except AppError:  # a refused or unknown owner in the query string: start from the user's own
            owner = org_service.get(db, user.org_id)
    else:
        owners, owner = [], offer.owner
    if owner not in owners and offer is None:
        owners = [owner, *owners]
    selected_ids = _selected_ids(values)
    selected = [p for p in (db.get(Patent, i) for i in selected_ids) if p is not None and p.owner_org_id == owner.id]
    first, available = patents_service.list_patents(db, PageParams(page=1, page_size=PICKER_PAGE), owner.id,
                                                    legal_status=OFFERABLE)
    return render(request, "offer_form.html", user, status_code, values=values, errors=errors, offer=offer,
                  owner=owner, owners=owners, selected=selected,
                  candidates=[p for p in first if p.id not in set(selected_ids)], available=available,
                  picker_page=PICKER_PAGE, refused=None if offer else listings.refusal(db, user, "offers"))


@router.get("/offers/new", response_class=HTMLResponse)  # before /offers/{offer_id}
def offer_new(request: Request, db: DbSession, user: PageUser, owner_org_id: Id | None = None,
              patent_ids: Id | None = None):
    values = {"negotiable": "on", "owner_org_id": owner_org_id, "patent_ids": [patent_ids] if patent_ids else []}
    return _offer_form(request, db, user, values, {})


def _offer_input(form) -> dict:
    """The form's fields as ``OfferCreate`` input (amounts in 万元 become yuan)."""
    return {
        "title": form.get("title", ""), "description": form.get("description") or None,
        "patent_ids": [int(p) for p in form.getlist("patent_ids") if str(p).isdigit() and len(str(p)) <= 9],
        "modes": form.getlist("modes"), "negotiable": form.get("negotiable") == "on",
        "asking_price": wan_to_yuan(form.get("asking_price")),
        "open_licence_fee": wan_to_yuan(form.get("open_licence_fee")),
        "open_licence_terms": form.get("open_licence_terms") or None,
        "application_fields": split_list(form.get("application_fields")),
        "maturity": form.get("maturity") or None, "contact_name": form.get("contact_name") or None,
        "contact_phone": form.get("contact_phone") or None, "contact_email": form.get("contact_email") or None,
        "expires_on": form.get("expires_on") or None, "publish": form.get("action") == "publish",
        "owner_org_id": form.get("owner_org_id") or None,
    }


def _create(db, user, payload: OfferCreate, org):
    owner = listings.chosen_owner(db, user, payload.owner_org_id or org.id)
    return offers_service.create(db, payload, owner=owner, publisher_org_id=user.org_id, user_id=user.id)


@router.post("/offers/new", response_class=HTMLResponse)
async def offer_create(request: Request, db: DbSession, user: PageUser):
    return await listings.create_listing(
        request, db, user, "offers", OfferCreate, _offer_input, kept=("patent_ids", "modes"),
        create=lambda payload, org: _create(db, user, payload, org), form_page=_offer_form)


def _offer_values(offer: Offer) -> dict:
    """An offer as its edit form shows it (amounts in 万元)."""
    return {
        "title": offer.title, "description": offer.description, "patent_ids": [p.id for p in offer.patents],
        "modes": list(offer.modes or []), "asking_price": yuan_to_wan(offer.asking_price),
        "negotiable": "on" if offer.negotiable else "", "open_licence_fee": yuan_to_wan(offer.open_licence_fee),
        "open_licence_terms": offer.open_licence_terms, "application_fields": "、".join(offer.application_fields or []),
        "maturity": offer.maturity.value if offer.maturity else "", "contact_name": offer.contact_name,
        "contact_phone": offer.contact_phone, "contact_email": offer.contact_email,
        "expires_on": offer.expires_on.isoformat() if offer.expires_on else "",
    }


def _offer_update_input(form, offer: Offer) -> dict:
    """The edit form's fields as ``OfferUpdate`` input: every field, so a cleared one is cleared; an unchanged
    expiry date is left alone (one already past must not block editing the rest)."""
    data = _offer_input(form)
    del data["publish"], data["owner_org_id"]
    if data["expires_on"] == (offer.expires_on.isoformat() if offer.expires_on else None):
        del data["expires_on"]
    return data


@router.get("/offers/{offer_id}", response_class=HTMLResponse)
def offer_detail(request: Request, db: DbSession, user: OptionalUser, offer_id: Id):
    offer = listing_access.readable(db, user, offers_service.get(db, offer_id), "offer", "供给信息")
    matches = matching_service.for_offer(db, offer.id) if policy.sees_matches(user, policy.offer_orgs(offer)) else []
    return render(request, "offer_detail.html", user, offer=offer, can_edit=policy.can_edit_listing(user, offer),
                  matches=matches)


@router.get("/offers/{offer_id}/edit", response_class=HTMLResponse)
def offer_edit(request: Request, db: DbSession, user: PageUser, offer: VisibleOffer):
    listings.require_editable(user, offer)
    return _offer_form(request, db, user, _offer_values(offer), {}, offer=offer)


@router.post("/offers/{offer_id}/edit", response_class=HTMLResponse)  # before /offers/{listing_id}/{action}
async def offer_update(request: Request, db: DbSession, user: PageUser, offer: VisibleOffer):
    return await listings.edit_listing(
        request, db, user, "offers", offer, OfferUpdate, lambda form: _offer_update_input(form, offer),
        kept=("patent_ids", "modes"), update=lambda payload: offers_service.update(db, offer, payload),
        form_page=lambda request, db, user, listing, values, errors, status: _offer_form(
            request, db, user, values, errors, status, offer=listing))


@router.get("/offers/{offer_id}/close", response_class=HTMLResponse)
def offer_close(request: Request, user: PageUser, offer: VisibleOffer):
    return listings.close_page(request, user, "offers", offer)


@router.post("/offers/{listing_id}/{action}")
def offer_action(db: DbSession, user: PageUser, listing_id: Id, action: listings.ListingAction):
    return listings.change_status(db, user, "offers", visible_offer(listing_id, db, user), action)
