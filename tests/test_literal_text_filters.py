"""The text box of every list is a literal substring search: ``%`` and ``_`` are characters, not SQL LIKE
wildcards (regression: ``/offers?q=%`` listed every offer)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from ipplatform.auth.enums import Role
from ipplatform.credit.models import DishonestEntity
from ipplatform.organisations.enums import OrgKind
from tests import factories as f


@pytest.fixture
def world(client, db):
    with db.begin():
        office = f.org(db, OrgKind.IP_OFFICE)
        f.user(db, office, Role.ADMIN, username="boss")
        pct = f.org(db, OrgKind.ENTERPRISE, name="百分百%测试科技有限公司")
        plain = f.org(db, OrgKind.ENTERPRISE, name="寻常测试科技有限公司")
        for org, title in ((pct, "良品率提升50%的茶叶揉捻装置"), (plain, "一种茶叶揉捻装置")):
            f.offer(db, org, title=title, patents=[f.patent(db, org, title=title)])
            f.demand(db, org, title=title.replace("装置", "技术需求"))
        db.add_all([DishonestEntity(credit_code=f.credit_code(), name=name, source="测试", listed_from=date(2025, 1, 1))
                    for name in ("失信%测试公司", "失信测试公司")])
    resp = f.form_post(client, "/login", data={"username": "boss", "password": f.PASSWORD}, follow_redirects=False)
    assert resp.status_code == 303


@pytest.mark.parametrize(("path", "shown", "hidden"), [
    ("/offers", "良品率提升50%的茶叶揉捻装置", "一种茶叶揉捻装置"),
    ("/demands", "良品率提升50%的茶叶揉捻技术需求", "一种茶叶揉捻技术需求"),
    ("/office/organisations", "百分百%测试科技有限公司", "寻常测试科技有限公司"),
    ("/office/dishonest", "失信%测试公司", "失信测试公司"),
])
def test_percent_and_underscore_are_characters(client, world, path, shown, hidden):
    page = client.get(path, params={"q": "%"})
    assert page.status_code == 200
    assert shown in page.text and hidden not in page.text
    for q in ("_", "%%", "茶叶%装置"):
        text = client.get(path, params={"q": q}).text
        assert shown not in text and hidden not in text, q
    assert hidden in client.get(path).text  # the unfiltered list has both


def test_user_and_export_filters_are_literal(client, world):
    users = client.get("/admin/users", params={"q": "_"})
    assert users.status_code == 200 and "boss" not in users.text
    assert "boss" in client.get("/admin/users", params={"q": "bos"}).text
    export = client.get("/api/exports/patents", params={"q": "%", "format": "csv"})
    assert export.status_code == 200
    titles = re.findall(r"茶叶揉捻装置", export.content.decode("utf-8-sig"))
    assert len(titles) == 1 and "50%" in export.content.decode("utf-8-sig")
