"""The enterprise's whole job in the browser (pages only): publish a demand, see its matches, move one through
the pipeline (已联系 → 洽谈中 → 已达成) with feedback, get the deal drafted from the agreed match; the university
sees the match moving on its offer and records the deal with its amount; office staff find it in the statistics
records."""

from __future__ import annotations

from ipplatform.common.timefmt import beijing_today

import re
from datetime import date

from playwright.sync_api import expect

from tests.journeys.conftest import assert_clean

UNIVERSITY = "淮上理工大学"
STAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")


def _university_offer(page, visit, url: str) -> tuple[str, str]:
    """The title and address of a published offer of the university, found on the public offer list."""
    for number in range(1, 8):
        visit(f"{url}/offers?page={number}")
        rows = page.get_by_test_id("offer-list").locator("tbody tr").filter(has_text=UNIVERSITY)
        if rows.count():
            link = rows.first.locator("a").first
            return link.inner_text().strip(), link.get_attribute("href")
    raise AssertionError("no published offer of the university on the offer list")


def _wait_for_matches(page, visit, url: str, demand_title: str):
    """The inbox group of the new demand, once the matcher has run for it (it runs after the demand is indexed)."""
    group = page.get_by_test_id("inbox-group").filter(has_text=demand_title)
    for _ in range(120):
        visit(f"{url}/matches?side=demand")
        if group.count():
            return group.first
        page.wait_for_timeout(500)
    raise AssertionError("the new demand got no matches")


def _step(page, status: str):
    return page.get_by_test_id(f"step-{status}")


