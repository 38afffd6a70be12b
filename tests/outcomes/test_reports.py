"""The statistics API, CSV downloads, the Excel report read back with openpyxl, and the dashboard in a
real browser (with a screenshot). Expected numbers come from the indicator definitions applied to the
source rows (tests/outcomes/indicator_oracle.py), not from the statistics code."""

from __future__ import annotations

import csv
import io
import random
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from ipplatform.auth.enums import Role
from ipplatform.organisations.enums import OrgKind
from ipplatform.stats import indicators as ind
from ipplatform.stats.report import SHEETS
from ipplatform.common.timefmt import beijing_today
from tests import factories as f
from tests.outcomes.indicator_oracle import expected, source_rows


def oracle(db, indicator: str, **filters) -> float:
    return expected(source_rows(db), indicator, ind.Filters(**filters))


@pytest.fixture
def office(db):
    from ipplatform.outcomes.demo import seed_outcomes

    with db.begin():
        orgs = [f.org(db, OrgKind.UNIVERSITY, county_code="411502", industry_code="8341"),
                f.org(db, OrgKind.ENTERPRISE, county_code="411524", industry_code="1530"),
                f.org(db, OrgKind.ENTERPRISE, county_code="411526", industry_code="3841"),
                f.org(db, OrgKind.FINANCIAL, county_code="411502")]
        for o in orgs[:3]:
            for _ in range(6):
                f.patent(db, o)
        seed_outcomes(db, random.Random(3), n_deals=60)
        staff = f.user(db, f.org(db, OrgKind.IP_OFFICE), Role.OFFICE_STAFF, username="staff")
        member = f.user(db, orgs[1], Role.ENTERPRISE_MEMBER)
    return f.auth(staff), f.auth(member)


def test_summary_and_breakdowns_api(client, db, office):
    staff, member = office
    assert client.get("/api/stats/summary", headers=member).status_code == 403
    end = beijing_today()
    params = {"start": str(end - timedelta(days=364)), "end": str(end)}
    body = client.get("/api/stats/summary", headers=staff, params=params).json()
    values = {r["id"]: r for r in body["indicators"]}
    rows = source_rows(db)
    flt = ind.Filters(start=end - timedelta(days=364), end=end)
    before = ind.Filters(start=end - timedelta(days=729), end=end - timedelta(days=365))
    for i in ind.CATALOGUE:
        assert values[i.id]["value"] == pytest.approx(expected(rows, i.id, flt)), i.id
        assert values[i.id]["previous"] == pytest.approx(expected(rows, i.id, before)), i.id
    assert values["deals_count"]["value"] > 0 and values["deals_amount"]["value"] > 0
    assert {i.id for i in ind.EVENT_CATALOGUE} <= values.keys()  # the event indicators are on the dashboard too
    assert [s["stage"] for s in body["funnel"]] == ["发布的专利供给", "获得匹配", "已联系", "洽谈", "达成意向", "成交"]
    county = client.get("/api/stats/breakdown/deals_count", headers=staff, params={**params, "by": "county"}).json()
    assert sum(r["value"] for r in county) == values["deals_count"]["value"]
    assert {r["label"] for r in county} <= {"浉河区", "商城县", "潢川县"}
    raw = client.get("/api/stats/breakdown/deals_amount", headers=staff,
                     params={**params, "by": "type", "format": "csv"})
    assert raw.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(raw.text.lstrip("\ufeff"))))
    assert rows[0] == ["代码", "名称", "交易金额"] and len(rows) > 1
    bad = client.get("/api/stats/summary", headers=staff, params={"start": "2025-05-01", "end": "2025-01-01"})
    assert bad.status_code == 422 and "早于" in bad.json()["message_zh"]
    assert client.get("/api/stats/breakdown/nope", headers=staff).status_code == 422


