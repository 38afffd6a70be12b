"""The patents, deals and matches pages link to their Excel/CSV export, and the link downloads the list with
the importer's headers for the signed-in user (the login cookie, as a browser follows it)."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from ipplatform.auth.enums import Role
from ipplatform.imports import export
from ipplatform.organisations.enums import OrgKind
from tests import factories as f


@pytest.mark.parametrize("page, kind", [("/patents", "patents"), ("/deals", "deals"), ("/matches", "matches")])
def test_list_pages_link_to_their_export(client, db, page, kind):
    with db.begin():
        org = f.org(db, OrgKind.UNIVERSITY)
        user = f.user(db, org, Role.UNIVERSITY_MEMBER)
        f.patent(db, org, title="一种茶叶揉捻机")
    client.cookies.set("ipp_session", f.auth(user)["Authorization"].split()[1])
    html = client.get(page).text
    links = re.findall(r'href="(/api/exports/[^"]+)"', html)
    assert {link.split("?")[0] for link in links} == {f"/api/exports/{kind}"}
    xlsx = next(link.replace("&amp;", "&") for link in links if "format=xlsx" in link)
    resp = client.get(xlsx)
    assert resp.status_code == 200, resp.text
    sheet = load_workbook(io.BytesIO(resp.content), read_only=True).worksheets[0]
    header = [c for c in next(sheet.iter_rows(values_only=True)) if c]
    assert header == export.headers(kind)
    if kind == "patents":
        assert any("一种茶叶揉捻机" in (c or "") for row in sheet.iter_rows(min_row=2, values_only=True) for c in row)


@pytest.mark.parametrize("kind", ["offers", "demands"])
def test_my_list_and_its_export_hold_the_same_listings(client, db, kind):
    """An agency member's 我的供给/需求 holds its own listings and those of the organisations it is custodian
    for; the export link of that page gives exactly those rows."""
    with db.begin():
        agency = f.org(db, OrgKind.AGENCY)
        member = f.user(db, agency, Role.AGENCY_MEMBER)
        ward = f.org(db, OrgKind.UNIVERSITY)
        ward.custodian_org_id = agency.id
        stranger = f.org(db, OrgKind.UNIVERSITY)
        make = f.offer if kind == "offers" else f.demand
        make(db, agency, title="本机构的茶叶加工技术")
        make(db, ward, title="托管高校的板栗脱壳技术")
        make(db, stranger, title="别家的羽绒清洗技术")
    client.cookies.set("ipp_session", f.auth(member)["Authorization"].split()[1])
    page = client.get(f"/{kind}?mine=1").text
    assert "本机构的茶叶加工技术" in page and "托管高校的板栗脱壳技术" in page and "别家的羽绒清洗技术" not in page
    csv_link = next(link.replace("&amp;", "&") for link in re.findall(r'href="(/api/exports/[^"]+)"', page)
                    if "format=csv" in link)
    exported = client.get(csv_link)
    assert exported.status_code == 200
    assert "本机构的茶叶加工技术" in exported.text and "托管高校的板栗脱壳技术" in exported.text
    assert "别家的羽绒清洗技术" not in exported.text


def test_the_public_list_export_holds_only_published_listings_for_office_staff_too(client, db):
    with db.begin():
        univ = f.org(db, OrgKind.UNIVERSITY)
        f.offer(db, univ, title="已发布的茶叶杀青技术")
        f.offer(db, univ, title="未发布的板栗脱壳技术", publish=False)
        staff = f.user(db, f.org(db, OrgKind.IP_OFFICE), Role.OFFICE_STAFF)
    client.cookies.set("ipp_session", f.auth(staff)["Authorization"].split()[1])
    page = client.get("/offers").text
    assert "已发布的茶叶杀青技术" in page and "未发布的板栗脱壳技术" not in page
    exported = client.get("/api/exports/offers?format=csv")
    assert exported.status_code == 200
    assert "已发布的茶叶杀青技术" in exported.text and "未发布的板栗脱壳技术" not in exported.text
    own = client.get(f"/offers?mine=1&org={staff.org_id}")  # their own organisation's list: theirs to open
    assert own.status_code == 200
