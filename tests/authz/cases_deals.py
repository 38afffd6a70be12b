"""The matrix cases of the match pipeline and deal pages: a match's page and status buttons, an offer's matches,
the deal list, the deal form (free, on an offer: 标记成交) and completing and recording a draft."""

from __future__ import annotations

from tests import factories as f
from tests.authz.common import Case, Req, deal, match


def _offer_deal_form(db, w, t):
    offer = f.offer(db, t)
    return Req(f"/deals/new?offer_id={offer.id}", form={
        "to_org_id": str(w["third"].id), "type": "transfer", "patent_ids": str(offer.patents[0].id), "amount": "12.5",
        "contract_date": "2025-03-01", "close_offer": "on", "action": "record"})


def _record_form(db, w, t):
    draft = deal(db, w, t)
    return Req(f"/deals/{draft.id}/record", form={"patent_ids": str(draft.patents[0].id), "contract_date": "2025-03-01",
                                                  "amount": "10", "action": "record"})


CASES = [
    Case("page-match", "GET", "/matches/{match_id}", "match_reader", 200,
         lambda db, w, t: Req(f"/matches/{match(db, w, t).id}"), page=True),
    Case("page-match-status", "POST", "/matches/{match_id}/status", "member", 303,
         lambda db, w, t: Req(f"/matches/{match(db, w, t).id}/status", form={"status": "contacted"}), page=True),
    Case("page-offer-matches", "GET", "/offers/{offer_id}/matches", "match_reader", 200,
         lambda db, w, t: Req(f"/offers/{f.offer(db, t).id}/matches"), page=True),
    Case("page-deals", "GET", "/deals", "member_or_staff", 200, lambda db, w, t: Req("/deals"), page=True,
         always_own=True),
    Case("page-deal-new", "GET", "/deals/new", "member_or_staff", 200, lambda db, w, t: Req("/deals/new"), page=True,
         always_own=True),
    Case("page-deal-new-on-offer", "GET", "/deals/new", "member_or_staff", 200,
         lambda db, w, t: Req(f"/deals/new?offer_id={f.offer(db, t).id}"), page=True),
    Case("page-deal-create", "POST", "/deals/new", "member_or_staff", 303, _offer_deal_form, page=True),
    Case("page-deal", "GET", "/deals/{deal_id}", "member_or_staff", 200,
         lambda db, w, t: Req(f"/deals/{deal(db, w, t).id}"), page=True),
    Case("page-deal-record-form", "GET", "/deals/{deal_id}/record", "member_or_staff", 200,
         lambda db, w, t: Req(f"/deals/{deal(db, w, t).id}/record"), page=True),
    Case("page-deal-record", "POST", "/deals/{deal_id}/record", "member_or_staff", 303, _record_form, page=True),
]
