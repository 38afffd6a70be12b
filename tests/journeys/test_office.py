"""Office staff (``office``) do their whole job through the pages: review a credit flag with its evidence and
decide, keep the dishonest list, register and verify an organisation, and read the statistics with filters
down to the records behind a number."""

from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from ipplatform.common.validators import credit_code_check_char
from ipplatform.credit.models import CreditFlag, DishonestEntity
from ipplatform.organisations.models import Organisation
from ipplatform.common.timefmt import beijing_today

MICROSECONDS = re.compile(r"\d{2}:\d{2}:\d{2}\.\d+")


def code(first17: str) -> str:
    """A valid unified social credit code (GB 32100 check character) for the forms."""
    return first17 + credit_code_check_char(first17)


def test_office_reviews_a_flag_with_its_evidence(demo_site, page, sign_in, visit, shoot):
    sign_in("office")
    visit(demo_site.url + "/office")
    expect(page.get_by_test_id("office-cards")).to_contain_text("信用预警核查")
    expect(page.get_by_test_id("card-imports")).to_have_attribute("href", "/imports")
    shoot("office-home")
    page.get_by_test_id("card-flags").click()
    expect(page.get_by_test_id("tab-open")).to_have_class(re.compile("active"))
    first = page.locator("article.flag").first
    expect(first.get_by_test_id("evidence")).to_be_visible()
    expect(first.get_by_test_id("flag-deal")).to_contain_text("交易")
    shoot("flags-open")
    flag_id = int(first.get_attribute("data-testid").split("-")[1])
    form = page.get_by_test_id(f"review-form-{flag_id}")
    form.get_by_label("排除（不属实或已说明）").check()
    form.get_by_role("button", name="提交核查结论").click()  # dismissing needs the reasons
    note_error = page.get_by_test_id(f"flag-{flag_id}").get_by_test_id("note-error")
    expect(note_error).to_contain_text("核查说明")
    expect(page.get_by_test_id(f"review-form-{flag_id}").get_by_label("排除（不属实或已说明）")).to_be_checked()  # kept
    shoot("flag-dismiss-needs-note")
    form = page.get_by_test_id(f"review-form-{flag_id}")
    form.get_by_label("确认预警（属实）").check()
    form.get_by_label("核查说明（排除时必填）").fill("经核对合同与登记信息，情况属实。")
    form.get_by_role("button", name="提交核查结论").click()
    expect(page.get_by_test_id("done")).to_contain_text(f"#{flag_id} 的核查结论已保存：已确认")
    assert "/office/flags" in page.url
    visit(demo_site.url + "/office/flags?status=confirmed")
    confirmed = page.get_by_test_id(f"flag-{flag_id}")
    expect(confirmed.get_by_test_id("review")).to_contain_text("经核对合同与登记信息")
    expect(confirmed.get_by_test_id("review")).to_contain_text("知识产权局工作人员（演示）")
    assert not MICROSECONDS.search(confirmed.inner_text())
    shoot("flag-confirmed")
    with demo_site.factory() as db:
        flag = db.get(CreditFlag, flag_id)
        assert flag.status == "confirmed" and flag.review_note.startswith("经核对") and flag.reviewed_at is not None


def test_office_keeps_the_dishonest_list(demo_site, page, sign_in, visit, shoot):
    sign_in("office")
    visit(demo_site.url + "/office/dishonest")
    good = code("91411500MA9DEM701")
    form = page.get_by_test_id("dishonest-form")
    form.get_by_label("统一社会信用代码").fill(good[:-1] + ("0" if good[-1] != "0" else "1"))  # wrong check character
    form.get_by_label("主体名称").fill("信阳市失信示例商贸有限公司（演示）")
    form.get_by_label("列入来源（决定机关/文号）").fill("信用中国（河南信阳）失信惩戒决定 2026-017 号")
    form.get_by_role("button", name="列入名单").click()
    expect(page.locator("[data-field=credit_code]")).to_contain_text("统一社会信用代码：")
    expect(page.get_by_test_id("dishonest-form").get_by_label("主体名称")).to_have_value("信阳市失信示例商贸有限公司（演示）")
    shoot("dishonest-invalid-code")
    form = page.get_by_test_id("dishonest-form")
    form.get_by_label("统一社会信用代码").fill(good)
    listed = beijing_today() - timedelta(days=30)
    form.get_by_label("列入日期", exact=True).fill(listed.isoformat())
    form.get_by_role("button", name="列入名单").click()
    expect(page.get_by_test_id("done")).to_contain_text("已列入失信名单")
    row = page.get_by_test_id("dishonest-list").locator("tr", has_text=good)
    expect(row).to_contain_text("生效中")
    expect(row).to_contain_text("信用中国（河南信阳）")
    shoot("dishonest-added")
    yesterday = beijing_today() - timedelta(days=1)
    row.get_by_label("列入截止日期").fill(yesterday.isoformat())
    row.get_by_role("button", name="设为截止").click()
    expect(page.get_by_test_id("done")).to_contain_text("已设置列入截止日期")
    expect(page.get_by_test_id("dishonest-list").locator("tr", has_text=good)).to_contain_text("已截止")
    visit(demo_site.url + "/office/dishonest?state=active")
    expect(page.get_by_test_id("dishonest-list")).not_to_contain_text(good)
    shoot("dishonest-expired")
    with demo_site.factory() as db:
        entry = db.scalar(select(DishonestEntity).where(DishonestEntity.credit_code == good))
        assert entry.listed_to == yesterday and entry.listed_from == listed


