"""One conformance suite, run against every backend (embedded and the real Elasticsearch node) with the
real embedding model. Expected answers come from tests/search/corpus.py."""

from __future__ import annotations

from collections import Counter

import pytest

from ipplatform.common.enums import ListingStatus
from tests.search import corpus
from tests.reference_oracle import counties, in_section, inside, ipc_title, section_divisions
from tests.search.corpus import ids


def hit_ids(result) -> list[int]:
    return [h["id"] for h in result["hits"]]


# ---- keyword: Chinese segmentation --------------------------------------------------------------

@pytest.mark.parametrize("q, must_include", [
    ("储能", {"liquid", "balance"}),
    ("电池", {"liquid", "balance", "pack", "cathode"}),
    ("茶叶", {"kill", "wash"}),
    ("茶园", {"garden5g"}),
    ("羽绒", {"down"}),
])
def test_two_character_queries_hit(search_env, q, must_include):
    result = search_env.search(q=q, mode="keyword", page_size=50)
    assert ids(*must_include) <= set(hit_ids(result))
    assert result["total"] == len(result["hits"])
    # Drafts and withdrawn offers never show to the public, even when their titles match.
    assert not ids("draft", "withdrawn") & set(hit_ids(result))


def test_keyword_results_all_contain_a_query_word(search_env):
    result = search_env.search(q="锂电池 储能", mode="keyword", page_size=50)
    for hit in result["hits"]:
        spec = corpus.by_id(hit["id"])
        assert any(w in spec.title + (spec.description or "") for w in ("锂电", "电池", "储能"))
    assert hit_ids(result)[0] == corpus.ids("liquid").pop()  # matches 锂电池 and 储能 both


def test_mixed_chinese_english(search_env):
    assert ids("led") <= set(hit_ids(search_env.search(q="LED照明", mode="keyword")))
    assert ids("led") <= set(hit_ids(search_env.search(q="led", mode="keyword")))
    assert ids("garden5g") <= set(hit_ids(search_env.search(q="5G 茶园监测", mode="keyword")))


@pytest.mark.parametrize("q", ["C++", "A23F-3/06", "NOT", "AND OR", '"unclosed', "(", ")", "*", "电池*", "\\",
                               "title_seg:储能", "{}[]^~", "'; DROP TABLE offer; --", "储能 -电池", "NEAR(a b)"])
def test_special_characters_are_literal(search_env, q):
    for mode in ("keyword", "hybrid"):
        resp = search_env.client.get("/api/search/offers", params={"q": q, "mode": mode})
        assert resp.status_code == 200, (q, mode, resp.text)
    assert ids("special") <= set(hit_ids(search_env.search(q="C++ 控制软件", mode="keyword")))


def test_highlight_marks_words_and_escapes_html(search_env):
    result = search_env.search(q="储能", mode="keyword")
    top = next(h for h in result["hits"] if h["id"] in ids("liquid"))
    assert "<em>储能</em>" in top["title_html"]
    special = search_env.search(q="复合材料", mode="keyword")
    hit = next(h for h in special["hits"] if h["id"] in ids("special"))
    assert "&lt;" in hit["title_html"] and "<复合>" not in hit["title_html"]


# ---- semantic and hybrid ---------------------------------------------------------------------

@pytest.mark.parametrize("q, expected", [
    ("鱼缺氧浮头怎么办", "oxygen"),            # no word in common with 池塘养殖用增氧装置
    ("下雨后收的湿粮食容易发霉", "dryer"),      # everyday words for a grain dryer
])
def test_semantic_finds_meaning_without_shared_words(search_env, q, expected):
    assert search_env.search(q=q, mode="keyword")["total"] == 0 or ids(expected).isdisjoint(
        hit_ids(search_env.search(q=q, mode="keyword"))[:1])
    semantic = search_env.search(q=q, mode="semantic", page_size=3)
    assert ids(expected) <= set(hit_ids(semantic))


def test_hybrid_fuses_both_legs(search_env):
    keyword = hit_ids(search_env.search(q="茶叶加工设备", mode="keyword", page_size=50))
    semantic = hit_ids(search_env.search(q="茶叶加工设备", mode="semantic", page_size=50))
    hybrid = search_env.search(q="茶叶加工设备", mode="hybrid", page_size=50)
    assert set(hit_ids(hybrid)) == set(keyword) | set(semantic)
    # Reciprocal rank fusion: an offer both legs rank first comes first.
    both = [i for i in keyword[:3] if i in semantic[:3]]
    assert both, "the corpus has tea-processing offers both legs rank near the top"
    assert hit_ids(hybrid)[0] in both
    scores = [h["score"] for h in hybrid["hits"]]
    assert scores == sorted(scores, reverse=True)


