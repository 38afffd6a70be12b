"""What the authorisation matrix is made of: the product rules (who may, on their own organisation's records
or on anyone's), a request (``Req``), a case (``Case``) and the record builders the cases share.

Cases live in ``tests/authz/cases_*.py``, one module per domain: each defines ``CASES`` (a list of
``Case``) and may define ``RULES`` (new rule names, merged into these). ``tests/test_authorisation.py``
collects every module, so a new domain adds its own file instead of editing a shared one.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Callable

from ipplatform.auth.enums import Role
from ipplatform.credit.models import CreditFlag
from ipplatform.matching.enums import MatchStatus
from ipplatform.matching.models import Match
from ipplatform.outcomes.enums import DealStatus
from tests import factories as f

MEMBERS = {Role.ENTERPRISE_MEMBER, Role.UNIVERSITY_MEMBER, Role.AGENCY_MEMBER}
STAFF = {Role.ADMIN, Role.OFFICE_STAFF}
ROLE_ORG = {Role.ENTERPRISE_MEMBER: "ent", Role.UNIVERSITY_MEMBER: "univ", Role.AGENCY_MEMBER: "agency",
            Role.EVENT_ORGANISER: "agency", Role.OFFICE_STAFF: "office", Role.ADMIN: "office"}

# The product rules: who may, for a record of their own organisation ("own") or anyone's ("any").
RULES: dict[str, tuple[set[Role], set[Role]]] = {
    "public": (set(), {*Role}),
    "signed_in": (set(), {*Role}),
    "member": (MEMBERS, {Role.ADMIN}),  # patents, listings, own organisation profile, match status
    "member_or_staff": (MEMBERS, STAFF),  # deals (holder side), conversions, re-running matching
    "match_reader": (MEMBERS, STAFF | {Role.EVENT_ORGANISER}),
    "demand_side": (MEMBERS, set()),  # feedback comes from the demanding organisation only
    "staff": (set(), STAFF),
    "admin": (set(), {Role.ADMIN}),
}


@dataclass
class Req:
    url: str
    json: dict | None = None
    form: dict | None = None
    files: dict | None = None


@dataclass
class Case:
    name: str
    method: str
    route: str  # the route's path template, as the app declares it
    rule: str
    ok: int
    prepare: Callable  # (db, world, target_org) -> Req
    by_owner: bool = True  # does the outcome depend on whose record it is?
    hidden: bool = False  # target is unpublished: readers who may not see it get 404, anonymous too
    page: bool = False  # a browser page: anonymous → redirect to /login; success of a POST → 303
    anon_ok: bool = False  # also anonymous succeeds (public reads)
    always_own: bool = False  # the record is always the caller's own (a page creating for its organisation)
    own_session: bool = False  # the request ends its login session (logging out): a fresh one, not the shared token


def org_body():
    code = f.credit_code()
    return {"kind": "enterprise", "name": f"新登记企业{code[-6:]}", "credit_code": code, "county_code": "411522"}


def patent_body(owner_id):
    return {"application_number": f.application_number(), "kind": "invention_granted", "title": "一种茶叶揉捻机",
            "ipc_codes": ["A23F 3/06"], "legal_status": "valid", "owner_org_id": owner_id}


def match(db, w, t, status=MatchStatus.SUGGESTED):
    """A match between a published demand of ``t`` and a published offer of the third organisation."""
    m = Match(demand_id=f.demand(db, t).id, offer_id=f.offer(db, w["third"]).id, score=0.8, rank=1, strong=True,
              status=status, explanation={})
    db.add(m)
    db.flush()
    return m


def deal(db, w, t, status=DealStatus.DRAFT):
    return f.deal(db, t, w["third"], [f.patent(db, t)], date(2025, 3, 1), amount="100000", status=status)


def flag(db, w, t):
    flag = CreditFlag(deal_id=deal(db, w, t, DealStatus.RECORDED).id, rule="price_outlier", message_zh="测试预警",
                      evidence={})
    db.add(flag)
    db.flush()
    return flag


def xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["交易类型"])  # headers only: staff get a validation answer, nobody else gets that far
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


INDICATOR = "deals_count"
