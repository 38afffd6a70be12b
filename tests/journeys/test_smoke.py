"""The demo site the journeys run on: seeded, searchable and clean for an anonymous visitor."""

from playwright.sync_api import expect


def test_anonymous_visitor_reads_offers_and_searches(demo_site, page, visit, shoot):
    visit(demo_site.url + "/")
    visit(demo_site.url + "/offers")
    expect(page.get_by_test_id("offer-list")).to_contain_text("演示")
    visit(demo_site.url + "/search?q=茶叶")
    shoot("search")
    expect(page.locator("body")).to_contain_text("茶")