def test_semantic_results_are_scored_by_similarity(search_env):
    result = search_env.search(q="锂电池热管理", mode="semantic", page_size=10)
    scores = [h["score"] for h in result["hits"]]
    assert scores == sorted(scores, reverse=True) and -1.0 <= scores[-1] <= scores[0] <= 1.0 + 1e-6
    assert hit_ids(result)[0] in ids("liquid", "pack")


# ---- filters, facets, sorting, paging ------------------------------------------------------------

def expected_ids(pred) -> set[int]:
    return {o.id for o in corpus.PUBLISHED if pred(o)}


FILTER_CASES = [
    ({"ipc": "H01M"}, lambda o: any(c.startswith("H01M") for c in o.ipc)),
    ({"ipc": "A23"}, lambda o: any(c.startswith("A23") for c in o.ipc)),
    ({"ipc": "A23F 3/06"}, lambda o: "A23F 3/06" in o.ipc),
    ({"industry": "C"}, lambda o: in_section(corpus.ORGS[o.org][2], "C")),  # manufacturing: divisions 13–43
    ({"industry": "1530"}, lambda o: corpus.ORGS[o.org][2] == "1530"),
    # region membership by the NBS 2023 division table's parent columns
    ({"region": "411524"}, lambda o: inside(corpus.ORGS[o.org][1], "411524")),
    ({"region": "411500"}, lambda o: inside(corpus.ORGS[o.org][1], "411500")),
    ({"region": "410000"}, lambda o: inside(corpus.ORGS[o.org][1], "410000")),
    ({"region": "411000"}, lambda o: inside(corpus.ORGS[o.org][1], "411000")),  # 许昌市: none of Xinyang's
    ({"org_kind": "university"}, lambda o: corpus.ORGS[o.org][0].value == "university"),
    ({"patent_kind": "utility_model"}, lambda o: o.kind.value == "utility_model"),
    ({"legal_status": "pending"}, lambda o: o.legal_status.value == "pending"),
    ({"tx_mode": "pledge"}, lambda o: "pledge" in o.modes),
    ({"tx_mode": ["pledge", "equity"]}, lambda o: {"pledge", "equity"} & set(o.modes)),
    ({"price_min": "100000", "price_max": "900000"}, lambda o: o.price is not None and 100_000 <= o.price <= 900_000),
    ({"ipc": "H01M", "region": "411500", "tx_mode": "transfer"},
     lambda o: any(c.startswith("H01M") for c in o.ipc) and inside(corpus.ORGS[o.org][1], "411500")
     and "transfer" in o.modes),
]


@pytest.mark.parametrize("params, pred", FILTER_CASES, ids=[str(p) for p, _ in FILTER_CASES])
def test_filters_only_browse(search_env, params, pred):
    result = search_env.search(**params, page_size=50)
    assert set(hit_ids(result)) == expected_ids(pred)
    assert result["total"] == len(expected_ids(pred))


def test_section_oracle_is_the_standard():
    # GB/T 4754-2017: section C (manufacturing) is divisions 13–43; the oracle reads the same table.
    assert section_divisions()["C"] == {str(d) for d in range(13, 44)}


@pytest.mark.parametrize("params, pred", FILTER_CASES[:6], ids=[str(p) for p, _ in FILTER_CASES[:6]])
def test_filters_apply_to_ranked_queries(search_env, params, pred):
    allowed = expected_ids(pred)
    # Offers passing the filter whose title holds 电池 or 茶叶 verbatim (装置 is a stopword, matching
    # nothing by design): the keyword leg must find them all, and every case has some.
    literal = expected_ids(lambda o: pred(o) and any(w in o.title for w in ("电池", "茶叶")))
    assert literal
    for mode in ("keyword", "semantic", "hybrid"):
        result = search_env.search(q="电池 茶叶 装置", mode=mode, **params, page_size=50)
        hits = set(hit_ids(result))
        assert hits and hits <= allowed, mode
        if mode != "semantic":
            assert literal <= hits, mode


