"""A visitor searching the demo site (issue 13): the same total on every page, a filter that narrows,
"no close match" for nonsense, whole-word completions, more like this headed by its reference offer,
and a listing that pages back as well as forward."""

import re

from playwright.sync_api import expect


def count(page) -> int:
    return int(re.search(r"共 (\d+) 条", page.get_by_test_id("result-count").inner_text()).group(1))


def test_visitor_searches_narrows_and_pages(demo_site, page, visit, shoot):
    visit(demo_site.url + "/search?q=锂电池 储能&page_size=5")
    total = count(page)
    assert total > 5
    page.get_by_test_id("next-page").click()
    expect(page.get_by_test_id("prev-page")).to_be_visible()
    assert count(page) == total  # one total whatever the page
    facet = page.locator('[data-facet^="county:"]').first
    narrowed_to = int(facet.locator("xpath=following-sibling::small").inner_text())
    facet.click()
    assert count(page) <= narrowed_to
    shoot("search-narrowed")


def test_nonsense_says_no_close_match(demo_site, page, visit):
    visit(demo_site.url + "/search?q=xyzzy plugh qwertyuiop&mode=semantic")
    expect(page.get_by_test_id("no-close-match")).to_contain_text("没有语义相近的结果")
    expect(page.get_by_test_id("hit")).to_have_count(0)


def test_more_like_this_and_completions(demo_site, page, visit, shoot):
    visit(demo_site.url + "/search?q=茶叶")
    title = page.get_by_test_id("hit").first.locator("h2 a").inner_text()
    page.get_by_test_id("hit").first.get_by_test_id("similar").click()
    expect(page.locator("h1")).to_have_text("与参照供给相似的专利供给")
    expect(page.get_by_test_id("reference")).to_contain_text(title)
    expect(page.get_by_test_id("q")).to_have_value("")
    shoot("search-similar")
    page.get_by_test_id("q").fill("茶叶")
    expect(page.locator("#suggestions option").first).to_be_attached()
    values = page.locator("#suggestions option").evaluate_all("os => os.map(o => o.value)")
    assert values and all(v.startswith("茶叶") and v != "茶叶" for v in values)


def test_browse_pages_back(demo_site, page, visit):
    visit(demo_site.url + "/search?tx_mode=transfer&page_size=5&page=2")
    expect(page.get_by_test_id("prev-page")).to_be_visible()
    page.get_by_test_id("prev-page").click()
    expect(page.get_by_test_id("prev-page")).to_have_count(0)
    expect(page.get_by_test_id("next-page")).to_be_visible()
