"""statistics facts: recount the stored deal amounts by Deal.counted_amount (a pledge its loan, an equity
contribution its valuation, any other deal its contract amount), which replaced "amount, else loan, else
valuation"; no schema change, the fact tables are rebuilt from the source tables

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 10:00:00
"""
from alembic import op

from ipplatform.stats import facts


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    facts.rebuild(op.get_bind())


def downgrade() -> None:
    pass  # derived data: the earlier code rebuilds its own facts with python -m ipplatform.stats.facts
