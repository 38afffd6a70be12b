"""Import jobs: an upload is stored under ``{IPP_DATA_DIR}/imports/`` and processed in the background
(``run_job``, in its own session and transaction); the page polls its progress (kept in memory by the
process running it, the counts and rejected rows in the job's ``result`` when done). A dry run's file can
then be committed as a new job (``commit_job``). After a patent import, ``make_offers`` turns a selection
of the imported patents into offers in one step."""

from __future__ import annotations

import logging
import secrets
import threading
import time
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from ipplatform.auth import policy
from ipplatform.auth.policy import Action
from ipplatform.common.enums import TransactionMode
from ipplatform.common.errors import AppError, Conflict, FieldError, get_or_404, is_transient_db_error
from ipplatform.config import get_settings
from ipplatform.database import utcnow
from ipplatform.imports import engine
from ipplatform.imports.kinds import KINDS
from ipplatform.imports.models import ImportJob
from ipplatform.imports.reader import Unreadable, check_upload
from ipplatform.offers import service as offers_service
from ipplatform.offers.schemas import OfferCreate
from ipplatform.organisations import service as org_service
from ipplatform.organisations.models import Organisation
from ipplatform.patents.models import Patent

log = logging.getLogger(__name__)
_progress: dict[int, tuple[float, int]] = {}  # job id → (fraction read, rows so far), while it runs
_lock = threading.Lock()
MAX_BULK_OFFERS = 500
KEEP_UPLOADS_S = 7 * 24 * 3600


def upload_dir() -> Path:
    folder = Path(get_settings().data_dir) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def get(db: Session, job_id: int) -> ImportJob:
    return get_or_404(db, ImportJob, job_id, "import job", "导入任务")


def owner_for_new(db: Session, user, kind: str, owner_org_id: int | None):
    """The organisation the rows are imported for (None for deals), after asking the policy: members for
    their own organisation (an agency also for those it is custodian of), office staff for any."""
    if kind == "deals":
        policy.require(user, Action.DEAL_IMPORT)
        return None
    owner = org_service.get(db, owner_org_id or user.org_id)
    policy.require(user, Action.IMPORT_WRITE, owner)
    return owner


def readable_job(db: Session, user, job_id: int) -> ImportJob:
    """The job if ``user`` may follow it (its organisation's side, or staff), else the 404 or 403."""
    job = get(db, job_id)
    if job.kind == "deals":
        policy.require(user, Action.DEAL_IMPORT)
    else:
        policy.require(user, Action.IMPORT_WRITE, job.owner)
    return job


def publisher_for(user, owner) -> int | None:
    """Who publishes the offers of an import: the user's organisation when it acts for the owner (itself, or
    as custodian agency), else the owner (office staff importing for an organisation)."""
    if owner is None:
        return None
    return user.org_id if policy.owns(user, owner) else owner.id


def create_job(db: Session, *, kind: str, filename: str, content: bytes, owner, user, dry_run: bool,
               valid_only: bool) -> ImportJob:
    if kind not in KINDS:
        raise FieldError(f"unknown import kind {kind}", f"导入类型“{kind}”无效，应为：专利、供给、需求或交易", field="kind")
    ext = check_upload(filename, len(content))
    folder = upload_dir()
    for old in folder.iterdir():  # uploads are kept for committing a dry run later, for a week
        if old.is_file() and time.time() - old.stat().st_mtime > KEEP_UPLOADS_S:
            old.unlink(missing_ok=True)
    path = folder / f"{secrets.token_hex(12)}{ext}"
    path.write_bytes(content)
    job = ImportJob(kind=kind, filename=Path(filename).name[:255], stored_path=str(path),
                    owner_org_id=owner.id if owner is not None else None, user_id=user.id, dry_run=dry_run,
                    valid_only=valid_only, status="queued", total_bytes=len(content), processed_bytes=0,
                    processed_rows=0, committed=False)
    db.add(job)
    db.flush()
    return job


def commit_job(db: Session, dry: ImportJob, user, valid_only: bool) -> ImportJob:
    """A new job that commits the file a dry run checked."""
    if not dry.dry_run or dry.status != "done":
        raise Conflict("only a finished dry run can be committed", "只有已完成的预检可以提交导入", code="not_dry_run")
    if not Path(dry.stored_path).is_file():
        raise Conflict("the uploaded file is no longer kept; upload it again", "上传的文件已不在服务器上，请重新上传",
                       code="file_gone")
    job = ImportJob(kind=dry.kind, filename=dry.filename, stored_path=dry.stored_path, owner_org_id=dry.owner_org_id,
                    user_id=user.id, dry_run=False, valid_only=valid_only, status="queued", total_bytes=dry.total_bytes,
                    processed_bytes=0, processed_rows=0, committed=False)
    db.add(job)
    db.flush()
    return job


