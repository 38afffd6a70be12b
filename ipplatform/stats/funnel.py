"""The conversion funnel: one population (the patent offers published in the period, filtered by their rights
holder like every offer indicator) followed to how far each got, so every stage is a subset of the one
before it by definition and the counts never increase.

An offer's stage is the furthest any of its matches reached (its timestamps, so a match declined after
negotiating still counts as negotiated):

1. 发布的专利供给 — published in the period (``offers_published``'s records)
2. 获得匹配 — at least one match (automatic, search, event or manual)
3. 已联系 — a match contacted (``contacted_at``, or a later step's time: a step implies the earlier ones)
4. 洽谈 — a match negotiating (``negotiating_at`` or ``agreed_at``)
5. 达成意向 — a match agreed (``agreed_at``)
6. 成交 — an agreed match whose deal is recorded (``deal.match_id``, status recorded)

Stages are counted as of now (a cohort followed up), not only what happened inside the period.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import Session

from ipplatform.matching.models import Match
from ipplatform.offers.models import Offer
from ipplatform.outcomes.enums import DealStatus
from ipplatform.outcomes.models import Deal
from ipplatform.stats import indicators as ind


@dataclass(frozen=True)
class Stage:
    key: str
    name_zh: str
    definition: str


STAGES = [
    Stage("published", "发布的专利供给", "统计期间内发布（含再次发布）的专利供给，按权利人所在地、行业和机构类型筛选；以下各阶段都是这批供给中的一部分。"),
    Stage("matched", "获得匹配", "其中至少有一条供需匹配（系统推荐、检索、对接活动或人工推荐）的供给。"),
    Stage("contacted", "已联系", "其中至少有一条匹配进入“已联系”或之后阶段的供给。"),
    Stage("negotiating", "洽谈", "其中至少有一条匹配进入“洽谈中”或已达成的供给。"),
    Stage("agreed", "达成意向", "其中至少有一条匹配已达成合作意向的供给。"),
    Stage("deal", "成交", "其中至少有一条已达成的匹配，其交易已登记的供给。"),
]


def _match_stage():
    recorded = exists().where(Deal.match_id == Match.id, Deal.status == DealStatus.RECORDED)
    agreed = Match.agreed_at.is_not(None)
    negotiating = or_(Match.negotiating_at.is_not(None), agreed)
    contacted = or_(Match.contacted_at.is_not(None), negotiating)
    return case((and_(agreed, recorded), 5), (agreed, 4), (negotiating, 3), (contacted, 2), else_=1)


def offer_stages(f: ind.Filters):
    """(offer id, furthest stage 0–5) for every offer of the population (0: no match)."""
    population = ind.statement("offers_published", f).with_only_columns(Offer.id.label("offer_id")).subquery()
    furthest = (select(Match.offer_id, func.max(_match_stage()).label("stage"))
                .where(Match.offer_id.in_(select(population.c.offer_id))).group_by(Match.offer_id).subquery())
    return (select(population.c.offer_id, func.coalesce(furthest.c.stage, 0).label("stage"))
            .outerjoin(furthest, furthest.c.offer_id == population.c.offer_id))


def funnel(db: Session, f: ind.Filters = ind.Filters()) -> list[dict]:
    """Each stage with its count: [{key, stage, value, definition}], non-increasing by construction."""
    rows = offer_stages(f).subquery()
    counts = db.execute(select(*[func.coalesce(func.sum(case((rows.c.stage >= level, 1), else_=0)), 0)
                                 for level in range(len(STAGES))])).one()
    return [{"key": s.key, "stage": s.name_zh, "value": int(n), "definition": s.definition}
            for s, n in zip(STAGES, counts)]


def stage_offer_ids(f: ind.Filters, key: str):
    """A select of the ids of the offers that reached stage ``key`` (the records behind a funnel number)."""
    level = [s.key for s in STAGES].index(key)
    rows = offer_stages(f).subquery()
    return select(rows.c.offer_id).where(rows.c.stage >= level)
