"""Authorisation in one place: who may do what to whose records.

``RULES`` is the table role × action × ownership. For each action it names the roles that may do it
on records of *their own* organisation and the roles that may do it on *anyone's* records. A user's
own organisations are the one they belong to and, for an agency member, every organisation that named
that agency as its custodian (托管/代理机构). Anonymous visitors may do none of these actions; what they
may read (published listings, public organisation fields, confirmed credit findings) is decided by the
``can_read_*`` / ``public_*`` helpers below, which the API, the pages and the search service all use.

Routers and pages call ``allowed(user, action, *orgs)`` or ``require(user, action, *orgs)`` with the
organisations the record belongs to (a deal's rights holder, an offer's owner and publisher, a match's
two sides); nothing else decides.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select

from ipplatform.auth.enums import MEMBER_ROLES, Role
from ipplatform.common.enums import ListingStatus
from ipplatform.common.errors import Forbidden
from ipplatform.organisations.models import Organisation

STAFF = frozenset({Role.ADMIN, Role.OFFICE_STAFF})
ADMIN_ONLY = frozenset({Role.ADMIN})
MEMBERS = frozenset(MEMBER_ROLES)
NOBODY: frozenset[Role] = frozenset()


class Action(StrEnum):
    ORG_CREATE = "organisation.create"
    ORG_UPDATE = "organisation.update"
    ORG_VERIFY = "organisation.verify"
    ORG_ADMINISTER = "organisation.administer"  # office staff keep the register: edit any organisation, custodian
    ORG_READ_CONTACTS = "organisation.read_contacts"  # contact person, phone, e-mail, address
    USER_MANAGE = "user.manage"
    PATENT_WRITE = "patent.write"  # register, edit, delete
    LISTING_WRITE = "listing.write"  # create, edit, publish, withdraw, close offers and demands
    LISTING_READ_UNPUBLISHED = "listing.read_unpublished"  # drafts, withdrawn and closed listings
    MATCH_READ = "match.read"
    MATCH_RUN = "match.run"
    MATCH_STATUS = "match.status"
    MATCH_FEEDBACK = "match.feedback"
    DEAL_WRITE = "deal.write"  # create and record: the rights holder's side
    DEAL_READ = "deal.read"  # either party (holder, counterparty, lender)
    DEAL_IMPORT = "deal.import"
    IMPORT_WRITE = "import.write"  # bulk import of patents, offers and demands for an organisation; its jobs
    CONVERSION_WRITE = "conversion.write"  # the implementing organisation
    STATS_READ = "stats.read"
    CREDIT_REVIEW = "credit.review"  # review flags, keep the dishonest list
    CREDIT_READ_OPEN = "credit.read_open"  # see flags still under review
    AUDIT_READ = "audit.read"
    EVENT_MANAGE = "event.manage"  # set up, pre-match, pair, schedule, check in, record outcomes, report
    EVENT_REGISTER = "event.register"  # register one's organisation, request and answer meetings
    GLOSSARY_MANAGE = "glossary.manage"  # read and edit the industry glossary (行业术语表) used by matching


@dataclass(frozen=True)
class Rule:
    own: frozenset[Role]  # roles allowed on their own organisations' records
    any: frozenset[Role]  # roles allowed on every record
    message: str
    message_zh: str


RULES: dict[Action, Rule] = {
    Action.ORG_CREATE: Rule(NOBODY, STAFF, "Only office staff register organisations", "仅知识产权局工作人员可以登记机构"),
    Action.ORG_UPDATE: Rule(MEMBERS, ADMIN_ONLY, "You may only edit your own organisation", "只能修改本机构信息"),
    Action.ORG_VERIFY: Rule(NOBODY, STAFF, "Only office staff verify organisations", "仅知识产权局工作人员可以认证机构"),
    Action.ORG_ADMINISTER: Rule(NOBODY, STAFF, "Only office staff maintain the organisation register",
                                "仅知识产权局工作人员可以维护机构登记信息"),
    Action.ORG_READ_CONTACTS: Rule(MEMBERS, STAFF, "Contact details are for the organisation and staff",
                                   "联系方式仅对本机构和工作人员可见"),
    Action.USER_MANAGE: Rule(NOBODY, ADMIN_ONLY, "Only administrators may manage users", "仅系统管理员可以管理用户"),
    Action.PATENT_WRITE: Rule(MEMBERS, ADMIN_ONLY, "You may only manage your own organisation's patents",
                              "只能管理本机构（或托管机构）的专利"),
    Action.LISTING_WRITE: Rule(MEMBERS, ADMIN_ONLY, "You may only change your own organisation's listings",
                               "只能管理本机构（或托管机构）的供需信息"),
    Action.LISTING_READ_UNPUBLISHED: Rule(MEMBERS, STAFF, "Not published", "该信息未发布"),
    Action.MATCH_READ: Rule(MEMBERS, STAFF | {Role.EVENT_ORGANISER}, "Only the two sides, staff and event organisers "
                            "see matches", "仅供需双方、工作人员和活动组织者可查看匹配结果"),
    Action.MATCH_RUN: Rule(MEMBERS, STAFF, "Only the demand's organisation and staff may re-run matching",
                           "仅需求方和工作人员可重新匹配"),
    Action.MATCH_STATUS: Rule(MEMBERS, ADMIN_ONLY, "Only the two parties change a match's status",
                              "仅供需双方可以更新匹配状态"),
    Action.MATCH_FEEDBACK: Rule(MEMBERS, NOBODY, "Feedback comes from the demanding organisation", "仅需求方可以反馈"),
    Action.DEAL_WRITE: Rule(MEMBERS, STAFF, "Only the rights holder (or its custodian agency) and office staff may "
                            "register or record a deal", "仅权利人（或其托管机构）和知识产权局工作人员可以登记交易"),
    Action.DEAL_READ: Rule(MEMBERS, STAFF, "Not your deal", "无权查看该交易"),
    Action.DEAL_IMPORT: Rule(NOBODY, STAFF, "Only office staff import deals", "仅知识产权局工作人员可以批量导入交易"),
    Action.IMPORT_WRITE: Rule(MEMBERS, STAFF, "You may only import for your own organisation (or those your agency "
                              "acts for)", "只能为本机构（或托管机构）批量导入"),
    Action.CONVERSION_WRITE: Rule(MEMBERS, STAFF, "Only the implementing organisation or staff may record a "
                                  "conversion", "仅实施单位或工作人员可以登记产业化"),
    Action.STATS_READ: Rule(NOBODY, STAFF, "Statistics are for office staff", "统计数据仅对知识产权局工作人员开放"),
    Action.CREDIT_REVIEW: Rule(NOBODY, STAFF, "Only office staff supervise credit", "仅知识产权局工作人员可以办理信用监管"),
    Action.CREDIT_READ_OPEN: Rule(NOBODY, STAFF, "Flags under review are for office staff", "待核查的信用预警仅对工作人员可见"),
    Action.AUDIT_READ: Rule(NOBODY, STAFF, "The audit trail is for office staff", "操作日志仅对知识产权局工作人员开放"),
    Action.EVENT_MANAGE: Rule(frozenset({Role.EVENT_ORGANISER}), STAFF, "Only the event's organiser and office staff "
                              "manage an event", "仅活动组织者和知识产权局工作人员可以管理对接活动"),
    Action.EVENT_REGISTER: Rule(MEMBERS, ADMIN_ONLY, "Organisations register and book meetings for themselves",
                                "只能为本机构报名和预约洽谈"),
    Action.GLOSSARY_MANAGE: Rule(NOBODY, STAFF, "Only office staff maintain the industry glossary",
                                 "仅知识产权局工作人员可以维护行业术语表"),
}


def _org_id(org) -> int | None:
    return org if isinstance(org, int) or org is None else org.id


def owns(user, org) -> bool:
    """Is ``org`` (an Organisation, or an id: then custodianship is not considered) one of ``user``'s own?"""
    if user is None or org is None:
        return False
    if user.org_id == _org_id(org):
        return True
    return (user.role == Role.AGENCY_MEMBER and not isinstance(org, int)
            and org.custodian_org_id is not None and org.custodian_org_id == user.org_id)