def progress_of(job: ImportJob) -> dict:
    with _lock:
        fraction, rows = _progress.get(job.id, (1.0 if job.status in ("done", "failed") else 0.0, job.processed_rows))
    return {"id": job.id, "status": job.status, "percent": round(fraction * 100), "rows": rows,
            "committed": job.committed, "error_zh": job.error_zh, "done": job.status in ("done", "failed")}


def _retrying(fn, attempts: int):
    """``fn()``, again after a pause when the database was busy (SQLite: another writer committed since this
    transaction's first read; PostgreSQL: a serialization failure). Each attempt is a whole transaction."""
    for attempt in range(attempts):
        try:
            return fn()
        except OperationalError as exc:
            if not is_transient_db_error(exc) or attempt == attempts - 1:
                raise
            log.info("import job: database busy, retrying (%s)", exc.orig)
            time.sleep(min(8.0, 0.5 * 2 ** attempt))
    return None


def run_job(factory: sessionmaker, job_id: int, publisher_org_id: int | None = None) -> None:
    """Process a queued job (the background task of an upload): its own transaction for the rows, short
    ones for the job's status. Never raises: a failure is the job's ``failed`` status and message."""

    def start():
        with factory.begin() as db:
            job = get(db, job_id)
            job.status = "running"
            return (job.kind, Path(job.stored_path), job.filename, job.owner_org_id, job.dry_run, job.valid_only,
                    job.user_id)

    kind, path, filename, owner_id, dry_run, valid_only, user_id = _retrying(start, 8)

    def progress(fraction: float, rows: int) -> None:
        with _lock:
            _progress[job_id] = (fraction, rows)

    def work():
        progress(0.0, 0)
        with factory.begin() as db:
            db.info["actor_id"] = user_id  # the audit trail names who uploaded the file
            owner = db.get(Organisation, owner_id) if owner_id else None
            return engine.run(db, KINDS[kind], path, filename, owner=owner, user_id=user_id, dry_run=dry_run,
                              valid_only=valid_only, progress=progress, options={"publisher_org_id": publisher_org_id})

    result, error = None, None
    try:
        result = _retrying(work, 3)  # a rolled-back attempt left nothing behind: trying again is safe
    except (Unreadable, AppError) as exc:
        error = exc.message_zh
    except Exception:  # noqa: BLE001 - the database refused the commit: nothing of the file was written
        log.exception("import job %s failed", job_id)
        error = "导入失败，数据库未作任何修改，请稍后重试"

    def finish():
        with factory.begin() as db:
            job = get(db, job_id)
            job.finished_at = utcnow()
            job.status = "failed" if error else "done"
            job.error_zh = error
            if result is not None:
                job.result = result.as_dict()
                job.committed = result.committed
                job.processed_rows = result.rows

    try:
        _retrying(finish, 8)
    finally:
        with _lock:
            _progress.pop(job_id, None)
    if result is not None and result.committed:
        path.unlink(missing_ok=True)  # written: the file is not needed again (a refused one may be committed
        # with "valid rows only" from its dry run)


def imported_patents(db: Session, job: ImportJob) -> list[Patent]:
    """The patents a committed patent import created or updated (still held by its organisation)."""
    ids = (job.result or {}).get("touched_ids", [])[:MAX_BULK_OFFERS]
    if job.kind != "patents" or not job.committed or not ids:
        return []
    return list(db.scalars(select(Patent).where(Patent.id.in_(ids), Patent.owner_org_id == job.owner_org_id)
                           .order_by(Patent.id)))


def make_offers(db: Session, job: ImportJob, patent_ids: list[int], *, modes: list[str], price: Decimal | None,
                negotiable: bool, publish: bool, publisher_org_id: int, user_id: int | None) -> list:
    """One offer per selected patent (titled with the patent's title), all with the same modes and price."""
    allowed = {p.id: p for p in imported_patents(db, job)}
    chosen = [allowed[i] for i in patent_ids if i in allowed]
    if not chosen:
        raise FieldError("select at least one imported patent", "请至少选择一件导入的专利", field="patent_ids")
    offers = []
    with db.begin_nested():  # one refused patent (e.g. lapsed, or a pledge of an ungranted one): no offer at all
        for patent in chosen:
            data = OfferCreate(title=patent.title[:200], description=patent.abstract, patent_ids=[patent.id],
                               modes=[TransactionMode(m) for m in modes], asking_price=price,
                               negotiable=negotiable or price is None, publish=publish)
            offers.append(offers_service.create(db, data, owner=job.owner, publisher_org_id=publisher_org_id,
                                                user_id=user_id))
    return offers
