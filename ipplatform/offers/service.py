from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ipplatform.common import lifecycle
from ipplatform.common.enums import ListingStatus, TransactionMode
from ipplatform.common.errors import Conflict, FieldError, get_or_404
from ipplatform.common.patch import assign, merged
from ipplatform.common.schemas import PageParams
from ipplatform.offers.models import Offer, offer_patent
from ipplatform.offers.schemas import OfferCreate, OfferFields, OfferUpdate
from ipplatform.organisations.models import Organisation
from ipplatform.patents import service as patents_service
from ipplatform.patents.service import numbers
from ipplatform.patents.enums import DEAD_STATUSES, LegalStatus
from ipplatform.patents.models import Patent



def get(db: Session, offer_id: int) -> Offer:
    return get_or_404(db, Offer, offer_id, "offer", "供给信息")


def _patents_for(db: Session, ids: list[int], owner_id: int, modes: list[str]) -> list[Patent]:
    patents = patents_service.load_owned(db, ids, owner_id, "该供给机构")
    dead = [p.application_number for p in patents if p.legal_status in DEAD_STATUSES]
    if dead:
        raise FieldError(f"patents {numbers(dead)} are no longer in force",
                         f"专利 {numbers(dead, '、')} 已失效，不能交易", field="patent_ids")
    needs_grant = [m for m in (TransactionMode.PLEDGE, TransactionMode.OPEN_LICENCE) if m in modes]
    ungranted = [p.application_number for p in patents if p.legal_status != LegalStatus.VALID]
    if needs_grant and ungranted:
        mode = TransactionMode(needs_grant[0])
        raise FieldError(f"only granted, valid patents can be offered for {mode.value}: {numbers(ungranted)}",
                         f"只有已授权且有效的专利可以{mode.zh}：{numbers(ungranted, '、')}", field="modes")
    return patents


def create(db: Session, data: OfferCreate, *, owner: Organisation, publisher_org_id: int,
           user_id: int | None, synthetic: bool = False) -> Offer:
    patents = _patents_for(db, data.patent_ids, owner.id, data.modes)
    fields = data.model_dump(exclude={"owner_org_id", "publish", "patent_ids"})
    offer = Offer(**fields, owner_org_id=owner.id, publisher_org_id=publisher_org_id, patents=patents,
                  created_by_id=user_id, synthetic=synthetic, status=ListingStatus.DRAFT)
    offer.modes = [m.value for m in data.modes]
    db.add(offer)
    if data.publish:
        lifecycle.transition(offer, ListingStatus.PUBLISHED)
    db.flush()
    return offer


def update(db: Session, offer: Offer, data: OfferUpdate) -> Offer:
    if offer.status == ListingStatus.CLOSED:
        raise Conflict("a closed offer cannot be edited", "已成交/关闭的供给信息不能修改", code="closed")
    patent_ids = [p.id for p in offer.patents]
    values = merged(offer, OfferFields, data, patent_ids=patent_ids)
    if values.patent_ids != patent_ids or values.modes != offer.modes:
        offer.patents = _patents_for(db, values.patent_ids, offer.owner_org_id, values.modes)
    assign(offer, {**values.model_dump(exclude={"patent_ids"}), "modes": [m.value for m in values.modes]})
    db.flush()
    return offer


def list_offers(db: Session, user, page: PageParams, **filters):
    """Offers ``user`` may see (filters: status, org_id — owner or publisher —, mode, q)."""
    return lifecycle.list_listings(db, Offer, (Offer.owner_org_id, Offer.publisher_org_id), user, page, **filters)


def published_with_patents(db: Session, patent_ids: list[int]) -> list[Offer]:
    """The published offers that include any of ``patent_ids``."""
    return list(db.scalars(select(Offer).join(offer_patent).where(offer_patent.c.patent_id.in_(patent_ids),
                                                                  Offer.status == ListingStatus.PUBLISHED)).unique())
