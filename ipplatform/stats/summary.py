"""The dashboard's numbers in one place (used by the API, the page, the CSV downloads and the Excel report)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from ipplatform import reference
from ipplatform.organisations.enums import OrgKind
from ipplatform.outcomes.enums import DealType
from ipplatform.stats import indicators as ind
from ipplatform.stats.funnel import funnel

BREAKDOWNS = {  # chart id: (indicator, dimension, Chinese title)
    "trend": ("deals_count", "month", "月度交易笔数"),
    "amount_trend": ("deals_amount", "month", "月度交易金额（万元）"),
    "county": ("deals_count", "county", "各县区交易笔数"),
    "industry": ("deals_count", "industry", "各行业（国民经济行业大类）交易笔数"),
    "type": ("deals_count", "type", "交易类型构成"),
    "pledge_county": ("pledge_amount", "county", "各县区质押融资金额（万元）"),
    "ipc": ("deals_count", "ipc_section", "交易专利技术领域（IPC 部，按主分类号）"),
}


def previous(f: ind.Filters) -> ind.Filters | None:
    """The period of the same length just before ``f``'s."""
    if not f.start or not f.end:
        return None
    days = (f.end - f.start).days + 1
    return replace(f, start=f.start - timedelta(days=days), end=f.start - timedelta(days=1))


def label(dimension: str, key: str) -> str:
    if dimension == "county":
        return reference.region_name(key, key, full=False)
    if dimension == "industry":
        return reference.industry_name(key, key)
    if dimension == "type":
        try:
            return DealType(key).zh
        except ValueError:
            return key
    if dimension == "org_kind":
        try:
            return OrgKind(key).zh
        except ValueError:
            return key
    return key


def run_consistently(db: Session, tasks: list, workers: int = 3) -> list:
    """Run ``task(session)`` for every task. On PostgreSQL the tasks share out over ``workers`` sessions
    that all import the snapshot of ``db``'s transaction (``pg_export_snapshot``), so the numbers are as
    consistent as one long query's; elsewhere they run one after another in ``db``."""
    engine = db.get_bind()
    if engine.dialect.name != "postgresql" or workers < 2 or len(tasks) < 2:
        return [task(db) for task in tasks]
    snapshot = db.scalar(text("SELECT pg_export_snapshot()"))  # valid while db's transaction stays open
    results: list = [None] * len(tasks)
    pending = list(enumerate(tasks))
    lock = threading.Lock()

    def worker() -> None:
        with Session(bind=engine) as session:
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            session.execute(text(f"SET TRANSACTION SNAPSHOT '{snapshot}'"))
            while True:
                with lock:
                    if not pending:
                        return
                    i, task = pending.pop(0)
                results[i] = task(session)

    with ThreadPoolExecutor(workers) as pool:
        for future in [pool.submit(worker) for _ in range(min(workers, len(tasks)))]:
            future.result()
    return results


def summary(db: Session, f: ind.Filters) -> dict:
    prev = previous(f)
    tasks = [lambda s, i=i: ind.compute(s, i.id, f) for i in ind.REPORTED]
    if prev:
        tasks += [lambda s, i=i: ind.compute(s, i.id, prev) for i in ind.REPORTED]
    tasks += [lambda s, c=c: ind.breakdown(s, c[0], f, c[1]) for c in BREAKDOWNS.values()]
    tasks.append(lambda s: funnel(s, f))
    results = run_consistently(db, tasks)
    stages = results.pop()
    n = len(ind.REPORTED)
    values, before = results[:n], (results[n:2 * n] if prev else [None] * n)
    rows = []
    for i, value, was in zip(ind.REPORTED, values, before):
        change = round(100 * (value - was) / was, 1) if was and value is not None else None
        rows.append({"id": i.id, "name_zh": i.name_zh, "unit": i.unit, "value": value, "previous": was,
                     "change_pct": change})
    charts = {}
    for (chart, (indicator, dim, title)), data in zip(BREAKDOWNS.items(), results[-len(BREAKDOWNS):]):
        charts[chart] = {"title": title, "indicator": indicator, "by": dim,
                         "rows": [{"key": k, "label": label(dim, k), "value": v} for k, v in data.items()]}
    return {"filters": {k: (str(v) if isinstance(v, date) else v) for k, v in f.__dict__.items()},
            "indicators": rows, "funnel": stages,
            "charts": charts}
