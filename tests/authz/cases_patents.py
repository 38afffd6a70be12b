"""The matrix cases of the patents pages and the offer/demand edit and close pages (helper A of issue 12)."""

from __future__ import annotations

from tests import factories as f
from tests.authz.common import Case, Req


def _patent_form(db, t) -> dict:
    return {"owner_org_id": str(t.id), "application_number": f.application_number(), "kind": "invention_granted",
            "title": "一种茶叶揉捻机", "legal_status": "valid", "ipc_codes": "A23F 3/06"}


def _offer_edit(db, t) -> Req:
    offer = f.offer(db, t)
    return Req(f"/offers/{offer.id}/edit", form={"title": "修改后的供给标题", "patent_ids": str(offer.patents[0].id),
                                                 "modes": "transfer", "negotiable": "on", "action": "save"})


CASES = [
    Case("page-patents", "GET", "/patents", "signed_in", 200, lambda db, w, t: Req(f"/patents?org_id={t.id}"),
         by_owner=False),
    Case("page-patent-new", "GET", "/patents/new", "member", 200,
         lambda db, w, t: Req(f"/patents/new?owner_org_id={t.id}")),
    Case("page-patent-create", "POST", "/patents/new", "member", 303,
         lambda db, w, t: Req("/patents/new", form=_patent_form(db, t))),
    Case("page-patent-edit", "GET", "/patents/{patent_id}/edit", "member", 200,
         lambda db, w, t: Req(f"/patents/{f.patent(db, t).id}/edit")),
    Case("page-patent-update", "POST", "/patents/{patent_id}/edit", "member", 303,
         lambda db, w, t: Req(f"/patents/{f.patent(db, t).id}/edit", form={
             "kind": "invention_granted", "title": "一种改进的茶叶揉捻机", "legal_status": "valid",
             "ipc_codes": "A23F 3/06"})),
    Case("page-patent-lapse-confirm", "GET", "/patents/{patent_id}/lapse", "member", 200,
         lambda db, w, t: Req(f"/patents/{f.patent(db, t).id}/lapse")),
    Case("page-patent-lapse", "POST", "/patents/{patent_id}/lapse", "member", 303,
         lambda db, w, t: Req(f"/patents/{f.patent(db, t).id}/lapse", form={"legal_status": "lapsed"})),
    Case("page-offer-edit", "GET", "/offers/{offer_id}/edit", "member", 200,
         lambda db, w, t: Req(f"/offers/{f.offer(db, t).id}/edit")),
    Case("page-offer-update", "POST", "/offers/{offer_id}/edit", "member", 303, lambda db, w, t: _offer_edit(db, t)),
    Case("page-offer-close-confirm", "GET", "/offers/{offer_id}/close", "member", 200,
         lambda db, w, t: Req(f"/offers/{f.offer(db, t).id}/close")),
    Case("page-demand-edit", "GET", "/demands/{demand_id}/edit", "member", 200,
         lambda db, w, t: Req(f"/demands/{f.demand(db, t).id}/edit")),
    Case("page-demand-update", "POST", "/demands/{demand_id}/edit", "member", 303,
         lambda db, w, t: Req(f"/demands/{f.demand(db, t).id}/edit", form={
             "title": "修改后的需求标题", "description": "需要名优绿茶连续化加工生产线技术，提高品质稳定性。",
             "action": "save"})),
    Case("page-demand-close-confirm", "GET", "/demands/{demand_id}/close", "member", 200,
         lambda db, w, t: Req(f"/demands/{f.demand(db, t).id}/close")),
]
for _c in CASES:
    _c.page = True
