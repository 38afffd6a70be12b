"""A matchmaking event through the pages, on the seeded demo site: the organiser sets it up and opens
registration; the university (supply) and the tea firm (demand) register; the organiser pre-matches and
opens booking; the tea firm requests a meeting, the university accepts; the organiser schedules, checks
both in on a phone-sized screen, records an agreement (which opens a draft deal) and reads the report."""

from __future__ import annotations

from ipplatform.common.timefmt import beijing_today

from datetime import date, timedelta

from playwright.sync_api import expect

from ipplatform.events.models import Event


def _logout(page):
    page.get_by_role("button", name="退出").click()


def test_organiser_and_participants_run_an_event(demo_site, page, sign_in, visit, shoot):
    url = demo_site.url
    day = beijing_today() + timedelta(days=21)

    # the organiser sets the event up
    sign_in("organiser")
    visit(url + "/events")
    page.get_by_test_id("new-event").click()
    page.fill("#f-title", "信阳茶产业专利供需对接会（演示）")
    page.fill("#f-theme", "茶叶加工装备、茶资源综合利用")
    page.fill("#f-ipc", "A23F")
    page.fill("#f-venue", "信阳市羊山新区会展中心")
    page.fill("#f-day", day.isoformat())
    page.fill("#f-tables", "6")
    page.fill("#f-session1_slots", "3")
    page.fill("#f-session2_slots", "3")
    page.fill("#f-registration_deadline", (day - timedelta(days=7)).isoformat())
    shoot("setup-form")
    page.get_by_test_id("save-event").click()
    expect(page.get_by_test_id("event-status")).to_have_text("草稿")
    event_url = page.url
    page.get_by_test_id("status-next").click()
    expect(page.get_by_test_id("event-status")).to_have_text("报名中")
    shoot("event-open")
    _logout(page)

    # the university registers on the supply side with its offers
    sign_in("univ")
    visit(event_url)
    page.get_by_test_id("register").click()
    page.check("input[name=side][value=supply]")
    for box in page.locator("input[name=offer_ids]").all()[:5]:
        box.check()
    page.fill("#f-attendee1_name", "王老师")
    page.fill("#f-attendee1_position", "技术转移办主任")
    page.get_by_test_id("submit-registration").click()
    expect(page.get_by_test_id("quotas")).to_be_visible()
    _logout(page)

    # the tea firm registers on the demand side, only for the morning
    sign_in("teaco")
    visit(event_url)
    page.get_by_test_id("register").click()
    page.check("input[name=side][value=demand]")
    page.locator("input[name=demand_ids]").first.check()
    page.fill("#f-attendee1_name", "李总")
    for box in page.locator("input[name=available]").all()[3:]:
        box.uncheck()
    shoot("registration-form")
    page.get_by_test_id("submit-registration").click()
    expect(page.get_by_test_id("quotas")).to_be_visible()
    _logout(page)

    # the organiser sees the registrations, pre-matches and opens booking
    sign_in("organiser")
    visit(event_url + "/registrations")
    expect(page.get_by_test_id("registrations")).to_contain_text("淮上理工大学（演示）")
    expect(page.get_by_test_id("registrations")).to_contain_text("商城县云雾茶业有限公司（演示）")
    shoot("registrations")
    visit(event_url)
    page.get_by_test_id("status-next").click()
    expect(page.get_by_test_id("event-status")).to_have_text("预约中")
    visit(event_url + "/pairs")
    page.get_by_test_id("prematch").click()
    expect(page.get_by_test_id("notice")).to_contain_text("推荐配对")
    shoot("pairs")
    _logout(page)

    # the tea firm requests a meeting with the university (from its proposals, or from the list of participants)
    sign_in("teaco")
    visit(event_url + "/me")
    shoot("proposals")
    page.select_option("#f-to_participant_id", label="淮上理工大学（演示）（供给方）") \
        if page.locator("#f-to_participant_id").count() else None
    if page.locator("#f-to_participant_id").count():
        page.fill("#f-message", "希望了解茶叶加工装备专利")
        page.get_by_test_id("request-other").get_by_role("button", name="发出邀约").click()
    else:  # the university is among the proposals already
        pair = page.get_by_test_id("my-pairs").locator("li", has_text="淮上理工大学（演示）").first
        pair.get_by_role("button", name="发出邀约").click()
    expect(page.get_by_test_id("my-pairs")).to_contain_text("等待对方答复")
    _logout(page)

    # the university accepts
    sign_in("univ")
    visit(event_url + "/me")
    invite = page.get_by_test_id("my-pairs").locator("li", has_text="商城县云雾茶业有限公司（演示）").first
    invite.get_by_role("button", name="接受").click()
    expect(page.get_by_test_id("quota-accepted")).to_contain_text("1 /")
    _logout(page)

    # the organiser schedules and runs the event
    sign_in("organiser")
    visit(event_url + "/pairs")
    page.get_by_test_id("schedule").click()
    expect(page.get_by_test_id("board")).to_contain_text("商城县云雾茶业有限公司（演示）")
    shoot("board")
    page.set_viewport_size({"width": 390, "height": 844})  # on a phone at the venue
    visit(event_url + "/registrations")
    for row in page.get_by_test_id("registrations").locator("li").all():
        if row.get_by_role("button", name="签到").count():
            row.get_by_role("button", name="签到").click()
    expect(page.get_by_test_id("checked-in").first).to_be_visible()
    shoot("check-in-phone")
    visit(event_url + "/board")
    page.locator(".meeting-list a", has_text="商城县云雾茶业有限公司（演示）").first.click()
    # three weeks ahead nothing has been said yet: the page says when outcomes can be recorded
    expect(page.get_by_test_id("outcome-not-yet")).to_contain_text(f"活动于 {day.isoformat()} 举行")
    expect(page.get_by_test_id("outcome-form")).to_have_count(0)
    with demo_site.factory.begin() as db:  # the day arrives
        db.get(Event, int(event_url.rstrip("/").rsplit("/", 1)[1])).day = beijing_today()
    page.reload()
    page.check("input[name=outcome][value=agreement]")
    page.get_by_test_id("save-outcome").click()  # no amount: refused, in Chinese, value kept
    expect(page.get_by_test_id("form-errors")).to_contain_text("签约须填写金额")
    expect(page.locator("input[name=outcome][value=agreement]")).to_be_checked()
    page.fill("#f-amount", "80")
    shoot("outcome-phone")
    page.get_by_test_id("save-outcome").click()
    expect(page.get_by_test_id("board")).to_contain_text("签约")
    page.set_viewport_size({"width": 1280, "height": 900})

    visit(event_url + "/report")
    expect(page.get_by_test_id("kpi-agreements")).to_have_text("1")
    expect(page.get_by_test_id("chart-outcomes")).to_have_attribute("data-rendered", "1")
    expect(page.get_by_test_id("event-deals")).to_contain_text("草稿")
    shoot("report")
    _logout(page)

    # the tea firm's printable schedule
    sign_in("teaco")
    visit(event_url + "/me")
    expect(page.get_by_test_id("my-schedule")).to_contain_text("淮上理工大学（演示）")
    page.get_by_test_id("print-link").click()
    expect(page.get_by_test_id("print-schedule")).to_contain_text("号桌")
    shoot("print")
