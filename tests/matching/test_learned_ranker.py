"""The learned ranker: training on judged demands (the command, end to end on a tiny corpus), per-feature
contributions that add up to the score, the calibrated verdict, the model the database holds winning over
the shipped one, and feedback turned into labels."""

from __future__ import annotations

import json

import pytest

from ipplatform.matching import learning, train, train_feedback
from ipplatform.matching.enums import CooperationIntent
import numpy as np

from ipplatform.matching.features import FEATURES, PLATFORM_FEATURES, TEXT_FEATURES, Candidate, DemandCtx, compute
from ipplatform.matching.glossary_models import RankerModel
from ipplatform.matching.ranker import SHIPPED, LearnedRanker, Ranker, load_ranker
from tests.matching.test_evaluate import files  # noqa: F401  (the tiny corpus, demands and judgements)


def _row(**kw) -> dict:
    return {f: kw.get(f, 0.0) for f in FEATURES}


def test_the_shipped_model_scores_and_explains_itself():
    ranker = load_ranker()
    assert isinstance(ranker, LearnedRanker) and ranker.source == SHIPPED.name
    good = _row(semantic=0.9, need_semantic=0.9, clause_max=0.9, clause_mean=0.8, lexical=1.0, coverage=0.8,
                keyphrase=0.8, title_coverage=0.8, glossary=1.0, fused=1.0, ipc_coherence=0.8, field_agreement=0.8, region=1.0,
                credit=1.0)
    poor = _row(semantic=0.5, need_semantic=0.5, clause_max=0.5, clause_mean=0.4, fused=0.2, credit=1.0)
    s_good, s_poor = ranker.score_many([good, poor])
    assert s_good > s_poor
    rows = ranker.contributions(good)
    assert sum(r["contribution"] for r in rows) == pytest.approx(s_good, abs=1e-3)
    assert {r["feature"] for r in rows} >= set(TEXT_FEATURES) | {"region", "baseline"}
    assert ranker.strong(good) and not ranker.strong(poor)
    assert 0.0 <= ranker.confidence(poor) < ranker.confidence(good) <= 1.0


def test_platform_features_still_move_a_learned_score():
    ranker = load_ranker()
    base = _row(semantic=0.8, need_semantic=0.8, clause_max=0.8, fused=0.5, credit=1.0)
    assert ranker.score({**base, "preference": 1.0}) > ranker.score(base) > ranker.score({**base, "preference": -1.0})
    assert ranker.score({**base, "region": 1.0}) > ranker.score(base)
    assert set(PLATFORM_FEATURES) <= set(ranker.platform_weights)


