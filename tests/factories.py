"""Builders for test data, going through the real services (so validation and auditing apply)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from itertools import count

from stdnum.cn import uscc

from ipplatform.auth.enums import Role
from ipplatform.auth.models import User
from ipplatform.auth import sessions
from ipplatform.auth.security import issue_token
from ipplatform.common.validators import application_check_digit
from ipplatform.demands import service as demands_service
from ipplatform.demands.schemas import DemandCreate
from ipplatform.hooks import hooked_session_factory
from ipplatform.offers import service as offers_service
from ipplatform.offers.schemas import OfferCreate
from ipplatform.organisations import service as org_service
from ipplatform.organisations.enums import OrgKind
from ipplatform.organisations.schemas import OrganisationCreate
from ipplatform.outcomes.enums import DealStatus, DealType
from ipplatform.outcomes.models import Deal
from ipplatform.patents import service as patents_service
from ipplatform.patents.enums import LegalStatus, PatentKind
from ipplatform.patents.schemas import PatentCreate

_seq = count(1)
# One precomputed Argon2 hash of "correct-horse-1" keeps fixtures fast (hashing costs ~50 ms).
PASSWORD = "correct-horse-1"
_HASH: list[str] = []


def password_hash() -> str:
    if not _HASH:
        from ipplatform.auth.security import hash_password

        _HASH.append(hash_password(PASSWORD))
    return _HASH[0]


def credit_code(county: str = "411502") -> str:
    n = next(_seq)
    first17 = f"91{county}{n:09d}"
    return first17 + uscc.calc_check_digit(first17)


def application_number(kind: PatentKind = PatentKind.INVENTION_GRANTED, year: int = 2021) -> str:
    type_digit = {PatentKind.UTILITY_MODEL: "2", PatentKind.DESIGN: "3"}.get(kind, "1")
    digits = f"{year}{type_digit}{next(_seq):07d}"
    return f"CN{digits}.{application_check_digit(digits)}"


def org(db, kind: OrgKind = OrgKind.ENTERPRISE, name: str | None = None, **kw):
    data = OrganisationCreate(kind=kind, name=name or f"测试机构{next(_seq)}", credit_code=credit_code(),
                              county_code=kw.pop("county_code", "411502"), **kw)
    return org_service.create(db, data)


def user(db, organisation, role: Role, username: str | None = None) -> User:
    u = User(username=username or f"u{next(_seq)}", display_name="测试用户", password_hash=password_hash(),
             role=role, org_id=organisation.id)
    db.add(u)
    db.flush()
    u._test_bind = db.get_bind()  # for auth() after the session is gone
    return u


def auth(u: User) -> dict[str, str]:
    """A Bearer header for a new login session of ``u`` (sessions are rows, like a real login's).
    Inside the caller's ``with db.begin():`` the session is committed with it; otherwise in its own
    transaction (the user must be committed by then)."""
    from sqlalchemy.orm import SessionTransactionOrigin, object_session

    owner = object_session(u)
    tx = owner.get_transaction() if owner is not None else None
    if tx is not None and tx.origin is SessionTransactionOrigin.BEGIN:
        session = sessions.start(owner, u)
    else:
        bind = owner.get_bind() if owner is not None else getattr(u, "_test_bind", None)
        assert bind is not None, "auth(): the user has no session or engine; create it with factories.user"
        with hooked_session_factory(bind)() as db, db.begin():
            session = sessions.start(db, db.get(User, u.id))
    return {"Authorization": f"Bearer {issue_token(u.id, session.id)}"}


def patent(db, owner, kind: PatentKind = PatentKind.INVENTION_GRANTED, status: LegalStatus = LegalStatus.VALID,
           title: str = "一种茶叶杀青装置", ipc: list[str] | None = None):
    data = PatentCreate(application_number=application_number(kind), kind=kind, title=title,
                        ipc_codes=ipc or ["A23F 3/06"], application_date=date(2021, 3, 1),
                        grant_date=date(2022, 5, 1) if kind != PatentKind.INVENTION_APPLICATION else None,
                        legal_status=status)
    return patents_service.create(db, data, owner.id)


def offer(db, owner, patents=None, publish: bool = True, **kw):
    patents = patents or [patent(db, owner)]
    data = OfferCreate(title=kw.pop("title", "茶叶加工专利转让"), patent_ids=[p.id for p in patents],
                       modes=kw.pop("modes", ["transfer"]), asking_price=kw.pop("asking_price", Decimal("100000")),
                       publish=publish, **kw)
    return offers_service.create(db, data, owner=owner, publisher_org_id=owner.id, user_id=None)


def demand(db, organisation, publish: bool = True, **kw):
    data = DemandCreate(title=kw.pop("title", "需要名优绿茶加工技术"),
                        description=kw.pop("description", "需要名优绿茶连续化加工生产线技术，提高品质稳定性。"),
                        publish=publish, **kw)
    return demands_service.create(db, data, org_id=organisation.id, user_id=None)


def deal(db, from_org, to_org, patents, when: date | None, amount=None, type_: DealType = DealType.TRANSFER,
         status: DealStatus = DealStatus.RECORDED) -> Deal:
    """A deal row written directly (no service): for tests of what is computed from recorded deals."""
    d = Deal(type=type_, status=status, from_org_id=from_org.id, to_org_id=to_org.id if to_org else None,
             contract_date=when, amount=Decimal(amount) if amount is not None else None, patents=patents)
    db.add(d)
    db.flush()
    return d


# ---- pages: forms carry a CSRF token (ipplatform/common/csrf.py) -----------------------------------------

def csrf_token(client, page: str = "/") -> str:
    """The CSRF token of ``client`` (a TestClient) as a page shows it (``<meta name="csrf-token">``); the GET
    also gives the client the ``ipp_csrf`` cookie. The token changes with the login: fetch it after logging in."""
    import re

    found = re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get(page).text)
    assert found, f"no CSRF token on {page}"
    return found.group(1)


def form_post(client, url: str, data: dict | None = None, **kw):
    """POST ``data`` to ``url`` as a page's form would: with the current CSRF token in ``csrf_token``."""
    return client.post(url, data={**(data or {}), "csrf_token": csrf_token(client)}, **kw)