def test_published_date_filter(search_env):
    from datetime import timedelta

    from ipplatform.common.timefmt import CHINA
    from ipplatform.database import utcnow

    # The filter starts at Beijing midnight of the given day: offer i was published i days ago, so the
    # Beijing day three days back holds offer 3 and not offer 4, whatever the hour the suite runs at.
    since = (utcnow() - timedelta(days=3)).astimezone(CHINA).date().isoformat()
    result = search_env.search(published_from=since, page_size=50)
    assert set(hit_ids(result)) == expected_ids(lambda o: o.days_ago <= 3)


def test_facet_counts_match_the_corpus(search_env):
    result = search_env.search(page_size=1)
    facets = {f: {v["value"]: v["count"] for v in values} for f, values in result["facets"].items()}
    assert facets["mode"] == dict(Counter(m for o in corpus.PUBLISHED for m in o.modes))
    assert facets["county"] == dict(Counter(corpus.ORGS[o.org][1] for o in corpus.PUBLISHED))
    assert facets["patent_kind"] == dict(Counter(o.kind.value for o in corpus.PUBLISHED))
    assert facets["status"] == {"published": len(corpus.PUBLISHED)}
    labels = {v["value"]: v["label"] for v in result["facets"]["county"]}
    assert labels["411524"] == counties()["411524"][0] == "商城县"
    assert {v["label"] for v in result["facets"]["mode"]} >= {"转让", "质押融资"}


def test_facets_follow_the_query(search_env):
    result = search_env.search(q="茶叶", mode="keyword")
    counted = sum(v["count"] for v in result["facets"]["status"])
    assert counted == result["total"]
    kinds = {v["value"]: v["label"] for v in result["facets"]["ipc_subclass"]}
    assert kinds["A23F"] == f"A23F · {ipc_title('A23F')}"


def test_sort_by_date_and_price(search_env):
    newest = search_env.search(sort="newest", page_size=50)
    assert hit_ids(newest) == [o.id for o in sorted(corpus.PUBLISHED, key=lambda o: o.days_ago)]
    cheap = search_env.search(sort="price_asc", page_size=50)
    priced = sorted((o for o in corpus.PUBLISHED if o.price is not None), key=lambda o: (o.price, o.id))
    assert hit_ids(cheap)[: len(priced)] == [o.id for o in priced]
    assert set(hit_ids(cheap)[len(priced):]) == {o.id for o in corpus.PUBLISHED if o.price is None}
    ranked = search_env.search(q="电池", mode="keyword", sort="price_desc")
    prices = [float(h["price"]) for h in ranked["hits"] if h["price"] is not None]
    assert prices == sorted(prices, reverse=True)


def test_pages_do_not_overlap(search_env):
    first = search_env.search(q="装置 系统 方法", mode="hybrid", page_size=4, page=1)
    second = search_env.search(q="装置 系统 方法", mode="hybrid", page_size=4, page=2)
    assert not set(hit_ids(first)) & set(hit_ids(second))
    assert first["total"] == second["total"]


