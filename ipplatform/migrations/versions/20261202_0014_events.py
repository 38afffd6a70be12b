"""events: matchmaking events, their participants, candidate pairs and meetings; deals trace back to the
event and meeting they came from

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 01:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def _enum(name, *values):
    return sa.Enum(*values, name=name, native_enum=False, length=32)


def _stamps():
    return [sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
            sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False)]


def upgrade() -> None:
    op.create_table('event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('theme', sa.Text(), nullable=True),
    sa.Column('industries', sa.JSON(), nullable=False),
    sa.Column('ipc', sa.JSON(), nullable=False),
    sa.Column('venue', sa.String(length=300), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('slot_minutes', sa.Integer(), nullable=False),
    sa.Column('sessions', sa.JSON(), nullable=False),
    sa.Column('tables', sa.Integer(), nullable=False),
    sa.Column('registration_deadline', sa.Date(), nullable=True),
    sa.Column('booking_opens', sa.Date(), nullable=True),
    sa.Column('booking_closes', sa.Date(), nullable=True),
    sa.Column('max_meetings', sa.Integer(), nullable=False),
    sa.Column('max_requests', sa.Integer(), nullable=False),
    sa.Column('requires_approval', sa.Boolean(), nullable=False),
    sa.Column('status', _enum('eventstatus', 'draft', 'registration', 'booking', 'scheduled', 'running', 'closed'),
              nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('synthetic', sa.Boolean(), nullable=False),
    *_stamps(),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_event_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], name=op.f('fk_event_org_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event')),
    )
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_day'), ['day'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_status'), ['status'], unique=False)

    op.create_table('event_participant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('side', _enum('side', 'supply', 'demand', 'both'), nullable=False),
    sa.Column('offer_ids', sa.JSON(), nullable=False),
    sa.Column('demand_ids', sa.JSON(), nullable=False),
    sa.Column('attendees', sa.JSON(), nullable=False),
    sa.Column('available', sa.JSON(), nullable=True),
    sa.Column('max_meetings', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('status', _enum('registrationstatus', 'pending', 'approved', 'rejected', 'cancelled'), nullable=False),
    sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('registered_by_id', sa.Integer(), nullable=True),
    *_stamps(),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_event_participant_event_id_event'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], name=op.f('fk_event_participant_org_id_organisation')),
    sa.ForeignKeyConstraint(['registered_by_id'], ['user_account.id'],
                            name=op.f('fk_event_participant_registered_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_participant')),
    sa.UniqueConstraint('event_id', 'org_id', name=op.f('uq_event_participant_event_id')),
    )
    with op.batch_alter_table('event_participant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_participant_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_participant_org_id'), ['org_id'], unique=False)

    op.create_table('event_pair',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('a_id', sa.Integer(), nullable=False),
    sa.Column('b_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=True),
    sa.Column('demand_id', sa.Integer(), nullable=True),
    sa.Column('match_id', sa.Integer(), nullable=True),
    sa.Column('explanation', sa.JSON(), nullable=False),
    sa.Column('source', _enum('pairsource', 'matcher', 'request', 'organiser'), nullable=False),
    sa.Column('status', _enum('pairstatus', 'proposed', 'requested', 'accepted', 'declined', 'forced', 'removed'),
              nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('message', sa.String(length=500), nullable=True),
    sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True),
    *_stamps(),
    sa.ForeignKeyConstraint(['a_id'], ['event_participant.id'], name=op.f('fk_event_pair_a_id_event_participant'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['b_id'], ['event_participant.id'], name=op.f('fk_event_pair_b_id_event_participant'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['demand_id'], ['demand.id'], name=op.f('fk_event_pair_demand_id_demand'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_event_pair_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['match_id'], ['match.id'], name=op.f('fk_event_pair_match_id_match'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['offer_id'], ['offer.id'], name=op.f('fk_event_pair_offer_id_offer'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['event_participant.id'],
                            name=op.f('fk_event_pair_requested_by_id_event_participant'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_pair')),
    sa.UniqueConstraint('event_id', 'a_id', 'b_id', name=op.f('uq_event_pair_event_id')),
    )
    with op.batch_alter_table('event_pair', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_pair_a_id'), ['a_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_pair_b_id'), ['b_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_pair_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_pair_status'), ['status'], unique=False)

    op.create_table('event_meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('pair_id', sa.Integer(), nullable=False),
    sa.Column('slot', sa.String(length=16), nullable=False),
    sa.Column('table_no', sa.Integer(), nullable=False),
    sa.Column('notified', sa.Boolean(), nullable=False),
    sa.Column('outcome', _enum('outcome', 'pending', 'not_held', 'no_interest', 'follow_up', 'intention', 'agreement'),
              nullable=False),
    sa.Column('amount', sa.Numeric(precision=16, scale=2), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('outcome_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome_by_id', sa.Integer(), nullable=True),
    *_stamps(),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_event_meeting_event_id_event'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['outcome_by_id'], ['user_account.id'],
                            name=op.f('fk_event_meeting_outcome_by_id_user_account')),
    sa.ForeignKeyConstraint(['pair_id'], ['event_pair.id'], name=op.f('fk_event_meeting_pair_id_event_pair'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_meeting')),
    sa.UniqueConstraint('event_id', 'slot', 'table_no', name=op.f('uq_event_meeting_event_id')),
    sa.UniqueConstraint('pair_id', name=op.f('uq_event_meeting_pair_id')),
    )
    with op.batch_alter_table('event_meeting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_meeting_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_meeting_outcome'), ['outcome'], unique=False)

    with op.batch_alter_table('deal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('meeting_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_deal_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deal_meeting_id'), ['meeting_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('deal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deal_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_deal_event_id'))
        batch_op.drop_column('meeting_id')
    op.drop_table('event_meeting')
    op.drop_table('event_pair')
    op.drop_table('event_participant')
    op.drop_table('event')
