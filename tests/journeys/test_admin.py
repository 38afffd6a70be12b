"""The administrator (``admin``) manages users through the pages: creates a user for an organisation, the user
logs in, the administrator resets the password and deactivates the user, and that login is then refused."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from ipplatform.auth.models import User
from tests.journeys.conftest import assert_clean

NEW_PASSWORD = "kyc-2026-start"


def test_admin_creates_and_deactivates_a_user(demo_site, page, sign_in, visit, shoot):
    sign_in("admin")
    expect(page.get_by_test_id("nav-users")).to_be_visible()
    visit(demo_site.url + "/admin/users")
    expect(page.get_by_test_id("user-list")).to_contain_text("office")
    shoot("users")
    page.get_by_test_id("user-new").click()
    form = page.get_by_test_id("user-form")
    form.get_by_label("用户名（字母、数字、_.@-，3–64 位）").fill("agri-keyan2")
    form.get_by_label("姓名").fill("农林学院科研处 李老师（演示）")
    form.get_by_label("电子邮箱").fill("li@example.edu.cn")
    form.get_by_label("角色").select_option(label="高校/院所用户")
    form.get_by_label("所属机构").select_option(label="大别山农林学院（演示）（高校）")
    form.get_by_label("初始密码（至少 8 位）").fill(NEW_PASSWORD)
    form.get_by_label("确认密码").fill(NEW_PASSWORD + "x")
    form.get_by_role("button", name="创建").click()
    expect(page.locator("[data-field=password_confirm]")).to_contain_text("确认密码：两次输入的密码不一致")
    form = page.get_by_test_id("user-form")
    expect(form.get_by_label("姓名")).to_have_value("农林学院科研处 李老师（演示）")  # kept
    expect(form.get_by_label("所属机构")).to_have_value(str(_org_id(demo_site, "agri")))
    assert_clean(page)
    shoot("user-form-error")
    form.get_by_label("初始密码（至少 8 位）").fill(NEW_PASSWORD)
    form.get_by_label("确认密码").fill(NEW_PASSWORD)
    form.get_by_role("button", name="创建").click()
    expect(page.get_by_test_id("done")).to_contain_text("用户已创建")
    row = page.get_by_test_id("user-agri-keyan2")
    expect(row).to_contain_text("大别山农林学院（演示）")
    expect(row).to_contain_text("正常")
    assert_clean(page)
    shoot("user-created")

    sign_in("agri-keyan2", NEW_PASSWORD)  # the new user works at once
    expect(page.get_by_test_id("who")).to_contain_text("李老师")
    shoot("new-user-signed-in")

    sign_in("admin")
    visit(demo_site.url + "/admin/users?q=agri-keyan2")
    row = page.get_by_test_id("user-agri-keyan2")
    row.locator("summary", has_text="重置密码").click()
    row.get_by_label("新密码（至少 8 位）").fill("short")
    row.get_by_role("button", name="重置").click()  # the browser asks for 8 characters first
    assert row.get_by_label("新密码（至少 8 位）").evaluate("e => e.validity.tooShort")
    row.get_by_label("新密码（至少 8 位）").fill(NEW_PASSWORD + "-2")
    row.get_by_label("确认密码").fill(NEW_PASSWORD + "-3")
    row.get_by_role("button", name="重置").click()
    expect(page.get_by_test_id("password-error")).to_contain_text("确认密码：两次输入的密码不一致")
    assert_clean(page)
    row = page.get_by_test_id("user-agri-keyan2")
    row.get_by_label("新密码（至少 8 位）").fill(NEW_PASSWORD + "-2")
    row.get_by_label("确认密码").fill(NEW_PASSWORD + "-2")
    row.get_by_role("button", name="重置").click()
    expect(page.get_by_test_id("done")).to_contain_text("密码已重置")
    page.get_by_test_id("deactivate-agri-keyan2").click()
    expect(page.get_by_test_id("done")).to_contain_text("用户已停用")
    expect(page.get_by_test_id("user-agri-keyan2")).to_contain_text("已停用")
    expect(page.get_by_test_id("activate-agri-keyan2")).to_be_visible()
    assert_clean(page)
    shoot("user-deactivated")

    page.get_by_role("button", name="退出").click()
    visit(demo_site.url + "/login")
    page.get_by_label("用户名").fill("agri-keyan2")
    page.get_by_label("密码").fill(NEW_PASSWORD + "-2")
    page.get_by_role("button", name="登录").click()
    expect(page.locator("body")).to_contain_text("用户名或密码错误")
    expect(page.get_by_test_id("login-link")).to_be_visible()
    shoot("login-refused")
    with demo_site.factory() as db:
        user = db.scalar(select(User).where(User.username == "agri-keyan2"))
        assert not user.is_active and user.organisation.name == "大别山农林学院（演示）"


def _org_id(demo_site, username: str) -> int:
    with demo_site.factory() as db:
        return db.scalar(select(User.org_id).where(User.username == username))