def test_training_command_cross_validates_writes_and_stores(files, tmp_path, capsys, embedder, db, monkeypatch):  # noqa: F811
    stored = {}
    monkeypatch.setattr(train_feedback, "store", lambda data, source: stored.setdefault("data", data) and 7)
    out = tmp_path / "ranker.json"
    code = train.main(["--corpus", str(files / "patents.csv"), "--demands", str(files / "demands.jsonl"),
                       "--qrels", str(files / "qrels.jsonl"), "--folds", "3", "--cache", str(files / "cache.sqlite3"),
                       "--out", str(out), "--store"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "leave-fold-out by demand" in printed and "logistic" in printed and "lambdarank" in printed
    data = json.loads(out.read_text(encoding="utf-8"))
    report = data["report"]
    assert [r["fold"] for r in report["folds"]] == [1, 2, 3] and sum(r["demands"] for r in report["folds"]) == 3
    assert report["kind"] in ("logistic", "lambdarank") and data["kind"] == report["kind"]
    assert report["encoder"] and report["judged_groups"] == 3
    assert "verdict per fold" in printed and [v["fold"] for v in report["verdict_by_fold"]] == [1, 2, 3]
    assert sum(v["flagged"] for v in report["verdict_by_fold"]) == report["verdict_out_of_fold"]["flagged"]
    assert stored["data"]["features"] == list(TEXT_FEATURES)
    ranker = LearnedRanker.from_dict(data)
    assert len(ranker.score_many([_row(semantic=0.9), _row()])) == 2


def test_the_database_model_is_preferred(db):
    data = json.loads(SHIPPED.read_text(encoding="utf-8"))
    model = {k: v for k, v in data.items() if k not in ("features", "calibration", "report")}
    with db.begin():
        db.add(RankerModel(kind=data["kind"], features=data["features"], model_text=json.dumps(model),
                           calibration={"logistic": {**data["calibration"], "threshold": 0.99}}, report={}, active=True,
                           source="test"))
    with db.begin():
        ranker = load_ranker(db)
    assert ranker.source.startswith("ranker_model #") and ranker.threshold == 0.99
    with db.begin():
        db.query(RankerModel).update({"active": False})
    with db.begin():
        assert load_ranker(db).source == SHIPPED.name


def test_feedback_labels():
    assert train_feedback.label(CooperationIntent.BUY, None, False) == 2
    assert train_feedback.label(CooperationIntent.LEARN_MORE, None, False) == 1
    assert train_feedback.label(CooperationIntent.NONE, 5, False) == 2
    assert train_feedback.label(CooperationIntent.NONE, 2, False) == 0
    assert train_feedback.label(CooperationIntent.NEGOTIATE, 5, True) == 0  # declined in the end


def test_threshold_flags_every_answerless_demand():
    groups = [learning.Group(q, "x", [], [], [], grades) for q, grades in
              (("a", {"p": 2}), ("b", {"p": 1}), ("c", {"p": 2}), ("d", {}))]
    conf = {"a": 0.9, "b": 0.3, "c": 0.5, "d": 0.1}
    tau = learning.calibrate_threshold(groups, conf)["threshold"]
    assert 0.3 < tau < 0.5  # b (no grade 2) and d flagged, a and c not
    assert Ranker().score_many([_row(semantic=1.0)]) == [Ranker().score(_row(semantic=1.0))]


def test_the_verdict_wants_an_offer_in_a_coherent_field():
    """Equal cosines and word coverage: an offer inside the technical field the demand's nearest offers
    agree on can be a strong match; the same evidence in a field they are scattered over is not."""
    ranker = load_ranker()
    assert "field_agreement" in ranker.calibration.features
    row = _row(semantic=0.75, need_semantic=0.75, clause_max=0.75, keyphrase=0.12, coverage=0.12, credit=1.0)
    coherent, scattered = {**row, "field_agreement": 0.8}, {**row, "field_agreement": 0.0}
    assert ranker.probability(coherent) > ranker.probability(scattered)
    assert ranker.strong(coherent) and not ranker.strong(scattered)


def test_verdict_by_fold_counts_both_definitions():
    groups = [learning.Group(q, "x", [], [], [], grades) for q, grades in
              (("a", {"p": 2}), ("b", {"p": 1}), ("c", {"p": 2}), ("d", {}))]
    cv = {"fold_of": {"a": 0, "b": 0, "c": 1, "d": 1}, "confidence": {"a": 0.9, "b": 0.3, "c": 0.5, "d": 0.1},
          "rank": {"a": ["p"], "b": ["p"], "c": ["q"], "d": ["p"]}}
    first, second = learning.verdict_by_fold(groups, cv, 0.4)
    assert (first["flagged"], first["hits"], first["truly_without_answer"]) == (1, 1, 1)  # b
    assert (second["flagged"], second["hits"], second["hits_top10"], second["without_answer_in_top10"]) == (1, 1, 1, 2)


def test_field_agreement_reads_the_neighbours_not_the_stated_ipc():
    """A demand that states its IPC ranks by it (ipc_coherence), but the verdict's field agreement still
    asks whether the nearest offers agree on a field: scattered neighbours leave every offer low."""
    cands = [Candidate(id=i, title=f"t{i}", text=f"t{i}", semantic=0.9 - i / 100, ipc=[ipc]) for i, ipc in
             enumerate(["A01K", "B65G", "C02F", "F26B", "H02J", "A01K"])]
    stated = DemandCtx(id=1, text="x", tokens=(), vector=None, preferred_ipc=["A01K"])
    feats = compute(stated, cands)
    assert feats[0]["ipc_coherence"] == 1.0 and feats[1]["ipc_coherence"] == 0.0
    assert 0.0 < feats[0]["field_agreement"] < 0.5 and feats[1]["field_agreement"] > 0.0
    plain = compute(DemandCtx(id=2, text="x", tokens=(), vector=None), cands)
    assert [f["field_agreement"] for f in plain] == [f["ipc_coherence"] for f in plain]
    assert np.isclose(feats[0]["field_agreement"], plain[0]["field_agreement"])
