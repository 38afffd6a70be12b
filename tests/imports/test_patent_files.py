"""Patent imports from fixture files in both layouts (export, template), three CSV encodings and .xlsx with
merged header cells and a notes sheet; every kind of bad cell; duplicates; dry run, all-or-nothing and
valid-rows-only commits; idempotent re-import; history deals counted in the statistics. On both databases."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from ipplatform.audit.models import AuditRecord
from ipplatform.imports import engine
from ipplatform.imports.kinds import KINDS
from ipplatform.imports.reader import Unreadable
from ipplatform.organisations.enums import OrgKind
from ipplatform.outcomes.models import Deal
from ipplatform.patents.enums import LegalStatus, PatentKind
from ipplatform.patents.models import Patent
from ipplatform.search.models import OutboxEntry
from ipplatform.stats import indicators as ind
from tests import factories as f
from tests.imports.files import EXPORT_HEADER, app_no, export_row, template_row, write_csv, write_xlsx

PATENTS = KINDS["patents"]


@pytest.fixture
def owner(db):
    with db.begin():
        org = f.org(db, OrgKind.UNIVERSITY, name="淮上理工大学（测试）")
    return org


def run(db, owner, path, **kw):
    if db.in_transaction():  # reads of the test autobegin one: end it, each import is its own transaction
        db.commit()
    with db.begin():
        return engine.run(db, PATENTS, path, path.name, owner=db.merge(owner), **{"dry_run": False, **kw})


def count(db, model=Patent) -> int:
    return db.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_export_layout_csv_in_every_encoding(db, owner, tmp_path, encoding):
    rows = [export_row(1, owner.name), export_row(2, owner.name, type_digit="1"),
            export_row(3, owner.name, 专利类型="发明公开;发明授权", type_digit="1", 授权公告号="CN215000003B",
                       授权公告日="20230405", 法律状态="有权-审定授权")]
    result = run(db, owner, write_csv(tmp_path / "export.csv", rows, encoding, EXPORT_HEADER))
    assert (result.rows, result.new, result.rejected) == (3, 3, [])
    assert result.committed
    um, app, granted = (db.scalar(select(Patent).where(Patent.application_number == r["申请号"])) for r in rows)
    assert um.kind == PatentKind.UTILITY_MODEL and um.legal_status == LegalStatus.VALID
    assert um.title == "一种茶叶杀青装置1" and um.applicants == [owner.name] and um.inventors == ["刘迪", "刘敏"]
    assert (um.application_date, um.publication_date, um.grant_date) == (date(2021, 7, 15), date(2022, 1, 21),
                                                                           date(2022, 1, 21))
    assert um.ipc_main == "A23F 3/06" and um.ipc_codes == ["A23F 3/06", "A23N 12/08"]
    assert app.kind == PatentKind.INVENTION_APPLICATION and app.legal_status == LegalStatus.PENDING
    assert app.grant_date is None
    assert granted.kind == PatentKind.INVENTION_GRANTED and granted.publication_number == "CN215000003B"
    assert "申请人地址" in result.ignored_columns and "序号" in result.ignored_columns
    assert "申请号" not in result.ignored_columns


def test_xlsx_with_merged_header_and_notes_sheet(db, owner, tmp_path):
    rows = [export_row(i, owner.name) for i in range(1, 4)]
    path = write_xlsx(tmp_path / "merged.xlsx", rows, header=EXPORT_HEADER[6:] + EXPORT_HEADER[:6], merged_title=True,
                      notes=True)
    result = run(db, owner, path, dry_run=True)
    assert (result.rows, result.new, result.rejected_rows) == (3, 3, 0) and result.sheet == "专利清单"
    assert count(db) == 0  # a dry run writes nothing
    bad = write_xlsx(tmp_path / "bad.xlsx", [*rows, export_row(9, owner.name, 申请日="2021-13-40")],
                     header=EXPORT_HEADER, merged_title=True)
    rejected = run(db, owner, bad).rejected
    assert [(r["row"], r["column"], r["value"]) for r in rejected] == [(6, "申请日", "2021-13-40")]  # 2 header rows


def test_columns_by_name_whitespace_full_width_and_synonyms(db, owner, tmp_path):
    row = template_row(1, owner.name)
    header = {"申请号": " 申请号 ", "专利名称": "发明名称", "专利类型": "＊专利类型", "主分类号": "主ＩＰＣ", "法律状态": "当前法律状态"}
    renamed = [{header.get(k, k): v for k, v in reversed(list(row.items()))} | {"备注": "内部备注"}]
    result = run(db, owner, write_csv(tmp_path / "t.csv", renamed))
    assert result.new == 1 and result.rejected == [] and result.ignored_columns == ["备注"]
    patent = db.scalar(select(Patent))
    assert patent.title == "一种茶园虫情监测方法1" and patent.ipc_main == "A01M 1/02"


BAD_CELLS = [
    ("申请号", "CN202121635235.1", "校验位"),
    ("申请号", "20212163", "申请号格式"),
    ("申请号", "", "不能为空"),
    ("专利名称", "", "不能为空"),
    ("专利类型", "发明创造", "专利类型"),
    ("专利类型", "外观设计", "不符"),  # a utility-model number with another kind
    ("申请日", "2022年13月1日", "不是有效日期"),
    ("申请日", "1984-01-01", "1985"),
    ("公开日", "20200101", "早于申请日"),
    ("主分类号", "A23F/06", "IPC"),
    ("分类号", "A23F3/06;XYZ", "IPC"),
    ("法律状态", "有点效", "法律状态"),
    ("公开号", "US2021001A", "公开（公告）号"),
    ("专利转移次数", "两次", "整数"),
    ("转让日期", "去年", "不是有效日期"),
]


def test_each_kind_of_bad_cell_is_reported_and_nothing_is_written(db, owner, tmp_path):
    rows = [export_row(1, owner.name)]
    rows += [export_row(10 + i, owner.name, **{column: value}) for i, (column, value, _) in enumerate(BAD_CELLS)]
    rows.append(export_row(1, owner.name))  # the same patent again
    audit_before = count(db, AuditRecord)
    result = run(db, owner, write_csv(tmp_path / "bad.csv", rows, header=EXPORT_HEADER))
    assert not result.committed and count(db) == 0 and count(db, AuditRecord) == audit_before
    by_row = {r["row"]: r for r in result.rejected}
    assert result.rejected_rows == len(BAD_CELLS) + 1 and len(by_row) == len(BAD_CELLS) + 1
    for i, (column, value, message) in enumerate(BAD_CELLS):
        got = by_row[3 + i]  # row 2 is the good one, the header is row 1
        assert (got["column"], got["value"]) == (column, value), got
        assert message in got["message_zh"], got
        assert got["message"] and got["message"] != got["message_zh"]
    duplicate = by_row[3 + len(BAD_CELLS)]
    assert "第 2 行重复" in duplicate["message_zh"]
    only_valid = run(db, owner, tmp_path / "bad.csv", valid_only=True)
    assert only_valid.committed and only_valid.new == 1 and count(db) == 1
    assert only_valid.rejected_rows == len(BAD_CELLS) + 1  # still reported


def test_other_owner_and_credit_code(db, owner, tmp_path):
    db.commit()
    with db.begin():
        other = f.org(db, OrgKind.ENTERPRISE)
        theirs = f.patent(db, other, PatentKind.UTILITY_MODEL)
    rows = [export_row(1, owner.name, 申请号=theirs.application_number),
            export_row(2, owner.name) | {"权利人统一社会信用代码": other.credit_code},
            export_row(3, "另一所大学")]
    result = run(db, owner, write_csv(tmp_path / "o.csv", rows, header=[*EXPORT_HEADER, "权利人统一社会信用代码"]),
                 valid_only=True)
    assert [(r["row"], r["column"]) for r in result.rejected] == [(2, "申请号"), (3, "权利人统一社会信用代码")]
    assert "其他机构" in result.rejected[0]["message_zh"]
    assert [r["application_number"] for r in result.review] == [app_no(3)]  # imported, listed for checking
    assert result.new == 1


def test_reimport_is_idempotent_and_a_changed_status_updates_record_audit_and_outbox(db, owner, tmp_path):
    rows = [export_row(i, owner.name) for i in range(1, 4)]
    path = write_csv(tmp_path / "p.csv", rows, header=EXPORT_HEADER)
    assert run(db, owner, path).new == 3
    db.commit()
    with db.begin():
        patent = db.scalar(select(Patent).where(Patent.application_number == rows[0]["申请号"]))
        f.offer(db, db.merge(owner), [patent])  # a published offer shows the patent's legal status
        outbox_before = count(db, OutboxEntry)
    again = run(db, owner, path)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 3)
    audit_before = count(db, AuditRecord)
    rows[0]["法律状态"] = "无权-未缴年费"
    changed = run(db, owner, write_csv(tmp_path / "p2.csv", rows, header=EXPORT_HEADER))
    assert (changed.new, changed.updated, changed.unchanged) == (0, 1, 2)
    db.expire_all()
    assert db.get(Patent, patent.id).legal_status == LegalStatus.LAPSED
    audits = list(db.scalars(select(AuditRecord).where(AuditRecord.id > 0).order_by(AuditRecord.id)))[audit_before:]
    assert [a.entity_id for a in audits] == [patent.id]
    assert count(db, OutboxEntry) > outbox_before  # the offer's search document is re-indexed


def test_history_counts_become_imported_deals_counted_in_statistics(db, owner, tmp_path):
    rows = [export_row(1, owner.name, 专利转移次数="2", 转让日期="20220301;2023-05-06", 许可次数="1",
                       许可日期="2023年1月9日", 质押次数="1", 质押日期="20230210"),
            export_row(2, owner.name)]
    path = write_csv(tmp_path / "h.csv", rows, header=EXPORT_HEADER)
    result = run(db, owner, path)
    assert result.extra["history_deals"] == 4
    deals = list(db.scalars(select(Deal).order_by(Deal.contract_date)))
    assert [(d.type.value, d.contract_date) for d in deals] == [
        ("transfer", date(2022, 3, 1)), ("ordinary_licence", date(2023, 1, 9)), ("pledge", date(2023, 2, 10)),
        ("transfer", date(2023, 5, 6))]
    assert all(d.imported_history and d.status.value == "recorded" for d in deals)
    assert ind.compute(db, "deals_count") == 4
    assert run(db, owner, path).unchanged == 2 and count(db, Deal) == 4  # not created twice
    rows[0]["专利转移次数"] = "3"
    assert run(db, owner, write_csv(tmp_path / "h3.csv", rows, header=EXPORT_HEADER)).updated == 1
    assert count(db, Deal) == 5


@pytest.mark.parametrize("name, content, message", [
    ("p.xlsx", b"PK\x03\x04 not really a zip", "无法读取"),
    ("p.xls", b"\xd0\xcf\x11\xe0", ".xlsx"),
    ("p.csv", "编号,说明\n甲,乙\n".encode(), "未找到表头"),
    ("p.csv", "专利名称,专利类型\n口罩,实用新型\n".encode(), "缺少必需的列：申请号"),
])
def test_unreadable_files(db, owner, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(Unreadable) as caught:
        run(db, owner, path)
    assert message in caught.value.message_zh


def test_zip_bomb_is_refused(db, owner, tmp_path):
    import zipfile

    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (200 * 1024 * 1024))
    with pytest.raises(Unreadable) as caught:
        run(db, owner, path)
    assert "压缩炸弹" in caught.value.message_zh


def test_two_character_titles(db, owner, tmp_path):
    result = run(db, owner, write_csv(tmp_path / "k.csv", [export_row(1, owner.name, 专利名称="口罩")],
                                      header=EXPORT_HEADER))
    assert result.new == 1 and db.scalar(select(Patent.title)) == "口罩"


def test_a_publication_number_twice_in_one_file_is_rejected_in_the_dry_run_too(db, owner, tmp_path):
    rows = [export_row(1, owner.name), export_row(2, owner.name, 公开号="CN215000001U", 授权公告号="CN215000001U")]
    path = write_csv(tmp_path / "pub.csv", rows, header=EXPORT_HEADER)
    for dry_run in (True, False):
        result = run(db, owner, path, dry_run=dry_run)
        assert [(r["row"], r["column"]) for r in result.rejected] == [(3, "公开号")], dry_run