def test_enterprise_demand_to_recorded_deal(demo_site, page, sign_in, visit, shoot):
    url = demo_site.url
    sign_in("teaco")
    offer_title, offer_href = _university_offer(page, visit, url)
    offer_id = int(offer_href.rstrip("/").split("/")[-1])

    # 1. Publish a demand for that kind of technology.
    visit(f"{url}/demands/new")
    demand_title = f"寻求{offer_title}"[:60]
    page.locator("input[name=title]").fill(demand_title)
    page.locator("textarea[name=description]").fill(
        f"本企业希望引进“{offer_title}”相关专利技术，用于产品升级和生产线改造，可采用转让或许可方式合作。")
    page.get_by_role("button", name="立即发布").click()
    expect(page.get_by_test_id("status")).to_contain_text("已发布")
    assert_clean(page)
    shoot("demand-published")

    # 2. Its matches arrive in the inbox, grouped under the demand, on a 0–100 scale.
    group = _wait_for_matches(page, visit, url, demand_title)
    shoot("inbox")
    row = group.get_by_test_id("inbox-row").filter(has_text=offer_title).first
    expect(row).to_be_visible()
    fit = int(row.get_by_test_id("fit").inner_text())
    assert 0 <= fit <= 100
    expect(row.get_by_test_id("match-status")).to_have_text("已推荐")
    row.get_by_test_id("open-match").click()
    assert_clean(page)
    match_url = page.url
    expect(page.get_by_test_id("match-offer")).to_have_text(offer_title)
    expect(_step(page, "suggested")).to_contain_text(STAMP)
    expect(_step(page, "contacted")).not_to_contain_text(STAMP)
    shoot("match")

    # 3. Contact: the step gets its time.
    page.get_by_test_id("status-contacted").click()
    expect(page.get_by_test_id("saved")).to_contain_text("已联系")
    expect(_step(page, "contacted")).to_contain_text(STAMP)
    expect(page.get_by_test_id("match-status")).to_have_text("已联系")
    assert_clean(page)

    # 4. Feedback 洽谈合作: confirmed, kept in the form, and the match is now 洽谈中.
    form = page.get_by_test_id("feedback-form")
    form.locator("select[name=prospect_rating]").select_option("4")
    form.get_by_test_id("intent").select_option(label="洽谈合作")
    form.locator("input[name=improvement_needs]").fill("需要中试数据")
    form.get_by_role("button", name="提交反馈").click()
    saved = page.get_by_test_id("saved")
    expect(saved).to_contain_text("合作意向“洽谈合作”")
    expect(saved).to_contain_text("产业化前景 4 分")
    expect(saved).to_contain_text("洽谈中")
    expect(page.get_by_test_id("match-status")).to_have_text("洽谈中")
    expect(_step(page, "negotiating")).to_contain_text(STAMP)
    expect(page.get_by_test_id("feedback-form").get_by_test_id("intent")).to_have_value("negotiate")
    expect(page.get_by_test_id("feedback-history")).to_contain_text("需要中试数据")
    assert_clean(page)
    shoot("negotiating")

    # 5. Agreement (behind a confirmation): the deal is drafted from the match, for the holder to record.
    page.get_by_test_id("ask-agreed").click()
    page.get_by_test_id("status-agreed").click()
    expect(page.get_by_test_id("match-status")).to_have_text("已达成")
    expect(_step(page, "agreed")).to_contain_text(STAMP)
    expect(page.get_by_test_id("saved")).to_contain_text("交易草稿")
    expect(page.get_by_test_id("status-actions")).to_have_count(0)
    assert_clean(page)
    shoot("agreed")
    page.get_by_test_id("match-deal").locator("a").first.click()
    assert_clean(page)
    deal_url = page.url
    expect(page.get_by_test_id("deal-status")).to_contain_text("草稿")
    facts = page.get_by_test_id("deal-facts")
    expect(facts).to_contain_text(UNIVERSITY)
    expect(facts).to_contain_text(offer_title)
    expect(page.get_by_test_id("record-deal")).to_have_count(0)  # the holder's side records it
    shoot("deal-draft")
    visit(f"{url}/deals")
    expect(page.get_by_test_id("deal-list")).to_contain_text("草稿")

    # 6. The university sees the match moving on its offer, and records the deal with its amount.
    page.context.clear_cookies()
    sign_in("univ")
    visit(f"{url}/offers/{offer_id}/matches")
    theirs = page.get_by_test_id("offer-match-row").filter(has_text=demand_title)
    expect(theirs.get_by_test_id("match-status")).to_have_text("已达成")
    shoot("offer-matches")
    visit(f"{url}/matches?side=offer&status=agreed")
    expect(page.get_by_test_id("inbox")).to_contain_text(demand_title)
    visit(match_url)
    expect(_step(page, "negotiating")).to_contain_text(STAMP)
    page.get_by_test_id("record-deal").click()
    assert_clean(page)
    deal_form = page.get_by_test_id("deal-form")
    expect(page.get_by_test_id("deal-holder")).to_contain_text(UNIVERSITY)
    expect(deal_form.locator("input[name=patent_ids]").first).to_be_checked()
    deal_form.get_by_test_id("deal-amount").fill("35.5")
    deal_form.get_by_test_id("deal-contract-date").fill(beijing_today().isoformat())
    shoot("deal-form")
    deal_form.get_by_test_id("deal-record").click()
    expect(page.get_by_test_id("saved")).to_contain_text("交易已登记")
    expect(page.get_by_test_id("deal-status")).to_contain_text("已登记")
    expect(page.get_by_test_id("deal-amount")).to_have_text(re.compile(r"^35\.50? 万元$"))
    assert_clean(page)
    shoot("deal-recorded")
    assert page.url.split("?")[0] == deal_url
    deal_id = deal_url.rstrip("/").split("/")[-1]

    # 7. Office staff find the deal behind the statistics' deal count.
    page.context.clear_cookies()
    sign_in("office")
    visit(f"{url}/stats/records/deals_count")
    records = page.get_by_test_id("records")
    ours = records.locator("tr").filter(has_text=UNIVERSITY).filter(has_text="云雾茶业")
    expect(ours.first).to_be_visible()
    expect(records.locator("tr").nth(1)).to_contain_text(deal_id)  # newest first
    shoot("stats-records")
    visit(f"{url}/deals/{deal_id}")
    expect(page.get_by_test_id("deal-status")).to_contain_text("已登记")
