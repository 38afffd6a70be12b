"""Synthetic demo outcomes (all flagged synthetic), sized from ../shared/data/ip-transaction-stats:
China recorded 613,000 patent transfers and licences in 2024; scaled by population (Xinyang ≈ 0.44 %
of China) and discounted for a less patent-intensive city this gives a few hundred a year, which is
what the demo generates over two years. Pledge loans follow Henan's 2017 average (≈ 17.6 M CNY per
financed firm, 15.5 亿元 / 88 firms), scaled down for small firms."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ipplatform.credit.models import DishonestEntity
from ipplatform.credit.rules import evaluate
from ipplatform.organisations.enums import OrgKind
from ipplatform.organisations.models import Organisation
from ipplatform.outcomes.enums import DealStatus, DealType
from ipplatform.outcomes.models import Conversion, Deal
from ipplatform.patents.enums import LegalStatus
from ipplatform.patents.models import Patent

TYPE_WEIGHTS = [(DealType.TRANSFER, 45), (DealType.ORDINARY_LICENCE, 15), (DealType.EXCLUSIVE_LICENCE, 7),
                (DealType.OPEN_LICENCE, 8), (DealType.PLEDGE, 15), (DealType.EQUITY, 5),
                (DealType.SELF_IMPLEMENTATION, 5)]


def seed_outcomes(db: Session, rng: random.Random, n_deals: int = 360) -> dict[str, int]:
    orgs = list(db.scalars(select(Organisation)))
    holders = [o for o in orgs if o.kind in (OrgKind.UNIVERSITY, OrgKind.RESEARCH_INSTITUTE, OrgKind.ENTERPRISE)]
    enterprises = [o for o in orgs if o.kind == OrgKind.ENTERPRISE]
    lenders = [o for o in orgs if o.kind == OrgKind.FINANCIAL]
    patents_by_owner: dict[int, list[Patent]] = {}
    for p in db.scalars(select(Patent).where(Patent.legal_status == LegalStatus.VALID)):
        patents_by_owner.setdefault(p.owner_org_id, []).append(p)
    holders = [h for h in holders if patents_by_owner.get(h.id)]
    types, weights = zip(*TYPE_WEIGHTS)
    today = date.today()
    deals = []
    for _ in range(n_deals):
        holder = rng.choice(holders)
        kind = rng.choices(types, weights)[0]
        if kind == DealType.PLEDGE and holder.kind != OrgKind.ENTERPRISE:
            kind = DealType.TRANSFER
        pool = patents_by_owner[holder.id]
        if not pool:
            continue
        patents = rng.sample(pool, k=min(len(pool), rng.choice([1, 1, 1, 2, 3])))
        if kind == DealType.TRANSFER:  # a transferred patent leaves its holder's pool
            for p in patents:
                pool.remove(p)
        buyer = rng.choice([e for e in enterprises if e.id != holder.id])
        when = today - timedelta(days=rng.randrange(730))
        deal = Deal(type=kind, status=DealStatus.RECORDED if rng.random() < 0.85 else DealStatus.DRAFT,
                    from_org_id=holder.id, contract_date=when, patents=patents, synthetic=True)
        if kind == DealType.PLEDGE:
            deal.lender_org_id = rng.choice(lenders).id if lenders else None
            deal.loan_amount = Decimal(int(rng.lognormvariate(14.5, 0.6)) // 10000 * 10000)
        elif kind == DealType.EQUITY:
            deal.to_org_id, deal.valuation = buyer.id, Decimal(int(rng.lognormvariate(14.2, 0.5)) // 10000 * 10000)
        elif kind != DealType.SELF_IMPLEMENTATION:
            deal.to_org_id = buyer.id
            deal.amount = Decimal(int(rng.lognormvariate(12.2, 0.8)) // 1000 * 1000)
        if deal.status == DealStatus.RECORDED and kind != DealType.SELF_IMPLEMENTATION:
            deal.recordal_number = f"DEMO{when:%Y%m}{rng.randrange(10000):04d}"
            deal.recordal_date = min(today, when + timedelta(days=rng.randrange(5, 60)))
        db.add(deal)
        deals.append(deal)
    db.flush()
    conversions = 0
    for deal in rng.sample(deals, k=len(deals) // 6):
        if deal.status == DealStatus.RECORDED:
            db.add(Conversion(org_id=deal.to_org_id or deal.from_org_id, product=f"{deal.patents[0].title[:40]}（演示产品）",
                              start_date=min(today, deal.contract_date + timedelta(days=rng.randrange(30, 300))),
                              annual_revenue=Decimal(rng.randrange(50, 5000) * 10000), deal_id=deal.id,
                              patents=list(deal.patents), synthetic=True))
            conversions += 1
    involvement = {e.id: sum(1 for d in deals if e.id in (d.from_org_id, d.to_org_id)) for e in enterprises}
    listed = min(enterprises, key=lambda e: (involvement[e.id], e.id))  # a peripheral firm: few flags
    db.add(DishonestEntity(credit_code=listed.credit_code, name=listed.name, source="演示：失信主体名单（合成）",
                           listed_from=today - timedelta(days=400), listed_to=today + timedelta(days=365)))
    db.flush()
    flags = sum(len(evaluate(db, d)) for d in deals if d.status == DealStatus.RECORDED)
    return {"deals": len(deals), "conversions": conversions, "credit_flags": flags}
