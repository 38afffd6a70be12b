"""The matrix cases of bulk import and export (API and pages): members import for their own organisation (an
agency also for those it is custodian of), office staff for any; making offers of imported patents is a
listing write (members, administrators); templates are public, exports follow each list's visibility."""

from __future__ import annotations

from ipplatform.imports.models import ImportJob
from ipplatform.imports.service import upload_dir
from tests import factories as f
from tests.authz.common import Case, Req

CSV = "申请号,专利名称,专利类型\nCN202121635235.X,一种无人机巡检系统,实用新型\n".encode()


def job(db, t, *, dry_run=True, committed=False, patent_ids=()):
    path = upload_dir() / f"authz-{f.credit_code()[-8:]}.csv"
    path.write_bytes(CSV)
    j = ImportJob(kind="patents", filename="p.csv", stored_path=str(path), owner_org_id=t.id, dry_run=dry_run,
                  valid_only=False, status="done", total_bytes=len(CSV), processed_bytes=0, processed_rows=1,
                  committed=committed, result={"rows": 1, "new": 1, "updated": 0, "unchanged": 0, "rejected": [],
                                               "committed": committed, "rejected_rows": 0, "ignored_columns": [],
                                               "review": [], "touched_ids": list(patent_ids), "extra": {}})
    db.add(j)
    db.flush()
    return j


def committed_job(db, t):
    return job(db, t, dry_run=False, committed=True, patent_ids=[f.patent(db, t).id])


API = [
    Case("import-template", "GET", "/api/imports/templates/{kind}", "public", 200,
         lambda db, w, t: Req("/api/imports/templates/patents"), by_owner=False, anon_ok=True),
    Case("import-create", "POST", "/api/imports/{kind}", "member_or_staff", 202, lambda db, w, t: Req(
        "/api/imports/patents", form={"owner_org_id": str(t.id)}, files={"file": ("p.csv", CSV, "text/csv")})),
    Case("import-read", "GET", "/api/imports/jobs/{job_id}", "member_or_staff", 200,
         lambda db, w, t: Req(f"/api/imports/jobs/{job(db, t).id}")),
    Case("import-report", "GET", "/api/imports/jobs/{job_id}/report.xlsx", "member_or_staff", 200,
         lambda db, w, t: Req(f"/api/imports/jobs/{job(db, t).id}/report.xlsx")),
    Case("export-list", "GET", "/api/exports/{kind}", "signed_in", 200,
         lambda db, w, t: Req("/api/exports/offers?format=csv"), by_owner=False),
]

PAGES = [
    Case("page-imports", "GET", "/imports", "member_or_staff", 200, lambda db, w, t: Req("/imports"), always_own=True),
    # without a file the form comes back with its message (422); refused roles get the 403 first
    Case("page-import-upload", "POST", "/imports", "member_or_staff", 422,
         lambda db, w, t: Req("/imports", form={"kind": "patents"}), always_own=True),
    Case("page-import-job", "GET", "/imports/{job_id}", "member_or_staff", 200,
         lambda db, w, t: Req(f"/imports/{job(db, t).id}")),
    Case("page-import-commit", "POST", "/imports/{job_id}/commit", "member_or_staff", 303,
         lambda db, w, t: Req(f"/imports/{job(db, t).id}/commit", form={})),
    Case("page-import-offers", "GET", "/imports/{job_id}/offers", "member", 200,
         lambda db, w, t: Req(f"/imports/{committed_job(db, t).id}/offers")),
    Case("page-import-offers-create", "POST", "/imports/{job_id}/offers", "member", 303, lambda db, w, t: Req(
        f"/imports/{(j := committed_job(db, t)).id}/offers", form={
            "patent_ids": str(j.result["touched_ids"][0]), "modes": "transfer", "negotiable": "on",
            "action": "publish"})),
]
for _c in PAGES:
    _c.page = True
CASES = API + PAGES
