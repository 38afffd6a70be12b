"""dashboard indexes: what scripts/bench_stats.py showed the indicator queries need at 1M deals

Revision ID: 0006
Revises: 0005
"""
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_deal_status_contract", "deal", ["status", "contract_date"])
    op.create_index("ix_deal_patent_patent", "deal_patent", ["patent_id"])
    op.create_index("ix_match_contacted", "match", ["contacted_at"])
    op.create_index("ix_match_agreed", "match", ["agreed_at"])
    op.create_index("ix_match_suggested", "match", ["suggested_at"])
    op.create_index("ix_offer_published", "offer", ["published_at"])
    op.create_index("ix_credit_flag_status_deal", "credit_flag", ["status", "deal_id"])
    op.create_index("ix_organisation_kind_county", "organisation", ["kind", "county_code"])


def downgrade() -> None:
    for name, table in (("ix_organisation_kind_county", "organisation"), ("ix_credit_flag_status_deal", "credit_flag"),
                        ("ix_offer_published", "offer"), ("ix_match_suggested", "match"), ("ix_match_agreed", "match"),
                        ("ix_match_contacted", "match"), ("ix_deal_patent_patent", "deal_patent"),
                        ("ix_deal_status_contract", "deal")):
        op.drop_index(name, table_name=table)