def test_office_registers_and_verifies_an_organisation(demo_site, page, sign_in, visit, shoot):
    sign_in("office")
    visit(demo_site.url + "/office/organisations")
    page.get_by_test_id("org-new").click()
    form = page.get_by_test_id("org-form")
    credit_code = code("91411526MA9DEM702")
    form.get_by_label("机构类型").select_option(label="企业")
    form.get_by_label("统一社会信用代码（18 位）").fill(credit_code)
    form.get_by_label("机构名称").fill("潢川县示例农业科技有限公司（演示）")
    form.get_by_label("所在县区（信阳市）").select_option(label="潢川县")
    form.get_by_label("所属行业（国民经济行业分类 GB/T 4754-2017）").select_option("01")
    form.get_by_label("托管/代理机构（代为发布和管理专利的运营机构）").select_option(label="豫南知识产权运营中心（演示）")
    form.get_by_label("联系电话").fill("abc")  # not a phone number
    form.get_by_role("button", name="登记").click()
    expect(page.locator("[data-field=contact_phone]")).to_contain_text("联系电话：")
    expect(page.get_by_test_id("org-form").get_by_label("机构名称")).to_have_value("潢川县示例农业科技有限公司（演示）")
    shoot("org-invalid-phone")
    page.get_by_test_id("org-form").get_by_label("联系电话").fill("0376-6221234")
    page.get_by_test_id("org-form").get_by_role("button", name="登记").click()
    expect(page.get_by_test_id("done")).to_contain_text("机构已登记")
    row = page.get_by_test_id("org-list").locator("tr", has_text=credit_code)
    expect(row).to_contain_text("待认证")
    expect(row).to_contain_text("豫南知识产权运营中心（演示）")
    expect(row).to_contain_text("农业")
    row.get_by_role("button", name="认证").click()
    expect(page.get_by_test_id("done")).to_contain_text("机构已认证")
    row = page.get_by_test_id("org-list").locator("tr", has_text=credit_code)
    expect(row).to_contain_text("已认证")
    shoot("org-verified")
    row.get_by_role("link", name="编辑").click()
    form = page.get_by_test_id("org-form")
    expect(form.get_by_label("机构名称")).to_have_value("潢川县示例农业科技有限公司（演示）")
    form.get_by_label("地址").fill("信阳市潢川县产业集聚区")
    form.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("done")).to_contain_text("机构信息已保存")
    shoot("org-saved")
    with demo_site.factory() as db:
        org = db.scalar(select(Organisation).where(Organisation.credit_code == credit_code))
        assert org.verified and org.county_code == "411526" and org.address == "信阳市潢川县产业集聚区"
        assert org.custodian_org_id is not None and org.industry_code == "01"


def test_office_reads_the_statistics_down_to_the_records(demo_site, page, sign_in, visit, shoot):
    sign_in("office")
    visit(demo_site.url + "/stats")
    page.wait_for_function("document.querySelectorAll('.chart[data-rendered=\"1\"] canvas').length >= 3")
    funnel = [int(page.get_by_test_id(f"funnel-{k}").inner_text())
              for k in ("published", "matched", "contacted", "negotiating", "agreed", "deal")]
    assert funnel[0] > 0 and all(a >= b for a, b in zip(funnel, funnel[1:])), funnel
    for kpi in ("deals_count", "offers_published", "matches_generated"):
        assert re.fullmatch(r"\d+ \S+", page.locator(f'[data-indicator="{kpi}"]').inner_text().strip()), kpi
    assert re.fullmatch(r"[\d,]+\.\d\d 万元", page.locator('[data-indicator="deals_amount"]').inner_text().strip())
    shoot("stats")
    filters = page.get_by_test_id("stats-filters")
    assert filters.get_by_label("行业门类").locator("option").count() == 21  # every GB/T 4754 section + 全部
    filters.get_by_label("机构类型").select_option(label="高校")
    filters.get_by_role("button", name="统计").click()
    expect(page).to_have_url(re.compile("org_kind=university"))
    expect(filters.get_by_label("机构类型")).to_have_value("university")
    shoot("stats-universities")
    page.get_by_test_id("funnel-matched").click()
    expect(page.locator("h1")).to_contain_text("获得匹配")
    records = page.get_by_test_id("records")
    expect(records.locator("tr").nth(1)).to_be_visible()
    assert not MICROSECONDS.search(records.inner_text())
    shoot("funnel-records")
    title = records.locator("tr").nth(1).locator("td").nth(1)
    offer_title = title.inner_text()
    title.get_by_role("link").click()
    expect(page.locator("h1")).to_contain_text(offer_title[:10])
    visit(demo_site.url + "/stats/records/deals_amount")
    expect(page.get_by_test_id("records")).to_contain_text("金额（万元）")
    assert not MICROSECONDS.search(page.get_by_test_id("records").inner_text())
    shoot("deal-records")
    visit(demo_site.url + "/stats?start=1990-01-01&end=1990-12-31")  # a period without anything
    expect(page.get_by_test_id("empty-funnel")).to_contain_text("暂无数据")
    expect(page.get_by_test_id("empty-county")).to_contain_text("暂无数据")
    assert page.locator(".chart").count() == 0
    shoot("stats-empty")