def test_excel_report_reads_back(client, db, office):
    staff, _ = office
    resp = client.get("/api/stats/report.xlsx", headers=staff)
    assert resp.status_code == 200
    wb = load_workbook(io.BytesIO(resp.content))
    assert wb.sheetnames == ["概览", *SHEETS.values(), "指标定义"]
    overview = wb["概览"]
    assert [c.value for c in overview[1]][:3] == ["指标编号", "指标名称", "单位"]
    by_id = {row[0].value: row[3].value for row in overview.iter_rows(min_row=2) if row[0].value in ind.BY_ID}
    assert by_id["deals_count"] == oracle(db, "deals_count") > 0
    assert by_id["deals_amount"] == pytest.approx(oracle(db, "deals_amount"))
    counties = wb["按县区"]
    total = [row for row in counties.iter_rows(values_only=True) if row[0] == "合计"][0]
    assert total[2] == oracle(db, "deals_count")
    defs = wb["指标定义"]
    assert defs.max_row == len(ind.REPORTED) + 1  # the office indicators and the event indicators


def test_dashboard_in_browser(db, office, app, page, serve, log_in, tmp_path):
    with serve(app) as base:
        page.goto(base + "/login")
        log_in("staff")
        page.goto(base + "/stats")
        page.wait_for_function("document.querySelectorAll('.chart[data-rendered=\"1\"] canvas').length >= 7")
        value = page.locator('[data-indicator="deals_count"]').inner_text()
        assert float(value.split()[0]) == oracle(db, "deals_count")
        page.locator("[data-testid=chart-county]").scroll_into_view_if_needed()
        shot = tmp_path / "dashboard.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 50_000  # charts drawn, not an empty page
        page.goto(base + "/stats/indicators")
        assert page.get_by_test_id("catalogue").locator("tr").count() == len(ind.REPORTED) + 1


def test_records_behind_a_number_api_csv_and_page(client, db, office):
    staff, member = office
    assert client.get("/api/stats/records/deals_count", headers=member).status_code == 403
    assert client.get("/api/stats/records/nonsense", headers=staff).status_code == 422
    body = client.get("/api/stats/records/deals_count", headers=staff, params={"size": 10}).json()
    assert body["total"] == oracle(db, "deals_count") > 10 and len(body["rows"]) == 10
    assert body["columns"][0] == "交易编号" and body["kind"] == "deal"
    raw = client.get("/api/stats/records/deals_count", headers=staff, params={"format": "csv", "county": "411524"})
    rows = list(csv.reader(io.StringIO(raw.text.lstrip("\ufeff"))))
    assert rows[0][:2] == ["交易编号", "类型"]
    assert len(rows) - 1 == oracle(db, "deals_count", county="411524") > 0
    login = f.form_post(client, "/login", data={"username": "staff", "password": f.PASSWORD}, follow_redirects=False)
    assert login.status_code == 303
    html = client.get("/stats/records/deals_count?county=411524").text
    assert f"记录共 {len(rows) - 1} 条" in html and "下载 CSV" in html
    assert 'href="/stats/records/deals_count?' in client.get("/stats?county=411524").text


def test_a_share_with_nothing_to_measure_reads_no_data_not_zero(client, db):
    """On an empty platform a count is 0, but a share or a median has nothing to divide or order: the API
    answers null, the dashboard and the Excel report say 暂无数据 (no unit), not a misleading 0 %."""
    from tests.test_office_pages import login, visible_text

    with db.begin():
        staff = f.user(db, f.org(db, OrgKind.IP_OFFICE), Role.OFFICE_STAFF, username="staff")
    ratios = ["univ_share", "conversion_rate_listed", "conversion_rate_university", "response_hours"]
    values = {r["id"]: r for r in client.get("/api/stats/summary", headers=f.auth(staff)).json()["indicators"]}
    for i in ratios:
        assert values[i]["value"] is None and values[i]["change_pct"] is None, i
    assert values["deals_count"]["value"] == 0
    login(client, "staff")
    html = client.get("/stats").text
    for i in ratios:
        cell = html.split(f'data-indicator="{i}">', 1)[1].split("</div>", 1)[0]
        assert visible_text(cell).strip() == "暂无数据", (i, cell)
    deals = html.split('data-indicator="deals_count">', 1)[1].split("</div>", 1)[0]
    assert visible_text(deals).split() == ["0", "笔"]
    assert "暂无数据" in visible_text(client.get("/stats/records/response_hours").text)
    wb = load_workbook(io.BytesIO(client.get("/api/stats/report.xlsx").content))
    by_id = {row[0].value: row[3].value for row in wb["概览"].iter_rows(min_row=2) if row[0].value in ind.BY_ID}
    assert {i: by_id[i] for i in ratios} == {i: "暂无数据" for i in ratios}
    assert by_id["deals_count"] == 0
