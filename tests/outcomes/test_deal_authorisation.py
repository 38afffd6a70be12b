"""Who may register and conclude deals and conversions (regression: an enterprise registered a transfer
of a university's patent to itself, recorded it and became the patent's owner; conversions accepted
another organisation's patents). On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest

from ipplatform.auth.enums import Role
from ipplatform.common.enums import ListingStatus
from ipplatform.organisations.enums import OrgKind
from ipplatform.outcomes.enums import DealStatus, DealType
from ipplatform.outcomes.models import Deal
from ipplatform.patents.models import Patent
from tests import factories as f


@pytest.fixture
def world(db):
    with db.begin():
        univ = f.org(db, OrgKind.UNIVERSITY)
        ent = f.org(db, OrgKind.ENTERPRISE)
        agency = f.org(db, OrgKind.AGENCY)
        kept = f.org(db, OrgKind.UNIVERSITY, custodian_org_id=agency.id)
        office = f.org(db, OrgKind.IP_OFFICE)
        patent = f.patent(db, univ)
        offer = f.offer(db, univ, patents=[patent])
        users = {"univ": f.user(db, univ, Role.UNIVERSITY_MEMBER), "ent": f.user(db, ent, Role.ENTERPRISE_MEMBER),
                 "agency": f.user(db, agency, Role.AGENCY_MEMBER), "staff": f.user(db, office, Role.OFFICE_STAFF)}
    return {"univ": univ, "ent": ent, "agency": agency, "kept": kept, "patent": patent.id, "offer": offer.id,
            **{f"h_{k}": f.auth(u) for k, u in users.items()}}


def _transfer(w, **kw):
    return {"type": "transfer", "patent_ids": [w["patent"]], "from_org_id": w["univ"].id, "to_org_id": w["ent"].id,
            "amount": "500000", "contract_date": "2025-05-01", **kw}


def test_counterparty_cannot_take_the_holders_patent(client, db, world):
    w = world
    stolen = client.post("/api/deals", headers=w["h_ent"], json=_transfer(w))
    assert stolen.status_code == 403 and "权利人" in stolen.json()["message_zh"]
    # the holder's side registers it; the counterparty still cannot conclude it
    draft = client.post("/api/deals", headers=w["h_univ"], json=_transfer(w))
    assert draft.status_code == 201, draft.text
    assert draft.json()["status"] == DealStatus.DRAFT.value
    record = client.post(f"/api/deals/{draft.json()['id']}/record", headers=w["h_ent"], json={})
    assert record.status_code == 403
    assert db.get(Patent, w["patent"]).owner_org_id == w["univ"].id
    assert client.get(f"/api/offers/{w['offer']}").json()["status"] == ListingStatus.PUBLISHED.value
    # the counterparty may read its deal; the holder concludes it and ownership moves
    assert client.get(f"/api/deals/{draft.json()['id']}", headers=w["h_ent"]).status_code == 200
    done = client.post(f"/api/deals/{draft.json()['id']}/record", headers=w["h_univ"], json={})
    assert done.status_code == 200 and done.json()["status"] == DealStatus.RECORDED.value
    db.expire_all()
    assert db.get(Patent, w["patent"]).owner_org_id == w["ent"].id
    assert client.get(f"/api/offers/{w['offer']}").status_code == 404  # closed: no longer public


def test_from_org_defaults_to_the_caller_and_patents_must_be_the_holders(client, world):
    w = world
    own_name = client.post("/api/deals", headers=w["h_ent"], json={k: v for k, v in _transfer(w).items()
                                                                    if k != "from_org_id"} | {"to_org_id": w["univ"].id})
    assert own_name.status_code == 422 and "不属于" in own_name.json()["message_zh"]


def test_custodian_agency_and_staff_act_for_the_holder(client, db, world):
    w = world
    with db.begin():
        kept_patent = f.patent(db, w["kept"])
    by_agency = client.post("/api/deals", headers=w["h_agency"], json={
        "type": "ordinary_licence", "patent_ids": [kept_patent.id], "from_org_id": w["kept"].id,
        "to_org_id": w["ent"].id})
    assert by_agency.status_code == 201, by_agency.text
    assert client.post(f"/api/deals/{by_agency.json()['id']}/record", headers=w["h_agency"], json={}).status_code == 200
    # not for a university that did not name it custodian
    assert client.post("/api/deals", headers=w["h_agency"], json=_transfer(w)).status_code == 403
    by_staff = client.post("/api/deals", headers=w["h_staff"], json=_transfer(w))
    assert by_staff.status_code == 201
    assert client.post(f"/api/deals/{by_staff.json()['id']}/record", headers=w["h_staff"], json={}).status_code == 200


def test_outsiders_do_not_see_deals(client, db, world):
    w = world
    created = client.post("/api/deals", headers=w["h_univ"], json=_transfer(w)).json()
    assert client.get(f"/api/deals/{created['id']}", headers=w["h_agency"]).status_code == 403
    assert created["id"] not in {d["id"] for d in client.get("/api/deals", headers=w["h_agency"]).json()}
    assert created["id"] in {d["id"] for d in client.get("/api/deals", headers=w["h_ent"]).json()}


def test_conversion_needs_patents_the_implementer_holds_or_acquired(client, db, world):
    w = world
    body = {"patent_ids": [w["patent"]], "product": "名优绿茶生产线", "start_date": "2025-06-01"}
    foreign = client.post("/api/conversions", headers=w["h_ent"], json=body)
    assert foreign.status_code == 422 and "既不属于" in foreign.json()["message_zh"]
    assert "['" not in foreign.json()["message_zh"]  # the numbers as text, not a Python list
    missing = client.post("/api/conversions", headers=w["h_ent"], json=body | {"patent_ids": [2147483000]})
    assert missing.status_code == 422 and "编号 2147483000" in missing.json()["message_zh"]
    assert "[" not in missing.json()["message_zh"]
    for_other = client.post("/api/conversions", headers=w["h_ent"], json=body | {"org_id": w["univ"].id})
    assert for_other.status_code == 403
    # a licensee implements the licensed patent once the licence is recorded
    with db.begin():
        db.add(Deal(type=DealType.ORDINARY_LICENCE, status=DealStatus.RECORDED, from_org_id=w["univ"].id,
                    to_org_id=w["ent"].id, contract_date=date(2025, 5, 1), patents=[db.get(Patent, w["patent"])]))
    licensed = client.post("/api/conversions", headers=w["h_ent"], json=body)
    assert licensed.status_code == 201, licensed.text
    assert client.post("/api/conversions", headers=w["h_univ"], json=body).status_code == 201  # the holder itself
