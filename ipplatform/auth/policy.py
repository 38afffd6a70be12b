"""Authorisation rules in one place: who may read and change which records.

- Published offers and demands are public; drafts and withdrawn listings are visible to their own
  organisation (owner or publishing custodian), office staff and admins.
- Members (enterprise, university/institute, agency) change only their own organisation's records;
  an agency member may also act for organisations that named the agency as their custodian.
- Office staff read everything and verify organisations; they do not edit listings.
- Admins may do everything, including managing users and organisations.
- Event organisers read published listings (matchmaking events come in a later issue).
"""

from __future__ import annotations

from ipplatform.auth.enums import MEMBER_ROLES, Role
from ipplatform.organisations.models import Organisation


def is_admin(user) -> bool:
    return user is not None and user.role == Role.ADMIN


def reads_everything(user) -> bool:
    return user is not None and user.role in (Role.ADMIN, Role.OFFICE_STAFF)


def acts_for(user, org: Organisation) -> bool:
    """May ``user`` change records owned by ``org``?"""
    if user is None:
        return False
    if is_admin(user):
        return True
    if user.role not in MEMBER_ROLES:
        return False
    if user.org_id == org.id:
        return True
    return user.role == Role.AGENCY_MEMBER and org.custodian_org_id == user.org_id


def can_edit_offer(user, offer) -> bool:
    return acts_for(user, offer.owner) or (user is not None and user.role in MEMBER_ROLES
                                           and user.org_id == offer.publisher_org_id)


def can_read_listing(user, listing, org_ids: set[int]) -> bool:
    from ipplatform.common.enums import ListingStatus

    if listing.status == ListingStatus.PUBLISHED or reads_everything(user):
        return True
    return user is not None and user.org_id in org_ids


def sees_matches(user, org_ids) -> bool:
    """Matches of a listing (or a match) are for its organisations, office staff and event organisers
    (who arrange the 1:1 meetings)."""
    return user is not None and (reads_everything(user) or user.role == Role.EVENT_ORGANISER or user.org_id in org_ids)


def can_edit_organisation(user, org: Organisation) -> bool:
    return is_admin(user) or (user is not None and user.role in MEMBER_ROLES and user.org_id == org.id)
