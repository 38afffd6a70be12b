from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ipplatform.database import text_search
from ipplatform.common.errors import Conflict, FieldError, get_or_404
from ipplatform.common.patch import assign
from ipplatform.common.schemas import PageParams, paginate
from ipplatform.organisations.enums import OrgKind
from ipplatform.organisations.models import Organisation
from ipplatform.organisations.schemas import OrganisationCreate, OrganisationUpdate


def get(db: Session, org_id: int) -> Organisation:
    return get_or_404(db, Organisation, org_id, "organisation", "机构")


def _check_custodian(db: Session, custodian_id: int | None, self_id: int | None = None) -> None:
    if custodian_id is None:
        return
    custodian = db.get(Organisation, custodian_id)
    if custodian is None or custodian.kind != OrgKind.AGENCY or custodian_id == self_id:
        raise FieldError("custodian must be an existing operating/custodian agency",
                         "托管机构必须是已登记的运营/托管机构", field="custodian_org_id")


def _check_unique_code(db: Session, code: str) -> None:
    if db.scalar(select(Organisation.id).where(Organisation.credit_code == code)) is not None:
        raise Conflict(f"an organisation with credit code {code} already exists",
                       f"统一社会信用代码 {code} 已登记", field="credit_code")


def _check_unique_name(db: Session, name: str, self_id: int | None = None) -> None:
    """One register entry per name: two organisations called alike would be told apart by nobody."""
    clash = select(Organisation.id).where(Organisation.name == name)
    if self_id is not None:
        clash = clash.where(Organisation.id != self_id)
    if db.scalar(clash.limit(1)) is not None:
        raise Conflict(f"an organisation named {name} already exists", f"机构名称“{name}”已登记", field="name")


def create(db: Session, data: OrganisationCreate, *, synthetic: bool = False) -> Organisation:
    _check_unique_code(db, data.credit_code)
    _check_unique_name(db, data.name)
    _check_custodian(db, data.custodian_org_id)
    org = Organisation(**data.model_dump(), synthetic=synthetic)
    db.add(org)
    db.flush()
    return org


def update(db: Session, org: Organisation, data: OrganisationUpdate, *, keep_verification: bool = True) -> Organisation:
    """Apply a patch. A new name is checked for uniqueness; unless ``keep_verification`` (office staff edit
    the register), it also withdraws the verification, which vouched for the old name."""
    patch = data.model_dump(exclude_unset=True)
    if "custodian_org_id" in patch:
        _check_custodian(db, patch["custodian_org_id"], org.id)
    renamed = patch.get("name") is not None and patch["name"] != org.name
    if renamed:
        _check_unique_name(db, patch["name"], org.id)
        if not keep_verification:
            org.verified = False
    assign(org, patch)
    db.flush()
    return org


def set_verified(db: Session, org: Organisation, verified: bool) -> Organisation:
    org.verified = verified
    db.flush()
    return org


def list_orgs(db: Session, page: PageParams, kind: OrgKind | None = None, q: str | None = None,
              verified: bool | None = None, county: str | None = None):
    """A page of organisations: ``q`` in the name or the credit code, by kind, verification and division."""
    stmt = select(Organisation)
    if kind:
        stmt = stmt.where(Organisation.kind == kind)
    if q:
        stmt = stmt.where(text_search((Organisation.name, q), (Organisation.credit_code, q.upper())))
    if verified is not None:
        stmt = stmt.where(Organisation.verified.is_(verified))
    if county:
        stmt = stmt.where(Organisation.county_code == county)
    return paginate(db, stmt, page, Organisation.id)


def agencies(db: Session) -> list[Organisation]:
    """The organisations that can be named custodian (运营/托管机构)."""
    return list(db.scalars(select(Organisation).where(Organisation.kind == OrgKind.AGENCY).order_by(Organisation.name)))