def test_cursor_paging_is_complete_and_stable(search_env):
    # The contract (SearchService._browse): a page carries next_cursor exactly when it is full, so paging
    # ends at the first short page -- an empty one when the total is a multiple of the page size.
    expected = [o.id for o in sorted(corpus.PUBLISHED, key=lambda o: o.days_ago)]
    size = 4
    seen, sizes, cursor = [], [], None
    while True:
        params = {"sort": "newest", "page_size": size}
        if cursor:
            params["cursor"] = cursor
        result = search_env.search(**params)
        seen += hit_ids(result)
        sizes.append(len(result["hits"]))
        cursor = result["next_cursor"]
        assert bool(cursor) == (sizes[-1] == size), sizes
        assert len(sizes) <= len(expected) // size + 1, "paging does not end"
        if not cursor:
            break
    assert seen == expected
    assert sizes == [size] * (len(expected) // size) + [len(expected) % size]


def test_bad_cursor_is_a_clear_error(search_env):
    resp = search_env.client.get("/api/search/offers", params={"cursor": "not-a-cursor"})
    assert resp.status_code == 422 and "游标" in resp.json()["message_zh"]


# ---- more like this, suggestions ---------------------------------------------------------------------

def test_more_like_this_from_an_offer(search_env):
    source = ids("liquid").pop()
    result = search_env.search(similar_to=f"offer:{source}", page_size=3)
    assert source not in hit_ids(result)
    assert set(hit_ids(result)) & ids("pack", "balance", "cathode")


def test_more_like_this_from_a_demand_finds_offers(search_env):
    with search_env.app.state.session_factory.begin() as db:
        from tests import factories as f
        from ipplatform.organisations.models import Organisation

        demand = f.demand(db, db.get(Organisation, search_env.orgs["tea_co"]), title="茶叶加工设备升级改造",
                          description="需要名优绿茶杀青、揉捻的自动化加工设备。")
        demand_id = demand.id
    search_env.drain()
    result = search_env.search(similar_to=f"demand:{demand_id}", page_size=3)
    assert set(hit_ids(result)) & ids("kill", "roll", "wash")


def test_suggestions(search_env):
    resp = search_env.client.get("/api/search/suggest", params={"prefix": "锂电"})
    assert resp.status_code == 200
    assert any(s.startswith("锂电") for s in resp.json())
    ipc = search_env.client.get("/api/search/suggest", params={"prefix": "h01"}).json()
    assert f"H01M · {ipc_title('H01M')}" in ipc  # the code comes with its IPC title
    assert search_env.client.get("/api/search/suggest", params={"prefix": "zzzz"}).json() == []


# ---- bad input -------------------------------------------------------------------------------

@pytest.mark.parametrize("params, field", [
    ({"ipc": "Z99"}, "filters.ipc.0"),
    ({"industry": "9998"}, "filters.industry.0"),
    ({"region": "123"}, "filters.region.0"),
    ({"tx_mode": "lease"}, "filters.mode.0"),
    ({"price_min": "abc"}, "filters.price_min"),
    ({"price_min": "10", "price_max": "5"}, "filters.price_max"),
    ({"mode": "magic"}, "mode"),
    ({"sort": "random"}, "sort"),
    ({"page_size": "500"}, "page_size"),
    ({"q": "电池", "page": "60"}, "page"),
    ({"ipcc": "H01M"}, "ipcc"),
    ({"published_from": "2024-13-01"}, "published_from"),
])
def test_malformed_filters_are_clear_422(search_env, params, field):
    resp = search_env.client.get("/api/search/offers", params=params)
    assert resp.status_code == 422, resp.text
    body = resp.json()
    assert field in {d["field"] for d in body["detail"]} or body["detail"][0]["field"].endswith(field), body
    assert body["message_zh"]


def test_huge_query_rejected(search_env):
    resp = search_env.client.post("/api/search/offers", json={"q": "电池" * 170_000})  # ~1 MB of text
    assert resp.status_code == 422
    assert "查询文本过长" in resp.json()["message_zh"]
    resp = search_env.client.post("/api/search/offers", json={"q": "电池" * 524_288})  # 3 MB: refused unread
    assert resp.status_code == 413 and resp.json()["code"] == "body_too_large"
    resp = search_env.client.get("/api/search/offers", params={"q": "储" * 501})
    assert resp.status_code == 422


def test_post_body_search_and_status_scope(search_env):
    resp = search_env.client.post("/api/search/offers", json={
        "q": "储能", "mode": "keyword", "filters": {"status": ["draft", "withdrawn", "published"]}})
    assert resp.status_code == 200
    assert not ids("draft", "withdrawn") & set(hit_ids(resp.json()))  # anonymous: published only
    assert search_env.client.post("/api/search/offers", json={"filters": {"nope": 1}}).status_code == 422


def test_office_staff_may_search_all_statuses(search_env):
    from tests import factories as f
    from ipplatform.auth.enums import Role
    from ipplatform.organisations.models import Organisation

    with search_env.app.state.session_factory.begin() as db:
        staff = f.user(db, db.get(Organisation, search_env.orgs["univ"]), Role.OFFICE_STAFF)
    resp = search_env.client.get("/api/search/offers", headers=f.auth(staff),
                                 params={"status": ["draft", "withdrawn"], "q": "储能 电池", "mode": "keyword"})
    assert set(hit_ids(resp.json())) == ids("draft", "withdrawn")


def test_status_filter_excludes_unpublished_in_counts(search_env):
    everything = search_env.search(page_size=50)
    assert everything["total"] == len(corpus.PUBLISHED)
    assert all(corpus.by_id(i).status == ListingStatus.PUBLISHED for i in hit_ids(everything))
