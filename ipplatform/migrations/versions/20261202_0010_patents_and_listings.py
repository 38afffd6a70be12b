"""patents and listings: an index for an organisation's patents by legal status (the patent page's filter
and the offer form's patent picker)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 01:00:00
"""
from alembic import op


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_patent_owner_status", "patent", ["owner_org_id", "legal_status"])


def downgrade() -> None:
    op.drop_index("ix_patent_owner_status", table_name="patent")