def allowed(user, action: Action, *orgs) -> bool:
    """May ``user`` do ``action`` on a record belonging to any of ``orgs``?"""
    if user is None or not getattr(user, "is_active", True):
        return False
    rule = RULES[action]
    if user.role in rule.any:
        return True
    return user.role in rule.own and any(owns(user, org) for org in orgs)


def require(user, action: Action, *orgs) -> None:
    """Raise the action's bilingual 403 unless ``allowed``."""
    if not allowed(user, action, *orgs):
        rule = RULES[action]
        raise Forbidden(rule.message, rule.message_zh)


STAFF_ONLY_ORG_FIELDS = frozenset({"custodian_org_id"})  # the register's custodianship is the office's to keep


def require_org_update(user, org, fields: Iterable[str]) -> bool:
    """May ``user`` change ``fields`` of ``org``? Office staff edit any entry of the register; members edit
    their own organisation but not its custodian. Returns whether the editor keeps the register (a member's
    rename withdraws the verification)."""
    if allowed(user, Action.ORG_ADMINISTER):
        return True
    require(user, Action.ORG_UPDATE, org)
    if STAFF_ONLY_ORG_FIELDS & set(fields):
        raise Forbidden("Only office staff assign an organisation's custodian agency",
                        "仅知识产权局工作人员可以指定托管/代理机构")
    return False


