"""The platform's own feedback as training data for the ranker, and storing a trained model.

A demand whose organisation rated matches becomes one training group: its current candidates, each
rated offer labelled from the feedback (2: wants to negotiate, license or buy, or rated 4–5; 1: wants
to learn more, or rated 3; 0: no intent, rated 1–2, or the match was declined). Unrated candidates
are left out: nobody judged them."""

from __future__ import annotations

import json

from sqlalchemy import select, update

from ipplatform.database import default_engine, session_factory
from ipplatform.demands.models import Demand
from ipplatform.matching.enums import CooperationIntent, MatchStatus
from ipplatform.matching.features import compute
from ipplatform.matching.glossary_models import RankerModel
from ipplatform.matching.learning import Group
from ipplatform.matching.matcher import Matcher
from ipplatform.matching.models import Match, MatchFeedback
from ipplatform.matching.service import preferences
from ipplatform.search.backends import make_backend
from ipplatform.search.embeddings import get_embedder

STRONG_INTENTS = {CooperationIntent.NEGOTIATE, CooperationIntent.LICENSE, CooperationIntent.BUY}


def label(intent: CooperationIntent, rating: int | None, declined: bool) -> int:
    if declined or intent == CooperationIntent.NONE and not rating:
        return 0
    if intent in STRONG_INTENTS or (rating or 0) >= 4:
        return 2
    if intent == CooperationIntent.LEARN_MORE or rating == 3:
        return 1
    return 0


def labels_by_demand(db) -> dict[int, dict[int, int]]:
    """demand id → offer id → label, the latest feedback of each match counting."""
    out: dict[int, dict[int, int]] = {}
    rows = db.execute(select(Match.demand_id, Match.offer_id, Match.status, MatchFeedback.intent,
                             MatchFeedback.prospect_rating).join(MatchFeedback, MatchFeedback.match_id == Match.id)
                      .order_by(MatchFeedback.id))
    for demand_id, offer_id, status, intent, rating in rows:
        out.setdefault(demand_id, {})[offer_id] = label(intent, rating, status == MatchStatus.DECLINED)
    return out


def groups(factory=None, matcher: Matcher | None = None) -> list[Group]:
    factory = factory or session_factory(default_engine())
    matcher = matcher or Matcher(make_backend(), get_embedder)
    out = []
    with factory() as db:
        matcher.ensure_affinity(db, max_age_s=0)
        for demand_id, labelled in labels_by_demand(db).items():
            demand = db.get(Demand, demand_id)
            if demand is None or len(set(labelled.values())) < 2:
                continue  # one label only: nothing to rank
            ctx = matcher.context_for_demand(db, demand, preferences(db, demand.org_id))
            cands = matcher.candidates(db, ctx)
            feats = compute(ctx, cands, matcher.affinity)
            keep = [(c, f) for c, f in zip(cands, feats) if c.id in labelled]
            if len({labelled[c.id] for c, _ in keep}) < 2:
                continue
            out.append(Group(f"feedback:{demand_id}", "feedback", [f for _, f in keep], [labelled[c.id] for c, _ in keep],
                             [str(c.id) for c, _ in keep], {str(c.id): labelled[c.id] for c, _ in keep}))
    return out


def store(data: dict, source: str, factory=None) -> int:
    """Make ``data`` (a trained ranker) the active model: older rows stay, inactive, for the record."""
    factory = factory or session_factory(default_engine())
    with factory.begin() as db:
        db.execute(update(RankerModel).where(RankerModel.active).values(active=False))
        model = {k: v for k, v in data.items() if k not in ("features", "calibration", "report")}
        row = RankerModel(kind=data.get("kind", "lambdarank"), features=data["features"],
                          model_text=json.dumps(model, ensure_ascii=False), calibration={"logistic": data["calibration"]},
                          report=data["report"], active=True, source=source[:200],
                          trained_groups=data["report"].get("judged_groups", 0) + data["report"].get("feedback_groups", 0))
        db.add(row)
        db.flush()
        return row.id
