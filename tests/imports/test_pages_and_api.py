"""The import page and API: upload → dry-run report (page and Excel) → commit → offers made of the imported
patents in one step; the downloadable templates read back by the importer; upload limits and bad files
answered with clear messages. On both databases (the background job runs within the test client's request)."""

from __future__ import annotations

import html
import io
import re
import zipfile
from urllib.parse import parse_qs, urlsplit

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from ipplatform.audit.models import AuditRecord
from ipplatform.auth.enums import Role
from ipplatform.auth.models import User
from ipplatform.common.enums import ListingStatus
from ipplatform.offers.models import Offer
from ipplatform.organisations.enums import OrgKind
from ipplatform.patents.models import Patent
from tests import factories as f
from tests.imports.files import EXPORT_HEADER, export_row, write_csv


@pytest.fixture
def univ(db):
    with db.begin():
        org = f.org(db, OrgKind.UNIVERSITY, name="淮上理工大学（测试）")
        user = f.user(db, org, Role.UNIVERSITY_MEMBER, username="tto")
        token = f.auth(user)
    return org, token


def _login(client):
    resp = f.form_post(client, "/login", data={"username": "tto", "password": f.PASSWORD, "next": "/imports"},
                       follow_redirects=False)
    assert resp.status_code == 303


def _upload_page(client, content: bytes, name: str, action="dry_run", **extra):
    data = {"kind": "patents", "action": action, "csrf_token": f.csrf_token(client, "/imports"), **extra}
    return client.post("/imports", data=data, files={"file": (name, content, "text/csv")}, follow_redirects=False)


