"""The operations agency (demo user ``agency``), through the pages only: publishes an offer for
大别山农林学院（演示）, the college whose custodian it is, choosing it as the owner and one of its patents in
the picker; reviews the college's patents; edits the college's demand with the industry and region pickers
(a refused first try shows labelled, marked fields)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.journeys.conftest import assert_clean

# Two cores shared with the indexer and the matching it triggers after each change: a page answers in seconds,
# not milliseconds. A generous wait for each expected state, not a timed assertion.
expect.set_options(timeout=15_000)

COLLEGE = "大别山农林学院（演示）"


def test_agency_offers_for_the_college_and_edits_its_demand(demo_site, page, sign_in, visit, shoot):
    base = demo_site.url
    sign_in("agency")

    # The college's patents, reached from the agency's own patent page.
    visit(base + "/patents")
    page.get_by_test_id("patent-owners").get_by_role("link", name=COLLEGE).click()
    expect(page.get_by_test_id("patent-owner")).to_contain_text(COLLEGE)
    expect(page.get_by_test_id("patent-row").first).to_be_visible()
    assert_clean(page)
    shoot("college-patents")

    # A new offer: the owner is the college; the picker switches to the college's valid patents.
    visit(base + "/offers/new")
    expect(page.get_by_test_id("patent-candidates")).not_to_contain_text("油茶")  # the agency holds none itself
    owner = page.get_by_label("权利人")
    owner.select_option(label=f"{COLLEGE}（托管代理）")
    expect(page.locator("[data-owner-name]")).to_have_text(COLLEGE)
    expect(page.locator("[data-picker-status]")).to_contain_text("件有效专利")
    candidate = page.get_by_test_id("patent-candidates").locator("label").first
    expect(candidate).to_be_visible()
    chosen = candidate.inner_text().strip()
    number = chosen.split()[0]
    candidate.locator("input").check()
    expect(page.get_by_test_id("picked-patents")).to_contain_text(number)
    expect(page.get_by_test_id("patent-register")).to_have_attribute("href", f"/patents/new?owner_org_id={owner.input_value()}")
    assert_clean(page)
    shoot("offer-form-college")
    page.get_by_label("题名（2–200 字）").fill("大别山农林学院专利许可（运营中心代理）")
    page.get_by_label("普通许可").check()
    page.get_by_role("button", name="立即发布").click()
    expect(page.get_by_test_id("status")).to_contain_text("已发布")
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text(f"权利人{COLLEGE}")
    expect(facts).to_contain_text("豫南知识产权运营中心（演示）")  # the publisher, acting as custodian
    expect(page.locator("table.list").first).to_contain_text(number)
    assert_clean(page)
    shoot("offer-published")

    # The college's demand is among the agency's own listings; edit it.
    visit(base + "/demands?mine=1")
    page.get_by_role("link", name="油茶良种繁育与丰产栽培").click()
    page.get_by_test_id("edit").click()
    expect(page.locator("h1")).to_have_text("修改技术需求")
    page.get_by_label("所属行业").select_option("01")
    detail = page.get_by_label("细分行业")
    expect(detail.locator("option", has_text=re.compile(r"^011 谷物种植$"))).to_have_count(1)  # a group of 01
    detail.select_option(label="011 谷物种植")
    page.get_by_label("预算下限（万元）").fill("30")
    page.get_by_label("预算上限（万元）").fill("10")
    page.get_by_label("所在地区").select_option(label="光山县")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("form-errors")).to_contain_text("预算上限低于下限")
    expect(page.locator("#f-budget_max")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("细分行业")).to_have_value("011")  # the pickers keep what was chosen
    expect(page.get_by_label("所在地区")).to_have_value("411522")
    assert_clean(page)
    shoot("demand-refused")
    page.get_by_label("预算上限（万元）").fill("60")
    page.get_by_test_id("save").click()
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text("011 谷物种植")
    expect(facts).to_contain_text("光山县")
    expect(facts).to_contain_text("30 万元 – 60 万元")
    assert_clean(page)
    shoot("demand-edited")
