"""The university's technology-transfer office (demo user ``univ``), through the pages only: registers a
patent (after a refused first try), edits it, lists and filters its patents, makes an offer from it with the
patent picker, edits the offer, publishes and withdraws it, and finally marks the patent as lapsed."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from ipplatform.common.validators import application_check_digit
from tests.journeys.conftest import assert_clean

# Two cores shared with the indexer and the matching it triggers after each change: a page answers in seconds,
# not milliseconds. A generous wait for each expected state, not a timed assertion.
expect.set_options(timeout=15_000)

DIGITS = "202310765432"  # a 2023 invention application: year, type digit 1, serial 0765432
NUMBER = f"CN{DIGITS}.{application_check_digit(DIGITS)}"


def test_university_registers_a_patent_and_offers_it(demo_site, page, sign_in, visit, shoot):
    base = demo_site.url
    sign_in("univ")
    expect(page.locator("header nav")).to_contain_text("我的专利")

    # The organisation's patents: all of them, paged, with their legal status.
    visit(base + "/patents")
    expect(page.get_by_test_id("patent-owner")).to_contain_text("淮上理工大学（演示）")
    shoot("patents")
    page.get_by_label("法律状态").select_option("valid")
    page.get_by_role("button", name="筛选").click()
    expect(page.get_by_test_id("patent-row").first).to_be_visible()
    statuses = page.locator("[data-testid=patent-row] td:nth-child(4)").all_inner_texts()
    assert statuses and all(s.strip() == "有效" for s in statuses)

    # Register a patent: a wrong application number is refused with a Chinese message next to the field.
    page.get_by_test_id("patent-new").click()
    expect(page.locator("h1")).to_have_text("登记专利")
    page.get_by_label("申请号").fill("CN2023")
    page.get_by_label("题名").fill("一种信阳毛尖茶智能杀青机")
    page.get_by_label("专利类型").select_option("invention_granted")
    page.get_by_label("法律状态").select_option("valid")
    page.get_by_label("IPC 分类号").fill("A23F 3/06")
    page.get_by_label("申请日").fill("2023-03-01")
    page.get_by_label("授权日").fill("2024-06-18")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("form-errors")).to_contain_text("申请号")
    expect(page.locator("#f-application_number")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("题名")).to_have_value("一种信阳毛尖茶智能杀青机")  # nothing typed is lost
    assert_clean(page)
    shoot("patent-refused")
    page.get_by_label("申请号").fill(NUMBER)
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("patent-saved")).to_contain_text("一种信阳毛尖茶智能杀青机")
    assert_clean(page)

    # Find it by its number and edit its title.
    page.get_by_placeholder("题名、申请号或公开号").fill(NUMBER[2:10])
    page.get_by_label("法律状态").select_option("")
    page.get_by_role("button", name="筛选").click()
    row = page.get_by_test_id("patent-row").filter(has_text=NUMBER)
    expect(row).to_have_count(1)
    row.get_by_test_id("patent-edit").click()
    expect(page.get_by_test_id("application-number")).to_have_text(NUMBER)
    page.get_by_label("题名").fill("一种信阳毛尖茶连续杀青机")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("patent-saved")).to_contain_text("一种信阳毛尖茶连续杀青机")
    shoot("patent-edited")

    # Offer it: the picker starts with this patent ticked; the rest is found by searching.
    visit(base + "/patents?q=" + NUMBER)
    page.get_by_test_id("patent-row").get_by_test_id("patent-offer").click()
    expect(page.get_by_test_id("picked-patents")).to_contain_text("一种信阳毛尖茶连续杀青机")
    assert_clean(page)
    page.get_by_label("查找专利").fill("连续杀青")
    expect(page.locator("[data-picker-status]")).to_contain_text("找到")
    page.get_by_label("题名（2–200 字）").fill("毛尖茶连续杀青技术转让")
    page.get_by_label("技术简介").fill("连续化杀青，温度在线控制，适合名优绿茶生产线。")
    page.get_by_label("转让", exact=True).check()
    page.get_by_label("报价（万元）").fill("")
    page.get_by_test_id("negotiable").uncheck()
    page.get_by_role("button", name="保存草稿").click()
    # Neither a price nor 面议: refused, and the cleared box comes back cleared.
    expect(page.get_by_test_id("form-errors")).to_contain_text("报价")
    expect(page.get_by_test_id("negotiable")).not_to_be_checked()
    expect(page.get_by_test_id("picked-patents")).to_contain_text("一种信阳毛尖茶连续杀青机")
    assert_clean(page)
    shoot("offer-refused")
    page.get_by_label("报价（万元）").fill("35")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.get_by_test_id("status")).to_contain_text("草稿")
    actions = page.get_by_test_id("listing-actions")
    expect(actions.get_by_test_id("publish")).to_be_visible()
    expect(actions.get_by_test_id("edit")).to_be_visible()
    expect(actions.get_by_test_id("withdraw")).to_have_count(0)  # a draft is not withdrawn
    expect(page.locator("body")).to_contain_text(NUMBER)
    assert_clean(page)
    offer_url = page.url

    # Edit the draft offer.
    actions.get_by_test_id("edit").click()
    expect(page.get_by_label("题名（2–200 字）")).to_have_value("毛尖茶连续杀青技术转让")
    expect(page.get_by_label("报价（万元）")).to_have_value("35")
    page.get_by_label("题名（2–200 字）").fill("毛尖茶连续杀青机专利转让")
    page.get_by_label("普通许可").check()
    page.get_by_test_id("save").click()
    expect(page.locator("h1")).to_contain_text("毛尖茶连续杀青机专利转让")
    expect(page.locator("dl.facts")).to_contain_text("普通许可")
    expect(page.locator("dl.facts")).to_contain_text("35 万元")
    shoot("offer-edited")

    # Publish, then withdraw.
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("status")).to_contain_text("已发布")
    expect(page.get_by_test_id("mark-dealt")).to_have_attribute("href", re.compile(r"/deals/new\?offer_id=\d+"))
    page.get_by_test_id("withdraw").click()
    expect(page.get_by_test_id("status")).to_contain_text("已撤回")
    expect(page.get_by_test_id("publish")).to_have_text("重新发布")
    visit(offer_url)
    visit(base + "/offers?mine=1")
    expect(page.get_by_test_id("offer-list")).to_contain_text("毛尖茶连续杀青机专利转让")
    shoot("my-offers")

    # The patent lapses (fees unpaid): marked after a confirmation, no longer offered in the picker.
    visit(base + "/patents?q=" + NUMBER)
    page.get_by_test_id("patent-lapse").click()
    expect(page.get_by_test_id("lapse-confirm")).to_contain_text(NUMBER)
    assert_clean(page)
    page.get_by_test_id("confirm-lapse").click()
    expect(page.get_by_test_id("patent-saved")).to_contain_text("失效")
    visit(base + "/offers/new")
    page.get_by_label("查找专利").fill("连续杀青机")
    expect(page.locator("[data-picker-status]")).to_contain_text("未找到")
    shoot("picker-after-lapse")
