"""The publish/withdraw/close lifecycle shared by offers and demands."""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select

from ipplatform.auth import policy
from ipplatform.common.enums import LISTING_TRANSITIONS, ListingStatus, TransactionMode
from ipplatform.common.errors import Conflict, Forbidden, NotFound
from ipplatform.common.schemas import paginate
from ipplatform.database import json_list_contains, text_search, utcnow
from ipplatform.organisations.models import Organisation
from ipplatform.common.timefmt import beijing_today


def transition(listing, target: ListingStatus) -> None:
    current = ListingStatus(listing.status)
    if target not in LISTING_TRANSITIONS[current]:
        raise Conflict(f"cannot change status from {current.value} to {target.value}",
                       f"当前状态为“{current.zh}”，不能变更为“{target.zh}”", code="invalid_transition")
    if target is ListingStatus.PUBLISHED:
        expiry = getattr(listing, "expires_on", None) or getattr(listing, "deadline", None)
        if expiry is not None and expiry < beijing_today():
            raise Conflict("cannot publish: the listing's end date has passed",
                           "截止/有效日期已过，不能发布，请先修改日期", code="expired")
        listing.published_at = utcnow()
    listing.status = target


# The lifecycle buttons on the detail pages and the API's lifecycle endpoints: action name -> target status.
ACTIONS = {"publish": ListingStatus.PUBLISHED, "withdraw": ListingStatus.WITHDRAWN, "close": ListingStatus.CLOSED}


def change_status(user, listing, target: ListingStatus) -> None:
    """The one way a user moves a listing through its lifecycle (API and pages): the policy, then the rules."""
    policy.require(user, policy.Action.LISTING_WRITE, *policy.listing_orgs(listing))
    transition(listing, target)


def readable(user, listing, entity: str, entity_zh: str):
    """``listing`` if ``user`` may read it, else the 404 for ``entity`` (others' drafts are not revealed)."""
    if not policy.can_read_listing(user, listing):
        raise NotFound(entity, entity_zh, listing.id)
    return listing


def visible_statuses_filter(db, model, user, org_columns):
    """SQL condition: what ``user`` may list (None: everything). Published for everyone; the listings
    of the organisations whose unpublished listings the policy lets the user read, in every status."""
    scope = policy.org_scope(db, user, policy.Action.LISTING_READ_UNPUBLISHED)
    if scope is None:
        return None
    published = model.status == ListingStatus.PUBLISHED
    if not scope:
        return published
    return or_(published, *[col.in_(sorted(scope)) for col in org_columns])


def own_org_ids(db, user, org_id: int | None = None) -> set[int]:
    """The organisations whose listings are the user's own ("我的供给/需求", and their export): those the user
    may publish for (its own and, for an agency member, those it is custodian for; staff who may act for
    anyone: its own), or just ``org_id`` when given and the user may act for it (staff: any); else 403,
    and 404 for an organisation that does not exist."""
    scope = policy.org_scope(db, user, policy.Action.LISTING_WRITE)  # None: every organisation
    own = scope or {user.org_id}  # a role that publishes nothing still has its own organisation
    if org_id is None:
        return own
    if scope is not None and org_id not in own:
        raise Forbidden("you cannot list this organisation's own listings", "您不能查看该机构的全部信息（含未发布的）")
    if db.get(Organisation, org_id) is None:
        raise NotFound("organisation", "机构", org_id)
    return {org_id}


def list_filters(db, user, *, mine: bool = False, org_id: int | None = None) -> dict:
    """What a list of offers or demands shows (its page and its export alike): the public's published ones,
    or with ``mine`` the user's own in every status (``own_org_ids``)."""
    if mine and user is not None:
        return {"status": None, "org_id": own_org_ids(db, user, org_id)}
    return {"status": ListingStatus.PUBLISHED, "org_id": None}


def listing_stmt(db, model, org_columns, user, *, status=None, org_id=None, mode=None, q=None):
    """The offers or demands ``user`` may see, filtered; ``org_columns`` are the model's organisation columns
    (an offer's owner and publisher, a demand's organisation)."""
    stmt = select(model)
    visible = visible_statuses_filter(db, model, user, org_columns)
    if visible is not None:
        stmt = stmt.where(visible)
    if status:
        stmt = stmt.where(model.status == status)
    if org_id:  # one organisation, or several (an agency's own and those it is custodian for)
        ids = [org_id] if isinstance(org_id, int) else sorted(org_id)
        stmt = stmt.where(or_(*[col.in_(ids) for col in org_columns]))
    if mode:  # JSON list membership, portable across SQLite and PostgreSQL
        stmt = stmt.where(json_list_contains(model.modes, TransactionMode(mode).value))
    if q:
        stmt = stmt.where(text_search((model.title, q), (model.description, q)))
    return stmt


def list_listings(db, model, org_columns, user, page, **filters):
    """One page of ``listing_stmt``, newest published first."""
    return paginate(db, listing_stmt(db, model, org_columns, user, **filters), page,
                    model.published_at.desc().nulls_last(), model.id.desc())
