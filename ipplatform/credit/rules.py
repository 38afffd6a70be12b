"""Rules that flag deals for review. Thresholds are configurable (``RuleConfig``); each finding keeps
the rule id and the evidence (the other deals, dates, prices) so a reviewer can check it.

- ``repeated_transfer``: the same patent transferred ``min_transfers`` times or more within ``window_days``
- ``bulk_after_grant``: ``min_patents`` or more patents transferred to one recipient within
  ``days_after_grant`` of their grant
- ``dishonest_party``: a party is on the dishonest-entity list on the contract date
- ``price_outlier``: the price per patent is more than ``max_robust_z`` robust standard deviations
  (median / MAD of log prices) from comparable transfers (same IPC section and patent kind; at least
  ``min_comparables`` of them)
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ipplatform.credit.models import CreditFlag, DishonestEntity
from ipplatform.outcomes.enums import DealStatus, DealType
from ipplatform.organisations.models import Organisation
from ipplatform.outcomes.models import Deal, deal_patent
from ipplatform.patents.models import Patent
from ipplatform.common.timefmt import beijing_today


@dataclass(frozen=True)
class RuleConfig:
    window_days: int = 365
    min_transfers: int = 2
    days_after_grant: int = 90
    min_patents: int = 10
    max_robust_z: float = 3.5
    min_comparables: int = 8


def _transfers():
    return select(Deal).where(Deal.type == DealType.TRANSFER, Deal.status == DealStatus.RECORDED)


def repeated_transfer(db: Session, deal: Deal, cfg: RuleConfig) -> list[tuple[str, dict]]:
    if deal.type != DealType.TRANSFER or deal.contract_date is None:
        return []
    out = []
    window = timedelta(days=cfg.window_days)
    for patent in deal.patents:
        others = db.scalars(_transfers().join(deal_patent).where(
            deal_patent.c.patent_id == patent.id, Deal.id != deal.id,
            Deal.contract_date >= deal.contract_date - window, Deal.contract_date <= deal.contract_date + window)).unique().all()
        if len(others) + 1 >= cfg.min_transfers:
            out.append((f"专利 {patent.application_number} 在 {cfg.window_days} 天内转让 {len(others) + 1} 次",
                        {"patent": patent.application_number, "deals": sorted([deal.id, *(o.id for o in others)]),
                         "dates": sorted(str(d.contract_date) for d in [deal, *others])}))
    return out


def bulk_after_grant(db: Session, deal: Deal, cfg: RuleConfig) -> list[tuple[str, dict]]:
    if deal.type != DealType.TRANSFER or deal.contract_date is None or deal.to_org_id is None:
        return []
    fresh = [p for p in deal.patents if p.grant_date and 0 <= (deal.contract_date - p.grant_date).days <= cfg.days_after_grant]
    if len(fresh) >= cfg.min_patents:
        return [(f"授权后 {cfg.days_after_grant} 天内向同一受让方集中转让 {len(fresh)} 件专利",
                 {"recipient": deal.to_org_id, "patents": [p.application_number for p in fresh][:50],
                  "grant_dates": sorted({str(p.grant_date) for p in fresh})})]
    return []


def dishonest_party(db: Session, deal: Deal, cfg: RuleConfig) -> list[tuple[str, dict]]:
    out = []
    when = deal.contract_date
    for role, org in (("出让方", deal.from_org), ("受让方", deal.to_org), ("质权人", deal.lender)):
        if org is None:
            continue
        hits = db.scalars(select(DishonestEntity).where(DishonestEntity.credit_code == org.credit_code)).all()
        for h in hits:
            if when is None or (h.listed_from <= when and (h.listed_to is None or when <= h.listed_to)):
                out.append((f"{role}“{org.name}”列入失信主体名单（{h.source}）",
                            {"role": role, "org": org.id, "credit_code": org.credit_code, "source": h.source,
                             "listed_from": str(h.listed_from), "listed_to": str(h.listed_to) if h.listed_to else None}))
    return out


def price_outlier(db: Session, deal: Deal, cfg: RuleConfig) -> list[tuple[str, dict]]:
    if deal.type != DealType.TRANSFER or not deal.amount or not deal.patents:
        return []
    first = deal.patents[0]
    section, kind = (first.ipc_main or "?")[:1], first.kind
    per_patent = float(deal.amount) / len(deal.patents)
    # comparables by their first patent (lowest id, as ``deal.patents`` is ordered), priced in SQL
    first = (select(deal_patent.c.deal_id, func.min(deal_patent.c.patent_id).label("patent_id"),
                    func.count().label("n")).group_by(deal_patent.c.deal_id).subquery())
    rows = db.execute(_transfers().with_only_columns(Deal.amount, first.c.n)
                      .join(first, first.c.deal_id == Deal.id).join(Patent, Patent.id == first.c.patent_id)
                      .where(Deal.id != deal.id, Deal.amount > 0, Patent.kind == kind,
                             func.coalesce(func.substr(Patent.ipc_main, 1, 1), "?") == section))
    prices = [float(amount) / n for amount, n in rows]
    if len(prices) < cfg.min_comparables:
        return []
    logs = [math.log(p) for p in prices]
    med = statistics.median(logs)
    mad = statistics.median(abs(x - med) for x in logs) * 1.4826
    if mad == 0:
        return []
    z = (math.log(per_patent) - med) / mad
    if abs(z) > cfg.max_robust_z:
        return [(f"每件专利转让价 {per_patent / 10000:.1f} 万元，偏离同类（{section} 部、{kind.zh}）中位数 "
                 f"{math.exp(med) / 10000:.1f} 万元，稳健 z 值 {z:.1f}",
                 {"price_per_patent": round(per_patent, 2), "median": round(math.exp(med), 2), "robust_z": round(z, 2),
                  "comparables": len(prices), "ipc_section": section, "kind": kind.value})]
    return []


RULES = {"repeated_transfer": repeated_transfer, "bulk_after_grant": bulk_after_grant,
         "dishonest_party": dishonest_party, "price_outlier": price_outlier}


def evaluate(db: Session, deal: Deal, cfg: RuleConfig = RuleConfig(), rules: dict | None = None) -> list[CreditFlag]:
    """(Re)compute a deal's open flags; reviewed flags are kept."""
    db.execute(delete(CreditFlag).where(CreditFlag.deal_id == deal.id, CreditFlag.status == "open"))
    flags = []
    for name, rule in (rules or RULES).items():
        for message, evidence in rule(db, deal, cfg):
            flag = CreditFlag(deal_id=deal.id, rule=name, message_zh=message[:300], evidence=evidence)
            db.add(flag)
            flags.append(flag)
    db.flush()
    return flags


def flagged_org_ids(db: Session, org_ids: Iterable[int], *, under_review: bool = False) -> set[int]:
    """Those of ``org_ids`` on the dishonest list today or with a flag staff confirmed on one of their
    deals (public findings); with ``under_review`` (for office staff) also flags still open."""
    org_ids = sorted(set(org_ids))
    if not org_ids:
        return set()
    today = beijing_today()
    on_list = (select(Organisation.id).join(DishonestEntity, DishonestEntity.credit_code == Organisation.credit_code)
               .where(Organisation.id.in_(org_ids), DishonestEntity.listed_from <= today,
                      DishonestEntity.listed_to.is_(None) | (DishonestEntity.listed_to >= today)))
    ids = set(db.scalars(on_list))
    open_deals = select(Deal.from_org_id, Deal.to_org_id).join(CreditFlag, CreditFlag.deal_id == Deal.id).where(
        CreditFlag.status.in_(["open", "confirmed"] if under_review else ["confirmed"]),
        Deal.from_org_id.in_(org_ids) | Deal.to_org_id.in_(org_ids))
    for pair in db.execute(open_deals):
        ids.update(i for i in pair if i in org_ids)
    return ids
