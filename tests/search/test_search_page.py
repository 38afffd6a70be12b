"""The Chinese search page in a real browser: query, highlighted results, facet sidebar, autocomplete."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import expect

from ipplatform.search.backends.embedded import EmbeddedBackend
from tests import factories as f
from tests.search import corpus
from tests.search.conftest import corpus_app


@pytest.fixture
def search_app(_sqlite_template, tmp_path, embedder):
    backend = EmbeddedBackend(tmp_path / "s.sqlite3")
    with corpus_app(backend, _sqlite_template, tmp_path, embedder) as (app, _, _):
        yield app


def test_search_page_over_http(search_app):
    with TestClient(search_app) as client:
        html = client.get("/search", params={"q": "储能", "mode": "keyword"}).text
        assert "<em>储能</em>" in html and "共 2 条结果" in html
        assert 'data-facet="mode:transfer"' in html
        bad = client.get("/search", params={"q": "储能", "ipc": "Z9"})
        assert bad.status_code == 200 and "不是有效的 IPC 分类前缀" in bad.text
        similar = client.get("/search", params={"similar_to": f"offer:{corpus.ids('liquid').pop()}"})
        assert similar.status_code == 200 and "共 0 条结果" not in similar.text


def test_search_page_in_browser(search_app, page, serve):
    with serve(search_app) as base:
        page.goto(base + "/")
        page.get_by_placeholder("用自己的话描述需求").fill("茶叶杀青")
        page.get_by_role("button", name="检索").click()
        expect(page.get_by_test_id("result-count")).to_contain_text("条结果")
        first = page.get_by_test_id("hit").first
        expect(first.locator("em").first).to_be_visible()
        count_before = page.get_by_test_id("hit").count()
        # Narrow by a facet: 商城县 in the county facet.
        page.locator('[data-facet="county:411524"]').click()
        expect(page.locator('[data-facet="county:411524"]')).to_contain_text("✓")
        assert 0 < page.get_by_test_id("hit").count() <= count_before
        for text in page.get_by_test_id("hit").locator(".meta").all_inner_texts():
            assert "商城县" in text
        # Autocomplete offers completions while typing.
        page.get_by_test_id("q").fill("锂电")
        expect(page.locator("#suggestions option[value^='锂电池']").first).to_be_attached()
        values = page.locator("#suggestions option").evaluate_all("os => os.map(o => o.value)")
        assert values and all(v.startswith("锂电") and v != "锂电" for v in values)


def test_more_like_this_page_is_headed_by_its_reference(search_app):
    with TestClient(search_app) as client:
        html = client.get("/search", params={"q": "储能", "mode": "keyword"}).text
        source = corpus.ids("liquid").pop()
        link = f'href="/search?type=offers&amp;similar_to=offer%3A{source}"'
        assert link in html  # the old query is not carried into "more like this"
        page = client.get("/search", params={"type": "offers", "similar_to": f"offer:{source}"})
        assert page.status_code == 200
        text = page.text
        assert "与参照供给相似的专利供给" in text and 'data-testid="reference"' in text
        assert text.index('data-testid="reference"') < text.index('data-testid="hit"')
        assert corpus.by_id(source).title in text and 'name="q" value=""' in text
        assert "检索专利供给" not in text


def test_filter_only_listing_pages_both_ways(search_app):
    with TestClient(search_app) as client:
        first = client.get("/search", params={"tx_mode": "transfer", "page_size": 3}).text
        assert 'data-testid="next-page"' in first and 'data-testid="prev-page"' not in first
        second = client.get("/search", params={"tx_mode": "transfer", "page_size": 3, "page": 2}).text
        assert 'data-testid="prev-page"' in second and "page=1" in second.split('data-testid="prev-page"')[0][-200:]
        assert "第 2 /" in second


def test_no_close_match_is_said_on_the_page(search_app):
    with TestClient(search_app) as client:
        html = client.get("/search", params={"q": "xyzzy plugh qwertyuiop", "mode": "semantic"}).text
        assert 'data-testid="no-close-match"' in html and "没有语义相近的结果" in html
        assert 'data-testid="hit"' not in html


def test_more_like_this_in_browser(search_app, page, serve):
    with serve(search_app) as base:
        page.goto(base + "/search?q=" + "锂电池")
        page.get_by_test_id("similar").first.click()
        expect(page.get_by_test_id("reference")).to_be_visible()
        expect(page.locator("h1")).to_have_text("与参照供给相似的专利供给")
        expect(page.get_by_test_id("q")).to_have_value("")
        assert page.get_by_test_id("hit").count() > 0


def test_switching_to_demands_drops_the_offers_patent_filters(_sqlite_template, tmp_path, embedder):
    """A patent-type or legal-status facet ticked on offers stays in the form as a hidden field; switching the
    type to 技术需求 must not carry it over (demands have no patents, so it would hide them all, with no facet
    left to untick)."""
    def setup(db, orgs):
        f.demand(db, next(iter(orgs.values())), title="求购茶叶自动杀青技术", description="茶叶加工厂需要自动杀青设备")

    backend = EmbeddedBackend(tmp_path / "s.sqlite3")
    with corpus_app(backend, _sqlite_template, tmp_path, embedder, setup) as (app, _, _), TestClient(app) as client:
        plain = client.get("/search", params={"type": "demands", "mode": "keyword", "q": "茶叶 杀青"}).text
        carried = client.get("/search", params={"type": "demands", "mode": "keyword", "q": "茶叶 杀青",
                                                "patent_kind": "invention_granted", "legal_status": "valid"}).text
        total = plain.split("共 ")[1].split(" 条")[0]
        assert total != "0" and f"共 {total} 条结果" in carried
        assert 'name="patent_kind"' not in carried and 'name="legal_status"' not in carried
        offers = client.get("/search", params={"mode": "keyword", "q": "茶", "patent_kind": "invention_granted"}).text
        assert '<input type="hidden" name="patent_kind" value="invention_granted">' in offers


def test_mode_and_sort_choices_are_the_request_enums_labelled(search_app):
    """Every mode and sort the API accepts is offered, labelled as the refusal messages label it,
    the chosen one kept selected; the default mode (智能) comes first."""
    from ipplatform.search.query import SearchMode, SortOrder
    import re
    with TestClient(search_app) as client:
        html = client.get("/search", params={"q": "储能", "mode": "semantic", "sort": "newest"}).text
    for name, enum, chosen in (("mode", SearchMode, "semantic"), ("sort", SortOrder, "newest")):
        select = re.search(rf'<select name="{name}">(.*?)</select>', html, re.S).group(1)
        options = re.findall(r'<option value="([^"]+)" ?(selected)?>([^<]+)</option>', select)
        assert {(v, label) for v, _, label in options} == set(enum.choices())
        assert [v for v, sel, _ in options if sel] == [chosen]
    assert re.search(r'<select name="mode">\s*<option value="hybrid"', html)


def test_a_search_page_past_the_last_links_the_last(search_app):
    with TestClient(search_app) as client:
        html = client.get("/search", params={"q": "储能", "mode": "keyword", "page": 7}).text
    assert 'data-testid="page-beyond"' in html and "没有第 7 页" in html
    assert 'data-testid="prev-page"' not in html and "page=1" in html