def test_upload_dry_run_report_commit_and_bulk_offers(client, db, univ, tmp_path):
    org, _ = univ
    _login(client)
    rows = [export_row(1, org.name), export_row(2, org.name, type_digit="1"),
            export_row(3, org.name, 申请日="2021-02-30"), export_row(4, "别的大学")]
    content = write_csv(tmp_path / "p.csv", rows, "utf-8-sig", EXPORT_HEADER).read_bytes()
    page = client.get("/imports")
    assert page.status_code == 200 and "批量导入" in page.text and 'enctype="multipart/form-data"' in page.text
    resp = _upload_page(client, content, "导出.csv")
    assert resp.status_code == 303, resp.text[-3000:]
    job_url = resp.headers["location"]
    report = client.get(job_url).text
    assert "预检完成，尚未写入任何数据" in report and 'data-testid="count-rejected">1<' in report
    assert "2021-02-30" in report and "不是有效日期" in report and "申请人/当前权利人中没有" in report
    assert db.scalar(select(func.count()).select_from(Patent)) == 0
    xlsx = client.get(f"/api/imports/jobs/{job_url.rsplit('/', 1)[1]}/report.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content))["未通过校验"]
    assert [c.value for c in sheet[2]][:3] == [4, "申请日", "2021-02-30"]

    commit = f.form_post(client, f"{job_url}/commit", {}, follow_redirects=False)  # all or nothing: refused
    assert "整个文件未写入任何数据" in client.get(commit.headers["location"]).text
    commit = f.form_post(client, f"{job_url}/commit", {"valid_only": "on"}, follow_redirects=False)
    done = client.get(commit.headers["location"]).text
    assert "已写入数据库" in done and 'href="/imports/' in done and "将导入的专利发布为供给" in done
    db.expire_all()
    patents = list(db.scalars(select(Patent).order_by(Patent.id)))
    assert len(patents) == 3
    actors = set(db.scalars(select(AuditRecord.actor_user_id).where(AuditRecord.entity_type == "patent")))
    assert actors == {db.scalar(select(User.id).where(User.username == "tto"))}  # the audit names the uploader
    offers_url = commit.headers["location"] + "/offers"
    form = client.get(offers_url).text
    assert all(p.application_number in form for p in patents)
    bad = f.form_post(client, offers_url, {"patent_ids": [str(patents[0].id)]})
    assert bad.status_code == 422 and "请至少选择一种交易方式" in bad.text
    made = f.form_post(client, offers_url, {"patent_ids": [str(p.id) for p in patents[:2]], "modes": ["transfer"],
                                            "asking_price": "20", "action": "publish"}, follow_redirects=False)
    assert made.status_code == 303
    db.expire_all()
    offers = list(db.scalars(select(Offer).order_by(Offer.id)))
    assert [(o.title, o.status, o.asking_price) for o in offers] == [
        (patents[0].title, ListingStatus.PUBLISHED, 200000), (patents[1].title, ListingStatus.PUBLISHED, 200000)]
    mine = client.get(made.headers["location"]).text  # the user's own offers, with what was just made
    assert "已由导入的专利生成 2 条供给" in mine and all(o.title in mine for o in offers)


@pytest.mark.parametrize("kind", ["patents", "offers", "demands", "deals"])
def test_templates_have_notes_and_lists_and_read_back(client, univ, kind):
    org, token = univ
    resp = client.get(f"/api/imports/templates/{kind}")
    assert resp.status_code == 200 and "attachment" in resp.headers["content-disposition"]
    book = load_workbook(io.BytesIO(resp.content))
    assert book.sheetnames[1] == "填写说明"
    data = book.worksheets[0]
    assert data.data_validations.dataValidation, "a drop-down list for the vocabularies"
    if kind == "patents":  # the example row is a valid patent: a dry run of the template counts it new
        job = client.post("/api/imports/patents", headers=token, files={"file": ("t.xlsx", resp.content)}).json()
        result = client.get(f"/api/imports/jobs/{job['id']}", headers=token).json()["result"]
        assert (result["rows"], result["new"], result["rejected"]) == (1, 1, [])


def test_upload_limits_and_bad_files(client, db, univ, tmp_path):
    org, token = univ
    resp = client.post("/api/imports/patents", headers=token, files={"file": ("scan.pdf", b"%PDF-1.4")})
    assert resp.status_code == 422 and ".xlsx" in resp.json()["message_zh"]
    resp = client.post("/api/imports/patents", headers=token, files={"file": ("empty.csv", b"")})
    assert resp.status_code == 422 and "文件为空" in resp.json()["message_zh"]
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<" * (300 * 1024 * 1024))
    resp = client.post("/api/imports/patents", headers=token, files={"file": ("bomb.xlsx", bomb.getvalue())})
    job = client.get(f"/api/imports/jobs/{resp.json()['id']}", headers=token).json()
    assert job["status"] == "failed" and "压缩炸弹" in job["error_zh"]
    _login(client)
    big = _upload_page(client, b"0" * (17 * 1024 * 1024), "big.csv")
    assert big.status_code == 413 and "过大" in big.text
    missing = f.form_post(client, "/imports", {"kind": "patents"})
    assert missing.status_code == 422 and "请选择要导入的" in missing.text


def test_offers_made_for_another_organisation_show_in_its_list(client, db, univ, tmp_path):
    """An administrator imports patents for a university and makes offers of them: the page it lands on lists
    those offers (drafts too) under the university's name, its export links give the same rows, and a member
    of another organisation cannot open that list."""
    org, _ = univ
    with db.begin():
        office = f.org(db, OrgKind.IP_OFFICE, name="信阳市知识产权局（测试）")
        f.user(db, office, Role.ADMIN, username="root")
        f.user(db, f.org(db, OrgKind.ENTERPRISE), Role.ENTERPRISE_MEMBER, username="firm")
    resp = f.form_post(client, "/login", data={"username": "root", "password": f.PASSWORD, "next": "/imports"},
                       follow_redirects=False)
    assert resp.status_code == 303
    content = write_csv(tmp_path / "p.csv", [export_row(1, org.name), export_row(2, org.name)], "utf-8-sig",
                        EXPORT_HEADER).read_bytes()
    job_url = _upload_page(client, content, "导出.csv", owner_org_id=str(org.id)).headers["location"]
    commit = f.form_post(client, f"{job_url}/commit", {}, follow_redirects=False)
    assert "已写入数据库" in client.get(commit.headers["location"]).text
    db.expire_all()
    patents = list(db.scalars(select(Patent).order_by(Patent.id)))
    made = f.form_post(client, commit.headers["location"] + "/offers",
                       {"patent_ids": [str(p.id) for p in patents], "modes": ["transfer"], "action": "save"},
                       follow_redirects=False)
    assert made.status_code == 303 and f"org={org.id}" in made.headers["location"]
    page = client.get(made.headers["location"])
    assert page.status_code == 200
    assert "已由导入的专利生成 2 条供给" in page.text and f"我的供给 · {org.name}" in page.text
    assert all(p.title in page.text for p in patents)  # drafts, owned and published by the university
    csv_link = html.unescape(re.search(r'href="(/api/exports/offers\?format=csv[^"]*)"', page.text).group(1))
    assert parse_qs(urlsplit(csv_link).query) == {"format": ["csv"], "mine": ["1"], "org": [str(org.id)]}
    exported = client.get(csv_link)
    assert exported.status_code == 200 and all(p.title in exported.text for p in patents)
    assert exported.text.count("草稿") == 2  # each offer's own status, read back by the importer as it is
    assert client.get("/offers?mine=1&org=999999").status_code == 404  # an administrator: no such organisation
    assert client.get("/api/exports/offers?format=csv&mine=1&org=999999").status_code == 404
    client.cookies.clear()
    resp = f.form_post(client, "/login", data={"username": "firm", "password": f.PASSWORD, "next": "/offers"},
                       follow_redirects=False)
    assert client.get(f"/offers?mine=1&org={org.id}").status_code == 403
    assert client.get(f"/api/exports/offers?format=csv&mine=1&org={org.id}").status_code == 403
    assert client.get("/offers?mine=1&org=999999").status_code == 403  # not one the member acts for
