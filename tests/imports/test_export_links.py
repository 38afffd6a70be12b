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
