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


def _sign_in(client, db, role, path: str) -> None:
    """A new user of ``role`` (in an organisation of the kind the role belongs to) logged in to ``path``."""
    kind = {Role.ENTERPRISE_MEMBER: OrgKind.ENTERPRISE, Role.UNIVERSITY_MEMBER: OrgKind.UNIVERSITY}.get(role, OrgKind.IP_OFFICE)
    with db.begin():
        f.user(db, f.org(db, kind), role, username="filterer")
    resp = f.form_post(client, "/login", data={"username": "filterer", "password": f.PASSWORD, "next": path},
                       follow_redirects=False)
    assert resp.status_code == 303


@pytest.mark.parametrize(("role", "path"), PAGES, ids=[p for _, p in PAGES])
def test_untouched_filter_form_renders_the_list(client, db, role, path):
    _sign_in(client, db, role, path)
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


@pytest.mark.parametrize(("role", "path"), PAGES, ids=[p for _, p in PAGES])
def test_filter_text_boxes_limit_what_the_page_accepts(client, db, role, path):
    """A browser lets a user type (or paste) up to a text box's maxlength: every filter text box has one,
    and the page accepts that much, so a pasted description never ends on the 输入有误 page."""
    _sign_in(client, db, role, path)
    action, body = FORM.findall(client.get(path).text)[0]
    boxes = [tag for tag in FIELD.findall(body) if tag.startswith("<input") and "type=" not in tag.split("name=")[0]
             and 'type="hidden"' not in tag and 'type="checkbox"' not in tag and 'type="date"' not in tag]
    for tag in boxes:
        name = NAME.search(tag).group(1)
        limit = re.search(r'\bmaxlength="(\d+)"', tag)
        assert limit, f"{path}: the filter box {name} has no maxlength"
        query = _empty_query(body) | {name: "茶" * int(limit.group(1))}
        resp = client.get(unescape(action) + "?" + urlencode(query))
        assert resp.status_code == 200 and "输入有误" not in resp.text, (path, name, resp.text[:300])


def test_glossary_preview_takes_a_full_text_box_with_line_breaks(client, db):
    """The preview's textarea allows 500 characters, a line break counting as one; the browser sends it as
    CRLF (two), and the page still accepts the text."""
    _sign_in(client, db, Role.OFFICE_STAFF, "/glossary")
    assert 'maxlength="500"' in client.get("/glossary").text.split('name="text"')[1].split(">")[0]
    text = "鱼塘闷热天浮头" * 35 + "\r\n" + "茶" * 254  # 245 + 1 + 254 = 500 as the browser counts
    resp = client.get("/glossary?" + urlencode({"text": text}))
    assert resp.status_code == 200 and "输入有误" not in resp.text
    assert "“浮头”按" in resp.text
    too_long = client.get("/glossary?" + urlencode({"text": text + "茶"}))
    assert too_long.status_code == 422 and "最多 500 个字符" in too_long.text
