"""matching quality: the industry glossary (seeded) and learned ranker models

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 01:00:00
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa

from ipplatform.matching.glossary_seed import SEED

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    glossary = op.create_table(
        'glossary_term',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('industry', sa.String(length=32), nullable=False),
        sa.Column('colloquial', sa.JSON(), nullable=False),
        sa.Column('technical', sa.JSON(), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'],
                                name=op.f('fk_glossary_term_updated_by_id_user_account'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_glossary_term')))
    with op.batch_alter_table('glossary_term', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_glossary_term_industry'), ['industry'], unique=False)
    op.create_table(
        'ranker_model',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('features', sa.JSON(), nullable=False),
        sa.Column('model_text', sa.Text(), nullable=False),
        sa.Column('calibration', sa.JSON(), nullable=False),
        sa.Column('report', sa.JSON(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('trained_groups', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ranker_model')))
    with op.batch_alter_table('ranker_model', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ranker_model_active'), ['active'], unique=False)
    now = datetime.now(timezone.utc)
    op.bulk_insert(glossary, [
        {"industry": industry, "colloquial": list(colloquial), "technical": list(technical), "note": None,
         "active": True, "updated_by_id": None, "created_at": now, "updated_at": now}
        for industry, colloquial, technical in SEED])


def downgrade() -> None:
    with op.batch_alter_table('ranker_model', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ranker_model_active'))
    op.drop_table('ranker_model')
    with op.batch_alter_table('glossary_term', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_glossary_term_industry'))
    op.drop_table('glossary_term')
