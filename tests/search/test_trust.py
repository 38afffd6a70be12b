"""Search a user can trust (issue 13), on both backends: one total per query whatever the page, a semantic
floor that lets filters narrow and says when nothing is close, completions of whole words and whole IPC
subclasses, a label for every IPC code, "more like this" headed by its reference offer, and where the
time went (Server-Timing)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ipplatform import reference
from ipplatform.search.service import FLOORS, SEMANTIC_K
from tests.reference_oracle import ipc_title
from tests.search import corpus
from tests.search.corpus import ids

NONSENSE = ("xyzzy plugh qwertyuiop", "asdfghjkl zxcvbnm")
PATENTS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "cn-patents-titles-ipc" / "patents.csv"


def hit_ids(result) -> list[int]:
    return [h["id"] for h in result["hits"]]


@pytest.mark.parametrize("mode", ["keyword", "semantic", "hybrid"])
@pytest.mark.parametrize("q", ["锂电池 储能", "茶叶加工设备", "电池"])
def test_total_is_the_same_on_every_page(search_env, mode, q):
    pages = [search_env.search(q=q, mode=mode, page_size=2, page=p) for p in (1, 2, 3)]
    totals = {r["total"] for r in pages}
    assert len(totals) == 1, totals
    total = totals.pop()
    seen = [i for r in pages for i in hit_ids(r)]
    assert len(seen) == len(set(seen)) == min(total, 6)  # pages complete up to the total, never overlapping
    whole = search_env.search(q=q, mode=mode, page_size=50)
    assert whole["total"] == total == len(whole["hits"])


def test_semantic_hits_are_at_or_above_the_floor(search_env):
    result = search_env.search(q="锂电池热管理", mode="semantic", page_size=50)
    floor = result["semantic_floor"]
    assert floor is not None and floor == FLOORS[search_env.app.state.search._embedder_provider().cache_key]
    assert result["hits"] and all(h["score"] >= floor for h in result["hits"])
    assert result["total"] == result["semantic_total"] == len(result["hits"]) < len(corpus.PUBLISHED)
    assert not result["no_close_match"]


@pytest.mark.parametrize("q", NONSENSE)
def test_a_nonsense_query_says_no_close_match(search_env, q):
    semantic = search_env.search(q=q, mode="semantic")
    assert semantic["no_close_match"] and semantic["total"] == 0 and semantic["hits"] == []
    assert search_env.search(q=q, mode="hybrid")["no_close_match"]


def test_a_filter_narrows_to_its_facet_count(search_env):
    q = "锂电池 储能"
    unfiltered = search_env.search(q=q, mode="hybrid", page_size=50)
    assert unfiltered["total"] == len(unfiltered["hits"])
    floor = unfiltered["semantic_floor"]
    for field, param in (("county", "region"), ("ipc_subclass", "ipc"), ("mode", "tx_mode")):
        for facet in unfiltered["facets"][field]:
            n, value = facet["count"], facet["value"]
            hybrid = search_env.search(q=q, mode="hybrid", page_size=50, **{param: value})
            keyword = set(hit_ids(search_env.search(q=q, mode="keyword", page_size=50, **{param: value})))
            semantic = search_env.search(q=q, mode="semantic", page_size=50, **{param: value})
            assert len(keyword) <= n and hybrid["total"] == n, (field, value)  # the facet count is the union's
            others = set(hit_ids(hybrid)) - keyword
            assert others <= set(hit_ids(semantic)), (field, value)  # only semantic hits, and those
            assert all(h["score"] >= floor for h in semantic["hits"])  # are above the floor
            assert set(hit_ids(hybrid)) == keyword | set(hit_ids(semantic))


def test_a_filter_without_close_matches_shows_nothing_unrelated(search_env):
    # 浉河区 (411502) has the university's and the electronics firm's offers: nothing about tea picking robots
    result = search_env.search(q="锂电池 储能", mode="semantic", region="411503", tx_mode="pledge")
    assert set(hit_ids(result)) <= ids("pack") and ids("dryer").isdisjoint(hit_ids(result))  # a grain dryer is not close
    for h in result["hits"]:
        assert h["score"] >= result["semantic_floor"]


def test_semantic_window_is_bounded_and_stable(search_env):
    result = search_env.search(q="电池", mode="semantic", page_size=50)
    assert result["total"] <= SEMANTIC_K


# ---- autocomplete -------------------------------------------------------------------------------

def suggest(search_env, prefix):
    resp = search_env.client.get("/api/search/suggest", params={"prefix": prefix})
    assert resp.status_code == 200
    return resp.json()


def test_a_whole_word_completes_to_what_follows_it(search_env):
    for word in ("茶叶", "电池", "储能"):
        found = suggest(search_env, word)
        assert found and all(s.startswith(word) and s != word for s in found), (word, found)
    assert any(s.startswith("茶叶杀青") or s.startswith("茶叶清洗") for s in suggest(search_env, "茶叶"))


def test_a_whole_ipc_subclass_completes_to_its_label(search_env):
    label = f"H01M · {ipc_title('H01M')}"
    assert suggest(search_env, "H01M")[0] == label
    assert suggest(search_env, "h01m")[0] == label
    assert label in suggest(search_env, "H01")
    assert f"A23F · {ipc_title('A23F')}" in suggest(search_env, "A23")


def real_subclasses() -> set[str]:
    with open(PATENTS, encoding="utf-8") as fh:
        return {c for r in csv.DictReader(fh) for c in r["ipc_subclasses"].split("|") if len(c) == 4}


def test_every_ipc_code_of_the_real_patents_has_a_title():
    codes = real_subclasses()
    assert len(codes) > 400
    missing = [c for c in codes if "·" not in reference.ipc_label(c)]
    assert not missing
    assert reference.ipc_label("G06V").startswith("G06V · IMAGE OR VIDEO RECOGNITION")
    assert reference.ipc_label("H10K") == "H10K · ELECTRICITY（H）"  # newer than the bundled scheme: its section


# ---- more like this ------------------------------------------------------------------------------

def test_more_like_this_is_headed_by_its_reference(search_env):
    source = ids("liquid").pop()
    result = search_env.search(similar_to=f"offer:{source}", q="茶叶", page_size=5)
    assert result["reference"]["id"] == source and result["reference"]["title"] == corpus.by_id(source).title
    assert source not in hit_ids(result)
    assert set(hit_ids(result)) & ids("pack", "balance", "cathode")


# ---- where the time goes ---------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["keyword", "semantic", "hybrid"])
def test_server_timing_names_the_stages(search_env, mode):
    resp = search_env.client.get("/api/search/offers", params={"q": "储能电池 散热", "mode": mode})
    assert resp.status_code == 200
    stages = dict(part.strip().split(";dur=") for part in resp.headers["server-timing"].split(","))
    expected = {"seg", "engine", "fuse", "facets", "db", "highlight", "render", "total"}
    if mode != "keyword":
        expected.add("embed")
    assert expected <= set(stages), stages
    durations = {k: float(v) for k, v in stages.items()}
    assert all(v >= 0 for v in durations.values())
    assert durations["total"] >= max(durations["db"], durations["render"], durations["fuse"])
    assert resp.json()["timings"]["engine"] == pytest.approx(durations["engine"], abs=0.01)


def test_page_and_browse_have_server_timing(search_env):
    page = search_env.client.get("/search", params={"q": "储能"})
    assert "render;dur=" in page.headers["server-timing"]
    browse = search_env.client.get("/api/search/offers", params={"tx_mode": "transfer"})
    assert "engine;dur=" in browse.headers["server-timing"]



def spellings(application: str) -> list[str]:
    """How people type an application number CN202112345678.9: with or without CN, as ZL, without the
    dot, without the check digit."""
    digits, check = application[2:].split(".")
    return [application, application[2:], f"ZL {application[2:]}", f"{digits}{check}", digits, application.lower()]


@pytest.mark.parametrize("mode", ["keyword", "semantic", "hybrid"])
def test_a_patent_number_finds_the_offer_of_that_patent_in_every_mode(search_env, mode):
    oxygen = next(o for o in corpus.OFFERS if o.key == "oxygen")
    for q in [*spellings(oxygen.extra["application"]), "CN117151122A", "CN117151122B", "cn 117151122"]:
        result = search_env.search(q=q, mode=mode, page_size=50)
        assert hit_ids(result) == [oxygen.id] and result["total"] == 1, (q, result["tokens"])
        assert not result["no_close_match"]
    # among words, a number still ranks its offer first
    result = search_env.search(q=f"增氧 {oxygen.extra['application']}", mode=mode, page_size=50)
    assert hit_ids(result)[0] == oxygen.id


def test_a_number_of_an_unpublished_offer_finds_nothing_for_the_public(search_env):
    for key in ("draft", "withdrawn"):
        spec = next(o for o in corpus.OFFERS if o.key == key)
        result = search_env.search(q=spec.extra["application"], mode="hybrid")
        assert result["total"] == 0 and result["hits"] == []


@pytest.mark.parametrize("q", ["😀", "(((()", "？！。、", "  ~~~ "])
@pytest.mark.parametrize("mode", ["keyword", "semantic", "hybrid"])
def test_a_query_of_punctuation_or_emoji_searches_nothing(search_env, q, mode):
    result = search_env.search(q=q, mode=mode)
    assert result["unsearchable"] and result["total"] == 0 and result["hits"] == []


def test_the_search_page_says_a_punctuation_query_has_nothing_to_search(search_env):
    page = search_env.client.get("/search", params={"q": "😀😀"})
    assert page.status_code == 200
    assert 'data-testid="unsearchable"' in page.text and 'data-testid="hit"' not in page.text
