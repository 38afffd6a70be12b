"""Office staff keep the industry glossary (行业术语表) through the pages: find it in the menu, try what
matching makes of a demand, add an entry, see it take effect in the preview, switch it off again.
Enterprise users do not see the menu entry."""

from __future__ import annotations

from playwright.sync_api import expect


def test_office_keeps_the_glossary(demo_site, page, sign_in, visit, shoot):
    sign_in("office")
    visit(demo_site.url + "/")
    page.get_by_role("link", name="行业术语表").first.click()
    expect(page.get_by_test_id("glossary-list")).to_contain_text("种植与农机")  # the first industry's entries
    # more than a page of entries: the office finds one through the keyword filter
    page.get_by_label("关键词").fill("浮头")
    page.get_by_role("button", name="筛选").click()
    expect(page.get_by_test_id("glossary-list").locator("tbody tr")).to_have_count(1)
    expect(page.get_by_test_id("glossary-list")).to_contain_text("增氧")
    shoot("glossary-list")
    page.get_by_label("需求描述").fill("我们是固始一家养殖合作社，鱼塘一到闷热天后半夜就浮头，想找能自动处理的设备，预算10万左右。")
    page.get_by_role("button", name="分析").click()
    preview = page.get_by_test_id("glossary-preview")
    expect(preview).to_contain_text("“浮头”按“增氧、溶解氧、增氧机”检索")
    expect(preview).to_contain_text("预算10万左右")  # set aside as context
    page.get_by_label("需求描述").fill("茶园里的茶树发了红锈病，叶片一片片发红")
    page.get_by_role("button", name="分析").click()
    expect(page.get_by_test_id("glossary-preview")).to_contain_text("未命中术语表")
    shoot("glossary-preview")
    page.get_by_test_id("glossary-add").click()
    form = page.get_by_test_id("glossary-form")
    form.get_by_label("行业").select_option("tea")
    form.get_by_label("常用说法").fill("红锈病、叶子发红")
    form.get_by_label("专业术语").fill("")
    form.get_by_test_id("glossary-submit").click()
    # the browser keeps the form while the required field is empty; fill it and submit
    form.get_by_label("专业术语").fill("茶红锈病、藻斑病、病害防治")
    form.get_by_test_id("glossary-submit").click()
    expect(page.get_by_test_id("done")).to_contain_text("已添加术语条目")
    visit(demo_site.url + "/glossary?text=" + "茶园里的茶树发了红锈病")
    expect(page.get_by_test_id("glossary-preview")).to_contain_text("“红锈病”按“茶红锈病、藻斑病、病害防治”检索")
    shoot("glossary-added")
    visit(demo_site.url + "/glossary?q=红锈病")
    row = page.get_by_test_id("glossary-list").locator("tbody tr").first
    row.get_by_role("link", name="修改").click()
    page.get_by_label("启用（停用的条目不参与匹配）").uncheck()
    page.get_by_test_id("glossary-submit").click()
    expect(page.get_by_test_id("done")).to_contain_text("已保存")
    visit(demo_site.url + "/glossary?q=红锈病")
    expect(page.get_by_test_id("glossary-list")).to_contain_text("停用")
    visit(demo_site.url + "/glossary?text=" + "茶园里的茶树发了红锈病")
    expect(page.get_by_test_id("glossary-preview")).to_contain_text("未命中术语表")


def test_enterprise_users_do_not_see_the_glossary(demo_site, page, sign_in, visit):
    sign_in("teaco")
    visit(demo_site.url + "/")
    expect(page.get_by_role("link", name="行业术语表")).to_have_count(0)
    resp = page.goto(demo_site.url + "/glossary")
    assert resp.status == 403
    expect(page.locator("body")).to_contain_text("仅知识产权局工作人员可以维护行业术语表")
