"""glossary: more everyday words, and the industries textiles, electronics, construction, medicine

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 08:00:00
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa

from ipplatform.matching.glossary_seed import SEED_0017

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

_TERM = sa.table('glossary_term', sa.column('id', sa.Integer()), sa.column('industry', sa.String(32)),
                 sa.column('colloquial', sa.JSON()), sa.column('technical', sa.JSON()), sa.column('note', sa.Text()),
                 sa.column('active', sa.Boolean()), sa.column('updated_by_id', sa.Integer()),
                 sa.column('created_at', sa.DateTime(timezone=True)), sa.column('updated_at', sa.DateTime(timezone=True)))


def upgrade() -> None:
    # An entry whose colloquial words office staff have since given to an active entry of the same
    # industry is left out (a word heads one active entry per industry).
    conn = op.get_bind()
    if not sa.inspect(conn).has_table('glossary_term'):  # a cache-only database (embedding cache) without it
        return
    taken = {(industry, w) for industry, words in conn.execute(
        sa.select(_TERM.c.industry, _TERM.c.colloquial).where(_TERM.c.active)) for w in (words or [])}
    now = datetime.now(timezone.utc)
    rows = [{"industry": industry, "colloquial": list(colloquial), "technical": list(technical), "note": None,
             "active": True, "updated_by_id": None, "created_at": now, "updated_at": now}
            for industry, colloquial, technical in SEED_0017
            if not any((industry, w) in taken for w in colloquial)]
    if rows:
        op.bulk_insert(_TERM, rows)


def downgrade() -> None:
    conn = op.get_bind()
    if not sa.inspect(conn).has_table('glossary_term'):
        return
    for industry, colloquial, _technical in SEED_0017:
        for term_id, words in conn.execute(sa.select(_TERM.c.id, _TERM.c.colloquial).where(
                _TERM.c.industry == industry, _TERM.c.updated_by_id.is_(None))):
            if list(words or []) == list(colloquial):
                conn.execute(_TERM.delete().where(_TERM.c.id == term_id))
