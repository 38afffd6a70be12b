"""search: drained outbox entries kept while a rebuild runs, so it can replay them

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 22:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('search_rebuild',
    sa.Column('doc_type', sa.String(length=10), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('doc_type', name=op.f('pk_search_rebuild'))
    )
    with op.batch_alter_table('search_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('drained_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('search_outbox', schema=None) as batch_op:
        batch_op.drop_column('drained_at')
    op.drop_table('search_rebuild')
