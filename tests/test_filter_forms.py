"""Every list page's filter form, sent as a browser sends it untouched — each select on its "全部…" option
(an empty value), each text box empty — renders the unfiltered list, never a 422. The fields are read
from the page itself, so a filter added later is covered too."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urlencode

import pytest

from ipplatform.auth.enums import Role
from ipplatform.organisations.enums import OrgKind
from tests import factories as f

# (who, page) — every page with a GET filter form
PAGES = [
    (Role.ENTERPRISE_MEMBER, "/offers"),
    (Role.ENTERPRISE_MEMBER, "/demands"),
    (Role.ENTERPRISE_MEMBER, "/deals"),
    (Role.ENTERPRISE_MEMBER, "/matches"),
    (Role.ENTERPRISE_MEMBER, "/search"),
    (Role.UNIVERSITY_MEMBER, "/patents"),
    (Role.OFFICE_STAFF, "/glossary"),
    (Role.OFFICE_STAFF, "/office/dishonest"),
    (Role.OFFICE_STAFF, "/office/organisations"),
    (Role.OFFICE_STAFF, "/stats"),
    (Role.ADMIN, "/admin/users"),
]
FORM = re.compile(r'<form class="filters[^"]*" action="([^"]+)"[^>]*>(.*?)</form>', re.S)
FIELD = re.compile(r'<(?:select|input)\b[^>]*>')
NAME = re.compile(r'\bname="([^"]+)"')


def _empty_query(form_html: str) -> dict[str, str]:
    fields = {}
    for tag in FIELD.findall(form_html):
        name = NAME.search(tag)
        if name is None or 'type="hidden"' in tag or 'type="checkbox"' in tag:  # a browser omits an unticked box
            continue
        fields[name.group(1)] = ""
    return fields


@pytest.mark.parametrize(("role", "path"), PAGES, ids=[p for _, p in PAGES])
def test_untouched_filter_form_renders_the_list(client, db, role, path):
    kind = {Role.ENTERPRISE_MEMBER: OrgKind.ENTERPRISE, Role.UNIVERSITY_MEMBER: OrgKind.UNIVERSITY}.get(role, OrgKind.IP_OFFICE)
    with db.begin():
        f.user(db, f.org(db, kind), role, username="filterer")
    resp = f.form_post(client, "/login", data={"username": "filterer", "password": f.PASSWORD, "next": path},
                       follow_redirects=False)
    assert resp.status_code == 303
    page = client.get(path)
    assert page.status_code == 200
    forms = FORM.findall(page.text)
    assert forms, f"{path} has no filter form"
    action, body = forms[0]
    query = _empty_query(body)
    assert query, f"{path}: the filter form has no fields"
    resp = client.get(unescape(action) + "?" + urlencode(query))
    assert resp.status_code == 200, (path, query, resp.text[:500])
    assert "输入有误" not in resp.text
