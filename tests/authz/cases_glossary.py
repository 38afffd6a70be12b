"""The matrix cases of the industry glossary (API and pages): office staff and administrators only."""

from __future__ import annotations

import itertools

from ipplatform.matching.glossary_models import GlossaryTerm
from tests.authz.common import Case, Req

_n = itertools.count(1)


def term(db) -> GlossaryTerm:
    """A glossary entry with a colloquial word of its own (words are unique per industry)."""
    t = GlossaryTerm(industry="general", colloquial=[f"测试口语{next(_n)}"], technical=["测试术语"], active=True)
    db.add(t)
    db.flush()
    return t


def body() -> dict:
    return {"industry": "tea", "colloquial": [f"新说法{next(_n)}"], "technical": ["杀青"]}


API = [
    Case("glossary-list", "GET", "/api/glossary", "staff", 200, lambda db, w, t: Req("/api/glossary?industry=tea"),
         by_owner=False),
    Case("glossary-preview", "GET", "/api/glossary/preview", "staff", 200,
         lambda db, w, t: Req("/api/glossary/preview?text=鱼塘一到夏天就浮头"), by_owner=False),
    Case("glossary-create", "POST", "/api/glossary", "staff", 201, lambda db, w, t: Req("/api/glossary", body()),
         by_owner=False),
    Case("glossary-read", "GET", "/api/glossary/{term_id}", "staff", 200,
         lambda db, w, t: Req(f"/api/glossary/{term(db).id}"), by_owner=False),
    Case("glossary-update", "PATCH", "/api/glossary/{term_id}", "staff", 200,
         lambda db, w, t: Req(f"/api/glossary/{term(db).id}", {"note": "备注"}), by_owner=False),
    Case("glossary-delete", "DELETE", "/api/glossary/{term_id}", "staff", 204,
         lambda db, w, t: Req(f"/api/glossary/{term(db).id}"), by_owner=False),
]

PAGES = [
    Case("page-glossary", "GET", "/glossary", "staff", 200, lambda db, w, t: Req("/glossary?text=茶叶烘笼"),
         by_owner=False, page=True),
    Case("page-glossary-new", "GET", "/glossary/new", "staff", 200, lambda db, w, t: Req("/glossary/new"),
         by_owner=False, page=True),
    Case("page-glossary-create", "POST", "/glossary/new", "staff", 303, lambda db, w, t: Req("/glossary/new", form={
        "industry": "food", "colloquial": f"页面说法{next(_n)}", "technical": "码垛", "active": "on"}),
         by_owner=False, page=True),
    Case("page-glossary-edit", "GET", "/glossary/{term_id}/edit", "staff", 200,
         lambda db, w, t: Req(f"/glossary/{term(db).id}/edit"), by_owner=False, page=True),
    Case("page-glossary-save", "POST", "/glossary/{term_id}/edit", "staff", 303, lambda db, w, t: Req(
        f"/glossary/{term(db).id}/edit", form={"industry": "general", "colloquial": f"改后说法{next(_n)}",
                                               "technical": "监测", "active": "on"}), by_owner=False, page=True),
    Case("page-glossary-delete", "POST", "/glossary/{term_id}/delete", "staff", 303,
         lambda db, w, t: Req(f"/glossary/{term(db).id}/delete", form={}), by_owner=False, page=True),
]

CASES = API + PAGES
