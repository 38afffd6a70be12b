"""match pipeline: a deal remembers the offer it was made on (标记成交 on an offer, or an agreed match's offer),
so its page links back to the offer and recording it can close that offer

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 01:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('deal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('offer_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_deal_offer_id_offer'), 'offer', ['offer_id'], ['id'],
                                    ondelete='SET NULL')
        batch_op.create_index(batch_op.f('ix_deal_offer_id'), ['offer_id'], unique=False)
    # Deals drafted from an agreed match before this revision: their offer is the match's.
    op.execute("UPDATE deal SET offer_id = (SELECT match.offer_id FROM match WHERE match.id = deal.match_id) "
               "WHERE match_id IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table('deal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deal_offer_id'))
        batch_op.drop_constraint(batch_op.f('fk_deal_offer_id_offer'), type_='foreignkey')
        batch_op.drop_column('offer_id')
