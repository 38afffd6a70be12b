"""The command ``python -m ipplatform.imports``: its JSON contract and exit statuses (0 valid or
``--valid-only``, 1 rows rejected and nothing committed, 2 unreadable), run as a real process on SQLite."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from ipplatform.hooks import hooked_session_factory
from ipplatform.organisations.enums import OrgKind
from ipplatform.patents.models import Patent
from tests import factories as f
from tests.imports.files import EXPORT_HEADER, export_row, write_csv, write_xlsx


@pytest.fixture
def owner(sqlite_engine):
    with hooked_session_factory(sqlite_engine).begin() as db:
        org = f.org(db, OrgKind.UNIVERSITY, name="淮上理工大学（测试）")
        return org.credit_code, org.name


def cli(engine, *args):
    env = {**os.environ, "IPP_DATABASE_URL": str(engine.url)}
    proc = subprocess.run([sys.executable, "-m", "ipplatform.imports", *map(str, args)], capture_output=True,
                          text=True, env=env, timeout=300)
    return proc.returncode, proc.stdout, proc.stderr


def patents(engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(Patent))


def test_json_contract_and_exit_statuses(sqlite_engine, owner, tmp_path):
    code, name = owner
    good = write_csv(tmp_path / "good.csv", [export_row(i, name) for i in range(1, 4)], "gb18030", EXPORT_HEADER)
    status, out, err = cli(sqlite_engine, "patents", good, "--owner-credit-code", code, "--dry-run", "--json")
    assert status == 0, err
    assert json.loads(out) == {"rows": 3, "new": 3, "updated": 0, "unchanged": 0, "rejected": [], "committed": False}
    assert patents(sqlite_engine) == 0
    status, out, _ = cli(sqlite_engine, "patents", good, "--owner-credit-code", code, "--json")
    assert status == 0 and json.loads(out)["committed"] is True and patents(sqlite_engine) == 3

    rows = [export_row(4, name), export_row(5, name, 申请号="CN202121635235.1")]
    bad = write_xlsx(tmp_path / "bad.xlsx", rows, header=EXPORT_HEADER, notes=True)
    status, out, _ = cli(sqlite_engine, "patents", bad, "--owner-credit-code", code, "--json")
    result = json.loads(out)
    assert status == 1 and result["committed"] is False and (result["rows"], result["new"]) == (2, 1)
    assert result["rejected"] == [{"row": 3, "column": "申请号", "value": "CN202121635235.1",
                                   "message_zh": result["rejected"][0]["message_zh"],
                                   "message": result["rejected"][0]["message"]}]
    assert "校验位" in result["rejected"][0]["message_zh"] and "check digit" in result["rejected"][0]["message"]
    assert patents(sqlite_engine) == 3
    status, out, _ = cli(sqlite_engine, "patents", bad, "--owner-credit-code", code, "--json", "--valid-only")
    assert status == 0 and json.loads(out)["committed"] is True and patents(sqlite_engine) == 4

    status, out, err = cli(sqlite_engine, "patents", good, "--owner-credit-code", code)  # the closing note
    assert status == 0 and "未变 3" in out and "rows/s" in out and "peak RSS" in out


def test_unreadable_file_exits_2(sqlite_engine, owner, tmp_path):
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    status, out, _ = cli(sqlite_engine, "patents", broken, "--owner-credit-code", owner[0], "--json")
    assert status == 2 and "无法读取" in json.loads(out)["message_zh"]
    status, _, err = cli(sqlite_engine, "patents", tmp_path / "missing.csv", "--owner-credit-code", owner[0])
    assert status == 2 and "不存在" in err