def may_ever(user, action: Action) -> bool:
    """Could ``user``'s role do ``action`` on some record (their own organisation's, or anyone's)? For showing
    an entry point (a menu item, a button) only to those who can use it; the write itself still asks ``require``."""
    if user is None or not getattr(user, "is_active", True):
        return False
    rule = RULES[action]
    return user.role in rule.any or user.role in rule.own


# ---- shorthands used across the code -------------------------------------------------------------

def reads_everything(user) -> bool:
    """Office staff and administrators: every listing in every status, statistics, audit."""
    return allowed(user, Action.STATS_READ)


def offer_orgs(offer) -> tuple:
    return (offer.owner, offer.publisher_org_id)


def listing_orgs(listing) -> tuple:
    """The organisations a listing belongs to: an offer's owner and publisher, a demand's organisation."""
    if hasattr(listing, "owner"):
        return offer_orgs(listing)
    return (listing.organisation,)


def can_edit_listing(user, listing) -> bool:
    return allowed(user, Action.LISTING_WRITE, *listing_orgs(listing))


def can_read_listing(user, listing) -> bool:
    if listing.status == ListingStatus.PUBLISHED:
        return True
    return allowed(user, Action.LISTING_READ_UNPUBLISHED, *listing_orgs(listing))


def match_orgs(match) -> tuple:
    return (match.demand.organisation, match.offer.owner, match.offer.publisher_org_id)


def sees_matches(user, orgs: Iterable) -> bool:
    return allowed(user, Action.MATCH_READ, *orgs)


def deal_parties(deal) -> tuple:
    return (deal.from_org, deal.to_org, deal.lender)


def sees_open_credit_flags(user) -> bool:
    return allowed(user, Action.CREDIT_READ_OPEN)


def sees_contacts(user, org) -> bool:
    return allowed(user, Action.ORG_READ_CONTACTS, org)


def org_scope(db, user, action: Action) -> set[int] | None:
    """The organisation ids on whose records ``user`` may do ``action`` (None: every organisation):
    the user's own and, for an agency member, those it is custodian for. Listings, search and deal
    lists filter by these ids."""
    if allowed(user, action):
        return None
    if user is None or user.role not in RULES[action].own:
        return set()
    ids = {user.org_id}
    if user.role == Role.AGENCY_MEMBER:
        ids.update(db.scalars(select(Organisation.id).where(Organisation.custodian_org_id == user.org_id)))
    return ids
