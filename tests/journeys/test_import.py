"""Journey: a university's technology-transfer office loads its portfolio from a patent-database export —
uploads the file, reads the dry-run report (one bad row, one applicant to check), commits the valid rows,
sees its patents and makes offers of them in one step. Pages only, in the real browser."""

from __future__ import annotations

import re
import shutil

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from ipplatform.database import make_engine
from ipplatform.hooks import hooked_session_factory
from ipplatform.main import create_app
from ipplatform.offers.models import Offer
from ipplatform.patents.models import Patent
from ipplatform.search.backends.embedded import EmbeddedBackend
from ipplatform.search.documents import DocType
from ipplatform.search.embeddings import get_embedder
from ipplatform.search.reindex import rebuild
from ipplatform.seed import seed
from tests.conftest import _serve
from tests.imports.files import EXPORT_HEADER, app_no, export_row, write_csv
from tests.journeys.conftest import DEMO_PATENTS, DemoSite

UNIV = "淮上理工大学（演示）"


@pytest.fixture(scope="module")
def demo_site(_sqlite_template, tmp_path_factory):
    """The seeded, indexed demo site of tests/journeys/conftest.py without its matching run (this journey
    uses no matches)."""
    folder = tmp_path_factory.mktemp("demo-import")
    shutil.copy(_sqlite_template, folder / "demo.sqlite3")
    engine = make_engine(f"sqlite:///{folder / 'demo.sqlite3'}")
    with hooked_session_factory(engine).begin() as db:
        seed(db, patents=DEMO_PATENTS)
    backend = EmbeddedBackend(folder / "search")
    for doc_type in DocType:
        rebuild(hooked_session_factory(engine), backend, get_embedder(), doc_type, progress=False)
    app = create_app(engine, search_backend=backend, start_indexer=True)
    app.state.indexer.drain(ignore_backoff=True)  # the seed's outbox, before the browser starts writing
    with _serve(app) as url:
        yield DemoSite(url, app, app.state.session_factory)
    engine.dispose()


def test_university_imports_an_export_and_offers_the_patents(demo_site, page, sign_in, visit, shoot, tmp_path):
    rows = [export_row(9_100_001 + i, UNIV, 专利名称=title, 专利转移次数="1" if i == 0 else "0",
                       转让日期="20220301" if i == 0 else "0")
            for i, title in enumerate(["一种茶叶杀青滚筒", "口罩", "一种板栗脱壳机"])]
    rows.append(export_row(9_100_009, UNIV, 申请号="CN202121635235.1"))  # a wrong check digit
    rows.append(export_row(9_100_010, "另一所大学（演示）"))  # imported, listed for checking
    path = write_csv(tmp_path / "导出.csv", rows, "gb18030", EXPORT_HEADER)
    console = []  # the pages' scripts (progress polling) run under the Content-Security-Policy
    page.on("console", lambda m: console.append(m.text) if any(
        w in m.text for w in ("Content Security Policy", "Content-Security-Policy", "Refused to")) else None)
    page.on("pageerror", lambda e: console.append(str(e)))

    sign_in("univ")
    page.get_by_test_id("nav-imports").click()
    expect(page.get_by_role("heading", name="批量导入")).to_be_visible()
    page.get_by_label("导入类型").select_option("patents")
    page.get_by_label(re.compile("^文件")).set_input_files(str(path))
    shoot("upload")
    page.get_by_test_id("dry-run").click()
    expect(page.get_by_test_id("outcome")).to_contain_text("预检完成，尚未写入任何数据", timeout=30_000)
    visit(page.url)
    expect(page.get_by_test_id("count-new")).to_have_text("4")
    expect(page.get_by_test_id("count-rejected")).to_have_text("1")
    expect(page.get_by_test_id("rejected")).to_contain_text("申请号校验位错误")
    expect(page.get_by_test_id("review")).to_contain_text("另一所大学（演示）")
    shoot("dry-run-report")
    with page.expect_download() as download:
        page.get_by_test_id("report").click()
    assert download.value.suggested_filename.endswith(".xlsx")

    page.get_by_test_id("valid-only").check()
    page.get_by_test_id("commit").click()
    expect(page.get_by_test_id("outcome")).to_contain_text("已写入数据库", timeout=30_000)
    visit(page.url)
    shoot("committed")
    with demo_site.factory() as db:
        numbers = set(db.scalars(select(Patent.application_number).where(Patent.title.in_(["口罩", "一种板栗脱壳机"]))))
    assert numbers == {app_no(9_100_002), app_no(9_100_003)}

    page.get_by_test_id("make-offers").click()
    visit(page.url)
    table = page.get_by_test_id("bulk-offers")
    for title in ("一种茶叶杀青滚筒", "口罩", "一种板栗脱壳机"):
        expect(table).to_contain_text(title)
    page.get_by_label("选择 口罩").check()
    page.get_by_label("选择 一种板栗脱壳机").check()
    page.get_by_label("转让").check()
    page.get_by_label("普通许可").check()
    page.get_by_label(re.compile("^报价")).fill("8")
    shoot("bulk-offers")
    page.get_by_test_id("publish-offers").click()
    expect(page).to_have_url(re.compile(r"/offers\?mine=1"))
    visit(page.url)
    expect(page.locator("main")).to_contain_text("口罩")
    expect(page.locator("main")).to_contain_text("一种板栗脱壳机")
    shoot("my-offers")
    with demo_site.factory() as db:
        made = list(db.scalars(select(Offer).where(Offer.title.in_(["口罩", "一种板栗脱壳机"]))))
    assert sorted(o.title for o in made) == ["一种板栗脱壳机", "口罩"]
    assert all(o.status == "published" and o.asking_price == 80000 and o.modes == ["transfer", "ordinary_licence"]
               for o in made)

    # a larger file: the job page shows its progress while the background job reads it (imports.js polls the
    # job and reloads the page when it is done), then the report
    big = write_csv(tmp_path / "大文件.csv", [export_row(9_200_000 + i, UNIV) for i in range(2000)], "utf-8",
                    EXPORT_HEADER)
    visit(demo_site.url + "/imports")
    page.get_by_label(re.compile("^文件")).set_input_files(str(big))
    page.get_by_test_id("dry-run").click()
    if page.get_by_test_id("progress").is_visible():
        shoot("progress")
    expect(page.get_by_test_id("count-new")).to_have_text("2000", timeout=120_000)
    assert console == []
