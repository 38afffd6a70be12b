"""Pages: patent offers (list, publish form, detail with matches, lifecycle buttons)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ipplatform.auth import policy
from ipplatform.common.schemas import PageParams
from ipplatform.common.validators import Id
from ipplatform.dependencies import DbSession, OptionalUser
from ipplatform.matching import service as matching_service
from ipplatform.offers import service as offers_service
from ipplatform.offers.dependencies import VisibleOffer, visible_offer
from ipplatform.offers.schemas import OfferCreate
from ipplatform.patents import service as patents_service
from web import listings
from web.dependencies import PageUser
from web.forms import split_list, wan_to_yuan
from web.navigation import NavItem, may
from web.templating import render

router = APIRouter(include_in_schema=False)
NAV = [NavItem("专利供给", "/offers", 10), NavItem("发布供给", "/offers/new", 20, may(policy.Action.LISTING_WRITE)), NavItem("我的供给", "/offers?mine=1", 30, may(policy.Action.LISTING_WRITE))]


@router.get("/offers", response_class=HTMLResponse)
def offer_list(request: Request, db: DbSession, user: OptionalUser, query: listings.ListQueryDep):
    return listings.list_page(request, db, user, query, offers_service.list_offers, "offers.html")


def _offer_form(request: Request, db, user, values: dict, errors: dict, status_code: int = 200) -> HTMLResponse:
    patents, _ = patents_service.list_patents(db, PageParams(page=1, page_size=100), owner_org_id=user.org_id)
    return render(request, "offer_form.html", user, status_code, values=values, errors=errors, patents=patents,
                  refused=listings.refusal(db, user, "offers"))


@router.get("/offers/new", response_class=HTMLResponse)  # before /offers/{offer_id}
def offer_new(request: Request, db: DbSession, user: PageUser):
    return _offer_form(request, db, user, {}, {})


def _offer_input(form) -> dict:
    """The form's fields as ``OfferCreate`` input (amounts in 万元 become yuan)."""
    return {
        "title": form.get("title", ""), "description": form.get("description") or None,
        "patent_ids": [int(p) for p in form.getlist("patent_ids") if str(p).isdigit()],
        "modes": form.getlist("modes"), "negotiable": form.get("negotiable") == "on",
        "asking_price": wan_to_yuan(form.get("asking_price")),
        "open_licence_fee": wan_to_yuan(form.get("open_licence_fee")),
        "application_fields": split_list(form.get("application_fields")),
        "maturity": form.get("maturity") or None, "contact_name": form.get("contact_name") or None,
        "contact_phone": form.get("contact_phone") or None, "contact_email": form.get("contact_email") or None,
        "expires_on": form.get("expires_on") or None, "publish": form.get("action") == "publish",
    }


@router.post("/offers/new", response_class=HTMLResponse)
async def offer_create(request: Request, db: DbSession, user: PageUser):
    return await listings.create_listing(
        request, db, user, "offers", OfferCreate, _offer_input, kept=("patent_ids", "modes"),
        create=lambda payload, org: offers_service.create(db, payload, owner=org, publisher_org_id=user.org_id,
                                                          user_id=user.id),
        form_page=_offer_form)


@router.get("/offers/{offer_id}", response_class=HTMLResponse)
def offer_detail(request: Request, db: DbSession, user: OptionalUser, offer: VisibleOffer):
    matches = matching_service.for_offer(db, offer.id) if policy.sees_matches(user, policy.offer_orgs(offer)) else []
    return render(request, "offer_detail.html", user, offer=offer, can_edit=policy.can_edit_listing(user, offer),
                  matches=matches)


@router.post("/offers/{listing_id}/{action}")
def offer_action(db: DbSession, user: PageUser, listing_id: Id, action: listings.ListingAction):
    return listings.change_status(db, user, "offers", visible_offer(listing_id, db, user), action)
