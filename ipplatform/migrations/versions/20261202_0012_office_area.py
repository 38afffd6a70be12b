"""office area: a credit flag's review keeps when it was decided and the reviewer's note

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 01:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('credit_flag', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('review_note', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('credit_flag', schema=None) as batch_op:
        batch_op.drop_column('review_note')
        batch_op.drop_column('reviewed_at')
