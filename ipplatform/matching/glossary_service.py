"""The industry glossary: list, create, edit, delete entries, and preview what the matcher makes of a
demand's text with the current glossary. Every change bumps ``version()``, so a matcher in this
process reloads the glossary before its next ranking (others within GLOSSARY_MAX_AGE_S)."""

from __future__ import annotations

import itertools

from sqlalchemy import select
from sqlalchemy.orm import Session

from ipplatform.common.errors import Conflict, get_or_404
from ipplatform.common.patch import assign
from ipplatform.common.schemas import PageParams
from ipplatform.matching.glossary_models import INDUSTRIES, GlossaryTerm
from ipplatform.matching.glossary_schemas import GlossaryTermCreate, GlossaryTermRead, GlossaryTermUpdate
from ipplatform.matching.understand import Glossary, GlossaryEntry, understand

_version = itertools.count(1)
_current = 0


def version() -> int:
    """Changes made through this process so far (a matcher compares it with the one it loaded)."""
    return _current


def _bump() -> None:
    global _current
    _current = next(_version)


def read(term: GlossaryTerm) -> GlossaryTermRead:
    return GlossaryTermRead(id=term.id, industry=term.industry, industry_zh=INDUSTRIES.get(term.industry, term.industry),
                            colloquial=list(term.colloquial), technical=list(term.technical), note=term.note,
                            active=term.active, updated_at=term.updated_at)


def list_terms(db: Session, page: PageParams, industry: str | None = None, q: str | None = None,
               active: bool | None = None) -> tuple[list[GlossaryTerm], int]:
    """A page of entries, by industry then id; ``q`` finds a word in either list or the note (filtered
    here: the glossary has hundreds of rows, and JSON text is not searchable alike on both databases)."""
    stmt = select(GlossaryTerm).order_by(GlossaryTerm.industry, GlossaryTerm.id)
    if industry:
        stmt = stmt.where(GlossaryTerm.industry == industry)
    if active is not None:
        stmt = stmt.where(GlossaryTerm.active == active)
    rows = list(db.scalars(stmt))
    if q and q.strip():
        needle = q.strip().lower()
        rows = [t for t in rows if any(needle in w.lower() for w in [*t.colloquial, *t.technical, t.note or ""])]
    return rows[page.offset:page.offset + page.page_size], len(rows)


def get(db: Session, term_id: int) -> GlossaryTerm:
    return get_or_404(db, GlossaryTerm, term_id, "glossary entry", "术语条目")


def _no_clash(db: Session, industry: str, colloquial: list[str], exclude: int | None = None) -> None:
    """A colloquial word may head one active entry per industry (else which one applies is a guess)."""
    words = set(colloquial)
    for other in db.scalars(select(GlossaryTerm).where(GlossaryTerm.industry == industry, GlossaryTerm.active)):
        if other.id != exclude and words & set(other.colloquial):
            same = "、".join(sorted(words & set(other.colloquial)))
            raise Conflict(f"'{same}' already has an entry in this industry (#{other.id})",
                           f"“{same}”在该行业已有术语条目（#{other.id}），请直接修改那一条", field="colloquial")


def create(db: Session, data: GlossaryTermCreate, user) -> GlossaryTerm:
    _no_clash(db, data.industry, data.colloquial)
    term = GlossaryTerm(**data.model_dump(), updated_by_id=user.id)
    db.add(term)
    db.flush()
    _bump()
    return term


def update(db: Session, term: GlossaryTerm, data: GlossaryTermUpdate, user) -> GlossaryTerm:
    values = data.model_dump(exclude_unset=True)
    if values.get("active", term.active):
        _no_clash(db, values.get("industry", term.industry), values.get("colloquial", term.colloquial), exclude=term.id)
    assign(term, values)
    term.updated_by_id = user.id
    db.flush()
    _bump()
    return term


def delete(db: Session, term: GlossaryTerm) -> None:
    db.delete(term)
    db.flush()
    _bump()


def active_glossary(db: Session) -> Glossary:
    return Glossary(GlossaryEntry(t.id, t.industry, tuple(t.colloquial), tuple(t.technical))
                    for t in db.scalars(select(GlossaryTerm).where(GlossaryTerm.active).order_by(GlossaryTerm.id)))


def preview(db: Session, text: str) -> dict:
    """What matching makes of ``text``: the need, the context set aside, glossary hits, key words."""
    u = understand(text, active_glossary(db))
    return {"need": u.need, "context": u.context, "keyphrases": [w for w, _ in u.keyphrases[:12]],
            "hits": [{"colloquial": h.colloquial, "technical": list(h.technical), "entry_id": h.entry_id,
                      "explanation": h.explanation} for h in u.hits]}
