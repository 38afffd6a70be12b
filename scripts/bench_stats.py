"""Statistics benchmark on PostgreSQL at 1M outcome rows: p95 per indicator and the whole dashboard on
the fact tables of migration 0007 (built here from the loaded rows, timed), the same whole-period
numbers straight from the source tables as the in-process baseline (values cross-checked), and the
cost the facts hook adds to recording a deal.

    .venv/bin/python scripts/bench_stats.py [--deals 1000000] [--repeat 7]

Rows are synthetic (flagged synthetic): 2,000 organisations across Xinyang's counties, 200,000 patents,
1,000,000 deals over five years with one to three patents each, 300,000 matches, 50,000 conversions,
20,000 credit flags; loaded with COPY.
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import ipplatform.models  # noqa: E402,F401
import numpy as np  # noqa: E402
from sqlalchemy import select, text  # noqa: E402

from ipplatform import migrate  # noqa: E402
from ipplatform.database import make_engine  # noqa: E402
from ipplatform.hooks import hooked_session_factory  # noqa: E402
from ipplatform.outcomes.enums import TRANSFER_OR_LICENCE, DealStatus, DealType  # noqa: E402
from ipplatform.stats import indicators as ind  # noqa: E402
from ipplatform.stats.summary import summary  # noqa: E402

COUNTIES = ["411502", "411503", "411521", "411522", "411523", "411524", "411525", "411526", "411527", "411528"]
INDUSTRIES = ["1530", "1311", "3841", "2651", "3572", "3990", "8341", "7330", "1942", "3491"]
KINDS = ["enterprise"] * 7 + ["university", "research_institute", "financial"]
TYPES = ["transfer"] * 45 + ["ordinary_licence"] * 15 + ["exclusive_licence"] * 7 + ["open_licence"] * 8 + \
    ["pledge"] * 15 + ["equity"] * 5 + ["self_implementation"] * 5


def pg():
    spec = importlib.util.spec_from_file_location("ipp_pg", ROOT / "scripts" / "pg.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def copy(conn, table: str, columns: list[str], rows) -> None:
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as cp:
        for row in rows:
            cp.write_row(row)


def load(url: str, n_deals: int, rng: random.Random) -> None:
    engine = make_engine(url)
    raw = engine.raw_connection()
    conn = raw.driver_connection
    now = datetime.now(timezone.utc)
    start = date.today() - timedelta(days=5 * 365)
    n_org, n_pat = 2000, 200_000
    copy(conn, "organisation", ["id", "kind", "name", "credit_code", "county_code", "industry_code", "verified",
                                "synthetic", "created_at", "updated_at"],
         ((i, KINDS[i % 10], f"合成机构{i}", f"BENCH{i:013d}", COUNTIES[i % 10], INDUSTRIES[(i * 7) % 10], True, True,
           now, now) for i in range(1, n_org + 1)))
    copy(conn, "patent", ["id", "application_number", "kind", "title", "ipc_main", "ipc_codes", "applicants",
                          "inventors", "legal_status", "owner_org_id", "synthetic", "created_at", "updated_at"],
         ((i, f"BENCH{i}", "utility_model", f"合成专利{i}", "ABCDEFGH"[i % 8] + "01B", '["A01B"]', "[]", "[]", "valid",
           1 + i % n_org, True, now, now) for i in range(1, n_pat + 1)))
    copy(conn, "offer", ["id", "title", "owner_org_id", "publisher_org_id", "modes", "negotiable", "application_fields",
                         "status", "published_at", "synthetic", "version", "created_at", "updated_at"],
         ((i, f"合成供给{i}", 1 + i % n_org, 1 + i % n_org, '["transfer"]', True, "[]", "published",
           now - timedelta(days=rng.randrange(1825)), True, 1, now, now) for i in range(1, 200_001)))
    copy(conn, "offer_patent", ["offer_id", "patent_id"], ((i, i) for i in range(1, 200_001)))
    copy(conn, "demand", ["id", "org_id", "title", "description", "preferred_ipc", "modes", "status", "published_at",
                          "synthetic", "version", "created_at", "updated_at"],
         ((i, 1 + (i * 3) % n_org, f"合成需求{i}", "合成需求描述", "[]", "[]", "published",
           now - timedelta(days=rng.randrange(1825)), True, 1, now, now) for i in range(1, 20_001)))

    def matches():
        for i in range(1, 300_001):
            at = now - timedelta(days=rng.randrange(1825))
            stage = rng.random()
            yield (i, 1 + i % 20_000, 1 + (i * 7) % 199_999, 1.0, 1, False, "{}", "{}", "automatic", "suggested", at,
                   at + timedelta(hours=rng.randrange(1, 300)) if stage < 0.4 else None,
                   at + timedelta(days=rng.randrange(5, 60)) if stage < 0.08 else None, at, False, now, now)

    copy(conn, "match", ["id", "demand_id", "offer_id", "score", "rank", "strong", "features", "explanation", "source",
                         "status", "suggested_at", "contacted_at", "agreed_at", "scored_at", "notified", "created_at",
                         "updated_at"], matches())

    def deals():
        for i in range(1, n_deals + 1):
            t = TYPES[rng.randrange(100)]
            amount = round(rng.lognormvariate(12.2, 0.8), -3)
            yield (i, t, "recorded" if rng.random() < 0.85 else "draft", 1 + rng.randrange(n_org),
                   None if t in ("pledge", "self_implementation") else 1 + rng.randrange(n_org),
                   None if t in ("pledge", "equity") else amount, amount * 10 if t == "pledge" else None,
                   amount * 5 if t == "equity" else None, start + timedelta(days=rng.randrange(5 * 365)), True, now, now)

    copy(conn, "deal", ["id", "type", "status", "from_org_id", "to_org_id", "amount", "loan_amount", "valuation",
                        "contract_date", "synthetic", "created_at", "updated_at"], deals())

    def links():
        for i in range(1, n_deals + 1):
            first = 1 + rng.randrange(n_pat - 3)
            for k in range(rng.choice([1, 1, 1, 2, 3])):
                yield (i, first + k)

    copy(conn, "deal_patent", ["deal_id", "patent_id"], links())
    copy(conn, "conversion", ["id", "org_id", "product", "start_date", "synthetic", "created_at", "updated_at"],
         ((i, 1 + i % n_org, f"合成产品{i}", start + timedelta(days=rng.randrange(1825)), True, now, now)
          for i in range(1, 50_001)))
    copy(conn, "conversion_patent", ["conversion_id", "patent_id"], ((i, 1 + (i * 13) % n_pat) for i in range(1, 50_001)))
    copy(conn, "credit_flag", ["id", "deal_id", "rule", "evidence", "message_zh", "status", "created_at"],
         ((i, 1 + (i * 41) % n_deals, "price_outlier", "{}", "合成预警", "open" if i % 3 else "cleared", now)
          for i in range(1, 20_001)))
    for table in ("organisation", "patent", "offer", "demand", "match", "deal", "conversion", "credit_flag"):
        conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    conn.commit()
    with engine.begin() as c:
        c.execute(text("ANALYZE"))
    raw.close()
    engine.dispose()


def measure(factory, repeat: int) -> dict:
    today = date.today()
    scenarios = {"all": ind.Filters(), "quarter": ind.Filters(start=today - timedelta(days=90), end=today),
                 "county+year": ind.Filters(start=today - timedelta(days=365), end=today, county="411524"),
                 "section C": ind.Filters(industry_section="C", start=today - timedelta(days=365), end=today)}
    out = {}
    with factory() as db:
        for i in ind.CATALOGUE:
            times = []
            for _ in range(repeat):
                for f in scenarios.values():
                    t0 = time.perf_counter()
                    ind.compute(db, i.id, f)
                    times.append((time.perf_counter() - t0) * 1000)
            out[i.id] = (float(np.percentile(times, 50)), float(np.percentile(times, 95)))
        dash = []
        for _ in range(3):
            for f in scenarios.values():
                t0 = time.perf_counter()
                summary(db, f)
                dash.append((time.perf_counter() - t0) * 1000)
        out["__dashboard__"] = (float(np.percentile(dash, 50)), float(np.percentile(dash, 95)))
    return out


# The same whole-period numbers straight from the source tables: the baseline the fact tables are
# timed against, and a cross-check of their values at full size.
DIRECT = {
    "deals_count": "SELECT count(*) FROM deal WHERE status = 'recorded'",
    "deals_amount": "SELECT round(sum(coalesce(amount, loan_amount, valuation)) / 10000, 2) FROM deal "
                    "WHERE status = 'recorded'",
    "deals_patents": "SELECT count(DISTINCT dp.patent_id) FROM deal_patent dp JOIN deal d ON d.id = dp.deal_id "
                     "WHERE d.status = 'recorded'",
    "pledge_enterprises": "SELECT count(DISTINCT d.from_org_id) FROM deal d JOIN organisation o ON o.id = d.from_org_id "
                          "WHERE d.status = 'recorded' AND d.type = 'pledge' AND o.kind = 'enterprise'",
    "univ_share": "SELECT round(100.0 * count(*) FILTER (WHERE o.kind IN ('university', 'research_institute')) "
                  "/ count(*), 2) FROM deal d JOIN organisation o ON o.id = d.from_org_id WHERE d.status = 'recorded' "
                  f"AND d.type IN ({', '.join(repr(t.value) for t in TRANSFER_OR_LICENCE)})",
    "conversion_rate_university":
        "SELECT round(100.0 * count(c.patent_id) / count(*), 2) FROM (SELECT DISTINCT dp.patent_id FROM deal_patent dp "
        "JOIN deal d ON d.id = dp.deal_id JOIN organisation o ON o.id = d.from_org_id WHERE d.status = 'recorded' "
        "AND o.kind IN ('university', 'research_institute') "
        f"AND d.type IN ({', '.join(repr(t.value) for t in TRANSFER_OR_LICENCE)})) p "
        "LEFT JOIN (SELECT DISTINCT patent_id FROM conversion_patent) c ON c.patent_id = p.patent_id",
    "conversion_rate_listed":
        "SELECT round(100.0 * count(c.patent_id) / count(*), 2) FROM (SELECT DISTINCT op.patent_id FROM offer_patent op "
        "JOIN offer o ON o.id = op.offer_id WHERE o.published_at IS NOT NULL) p "
        "LEFT JOIN (SELECT DISTINCT patent_id FROM conversion_patent) c ON c.patent_id = p.patent_id",
    "flagged_deals": "SELECT count(*) FROM deal d WHERE d.status = 'recorded' AND EXISTS (SELECT 1 FROM credit_flag f "
                     "WHERE f.deal_id = d.id AND f.status = 'open')",
}


def baseline(factory, repeat: int) -> list[tuple]:
    """(indicator, direct value, fact value, direct p95 ms, fact p95 ms) for the whole period."""
    rows = []
    with factory() as db:
        for indicator, sql in DIRECT.items():
            direct_t, fact_t = [], []
            for _ in range(repeat):
                t0 = time.perf_counter()
                direct = float(db.scalar(text(sql)))
                t1 = time.perf_counter()
                value = ind.compute(db, indicator, ind.Filters())
                t2 = time.perf_counter()
                direct_t.append((t1 - t0) * 1000)
                fact_t.append((t2 - t1) * 1000)
            rows.append((indicator, direct, value, float(np.percentile(direct_t, 95)), float(np.percentile(fact_t, 95))))
    return rows


def write_cost(engine, n: int = 40) -> tuple[float, float]:
    """Median ms to record one two-patent deal (insert + commit), with the facts hook and without it
    (a second session factory with every hook but the facts one)."""
    from ipplatform.outcomes.models import Deal
    from ipplatform.patents.models import Patent

    def one(db, k: int) -> float:
        t0 = time.perf_counter()
        patents = db.scalars(select(Patent).where(Patent.id.in_([1000 + 2 * k, 1001 + 2 * k]))).all()
        db.add(Deal(type=DealType.ORDINARY_LICENCE, status=DealStatus.RECORDED, from_org_id=1 + k % 2000, to_org_id=2 + k % 1999,
                    amount=100000, contract_date=date.today() - timedelta(days=k), patents=list(patents), synthetic=True))
        db.commit()
        return (time.perf_counter() - t0) * 1000

    with hooked_session_factory(engine)() as db:
        with_hook = [one(db, k) for k in range(n)]
    with hooked_session_factory(engine, facts=False)() as db:
        without = [one(db, n + k) for k in range(n)]
    return float(np.median(with_hook)), float(np.median(without))


def load_fresh(url: str, n_deals: int) -> None:
    migrate.upgrade(url, "0006")  # the schema before the fact tables
    t0 = time.perf_counter()
    load(url, n_deals, random.Random(1))
    print(f"loaded {n_deals:,} deals and the rest in {time.perf_counter() - t0:.0f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--deals", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the database ipp_bench_stats afterwards")
    parser.add_argument("--reuse", action="store_true", help="measure a kept database without reloading it")
    args = parser.parse_args()
    pgmod = pg()
    base = pgmod.start()
    admin = make_engine(base.rsplit("/", 1)[0] + "/postgres")
    url = base.rsplit("/", 1)[0] + "/ipp_bench_stats"
    engine = make_engine(url)
    factory = hooked_session_factory(engine)
    if not args.reuse:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("DROP DATABASE IF EXISTS ipp_bench_stats WITH (FORCE)"))
            c.execute(text("CREATE DATABASE ipp_bench_stats"))
        load_fresh(url, args.deals)
    else:
        migrate.upgrade(url, "0006")
    t0 = time.perf_counter()
    migrate.upgrade(url)  # 0007 creates the fact tables and fills them from the rows just loaded
    print(f"migration 0007 built the fact tables in {time.perf_counter() - t0:.1f} s", flush=True)
    with make_engine(url).begin() as c:
        c.execute(text("ANALYZE"))
        sizes = {t: c.scalar(text(f"SELECT count(*) FROM {t}")) for t in
                 ("stat_deal", "stat_deal_day", "stat_deal_patent", "stat_listed_patent", "stat_converted_patent")}
    print("fact rows: " + ", ".join(f"{k} {v:,}" for k, v in sizes.items()))
    after = measure(factory, args.repeat)
    print("\n| indicator | p50 / p95 ms (4 filter scenarios) |\n|---|---|")
    for k in after:
        print(f"| {k} | {after[k][0]:.0f} / {after[k][1]:.0f} |")
    print("\n| whole period | source tables | fact tables | source p95 ms | facts p95 ms | facts/source |\n"
          "|---|---|---|---|---|---|")
    for name, direct, value, td, tf in baseline(factory, args.repeat):
        mark = "" if abs(direct - value) < 0.011 else "  MISMATCH"
        print(f"| {name} | {direct:,.2f} | {value:,.2f}{mark} | {td:.0f} | {tf:.0f} | {tf / td:.2f}× |")
    hooked, bare = write_cost(engine)
    print(f"\nrecording one deal: {hooked:.1f} ms with the facts hook, {bare:.1f} ms without "
          f"({hooked / bare:.2f}×, median of 40)")
    if args.keep:
        return
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text("DROP DATABASE IF EXISTS ipp_bench_stats WITH (FORCE)"))


if __name__ == "__main__":
    main()
