"""A lifecycle route's target status is bound in code (regression: a hidden ``_target`` query parameter,
published in the OpenAPI schema, let ``withdraw?_target=published`` publish a draft without its checks,
and ``?_target=x`` answered 500)."""

from __future__ import annotations

import pytest

from ipplatform.auth.enums import Role
from ipplatform.organisations.enums import OrgKind
from tests import factories as f


@pytest.mark.parametrize("kind", ["offers", "demands"])
def test_query_parameters_do_not_choose_the_target(client, db, kind):
    with db.begin():
        org = f.org(db, OrgKind.UNIVERSITY)
        member = f.auth(f.user(db, org, Role.UNIVERSITY_MEMBER))
        draft = (f.offer if kind == "offers" else f.demand)(db, org, publish=False)
    first = client.post(f"/api/{kind}/{draft.id}/withdraw", params={"_target": "published"}, headers=member)
    assert first.status_code == 200 and first.json()["status"] == "withdrawn", first.text
    for target in ("published", "x", "closed"):
        resp = client.post(f"/api/{kind}/{draft.id}/withdraw", params={"_target": target}, headers=member)
        assert resp.status_code == 409, resp.text  # already withdrawn, whatever the query says
        assert resp.json()["code"] == "invalid_transition"
    assert client.get(f"/api/{kind}/{draft.id}", headers=member).json()["status"] == "withdrawn"
    assert client.get(f"/api/{kind}/{draft.id}").status_code == 404  # never published


def test_lifecycle_routes_take_no_parameters_but_the_id(app):
    schema = app.openapi()
    for path, ops in schema["paths"].items():
        if path.rsplit("/", 1)[-1] in ("publish", "withdraw", "close"):
            params = [p["name"] for p in ops["post"].get("parameters", [])]
            assert params == [path.split("{")[1].split("}")[0]], (path, params)
