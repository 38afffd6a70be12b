"""Loading a patent corpus (the columns of cn-patents-titles-ipc/patents.csv) into a throwaway
database and search index, as published offers: the evaluate command and the benchmarks share it."""

from __future__ import annotations

import csv
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy.orm import sessionmaker

from ipplatform import migrate
from ipplatform.common.validators import credit_code_check_char
from ipplatform.database import make_engine, session_factory
from ipplatform.offers.models import Offer, offer_patent
from ipplatform.organisations.enums import OrgKind
from ipplatform.organisations.models import Organisation
from ipplatform.patents.enums import KIND_BY_PUBLICATION_CODE, PatentKind
from ipplatform.patents.models import Patent
from ipplatform.search.documents import DocType
from ipplatform.search.indexer import embed_documents, load_documents

REQUIRED = ("publication_number", "kind", "title_zh", "ipc_subclasses")
EVAL_CREDIT_CODE = "12411500MB0000001" + credit_code_check_char("12411500MB0000001")


class CorpusError(ValueError):
    pass


def read_corpus(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            raise CorpusError(f"{path}: missing column(s) {', '.join(missing)}; expected {', '.join(REQUIRED)}"
                              " [+ abstract_zh]")
        rows, bad = [], []
        for n, row in enumerate(reader, start=2):
            if not row["publication_number"].strip() or not row["title_zh"].strip():
                bad.append(n)
                continue
            rows.append(row)
    if bad:
        print(f"corpus: skipped {len(bad)} rows without publication number or title (lines {bad[:10]}…)")
    if not rows:
        raise CorpusError(f"{path}: no usable rows")
    return rows


def load(rows: list[dict], url: str) -> tuple[sessionmaker, dict[int, str]]:
    """Insert rows as patents + published offers of one synthetic organisation; returns offer id → pub no."""
    migrate.upgrade(url)
    factory = session_factory(make_engine(url))
    now = datetime.now(timezone.utc)
    with factory.begin() as db:
        org = Organisation(kind=OrgKind.UNIVERSITY, name="评测语料（合成机构）", credit_code=EVAL_CREDIT_CODE,
                           county_code="411500", synthetic=True, verified=True)
        db.add(org)
        db.flush()
        patents, offers, links = [], [], []
        for i, r in enumerate(rows, start=1):
            kind = KIND_BY_PUBLICATION_CODE.get(r["kind"].strip()[:1], PatentKind.INVENTION_APPLICATION)
            ipc = [c.strip().upper() for c in r["ipc_subclasses"].split("|") if c.strip()]
            patents.append({"id": i, "application_number": f"EVAL{i}", "publication_number": None, "kind": kind,
                            "title": r["title_zh"].strip()[:300], "abstract": (r.get("abstract_zh") or None),
                            "ipc_main": ipc[0] if ipc else None, "ipc_codes": ipc, "applicants": [], "inventors": [],
                            "legal_status": "valid", "owner_org_id": org.id, "synthetic": True,
                            "created_at": now, "updated_at": now})
            offers.append({"id": i, "title": r["title_zh"].strip()[:200], "description": None, "owner_org_id": org.id,
                           "publisher_org_id": org.id, "modes": ["transfer"], "negotiable": True,
                           "application_fields": [], "status": "published", "published_at": now, "synthetic": True,
                           "version": 1, "created_at": now, "updated_at": now})
            links.append({"offer_id": i, "patent_id": i})
        conn = db.connection()
        for data, table in ((patents, Patent.__table__), (offers, Offer.__table__), (links, offer_patent)):
            for j in range(0, len(data), 5000):
                conn.execute(table.insert(), data[j:j + 5000])
    return factory, {i: r["publication_number"].strip() for i, r in enumerate(rows, start=1)}


def index(factory: sessionmaker, backend, embedder, n: int, cache_factory: sessionmaker | None = None,
          batch: int = 512, progress: bool = True) -> None:
    from tqdm import tqdm

    def batches():
        with factory() as db, tqdm(total=n, desc="index corpus", unit="doc", disable=not progress) as bar:
            for start in range(1, n + 1, batch):
                docs = load_documents(db, DocType.OFFER, list(range(start, min(n, start + batch - 1) + 1)))
                if cache_factory is not None:
                    with cache_factory.begin() as cache:
                        vectors = embed_documents(embedder, cache, docs)
                else:
                    vectors = embed_documents(embedder, None, docs)
                bar.update(len(docs))
                yield docs, vectors

    backend.rebuild(DocType.OFFER, batches(), embedder.dims)
    backend.optimize(DocType.OFFER)  # as python -m ipplatform.search.reindex leaves it
