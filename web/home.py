"""Page: the home page (the latest published offers and demands)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ipplatform.common.enums import ListingStatus
from ipplatform.common.schemas import PageParams
from ipplatform.demands import service as demands_service
from ipplatform.dependencies import DbSession, OptionalUser
from ipplatform.offers import service as offers_service
from web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, db: DbSession, user: OptionalUser):
    first = PageParams(page=1, page_size=8)
    offers, offer_total = offers_service.list_offers(db, None, first, status=ListingStatus.PUBLISHED)
    demands, demand_total = demands_service.list_demands(db, None, first, status=ListingStatus.PUBLISHED)
    return render(request, "home.html", user, offers=offers, demands=demands, offer_total=offer_total,
                  demand_total=demand_total)
