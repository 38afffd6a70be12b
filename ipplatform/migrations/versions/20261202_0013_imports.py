"""imports: import jobs, and the imported-history marker on deals

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 01:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'import_job',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('stored_path', sa.String(length=500), nullable=False),
        sa.Column('owner_org_id', sa.Integer(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('dry_run', sa.Boolean(), nullable=False),
        sa.Column('valid_only', sa.Boolean(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('total_bytes', sa.Integer(), nullable=False),
        sa.Column('processed_bytes', sa.Integer(), nullable=False),
        sa.Column('processed_rows', sa.Integer(), nullable=False),
        sa.Column('committed', sa.Boolean(), nullable=False),
        sa.Column('result', sa.JSON(), nullable=True),
        sa.Column('error_zh', sa.String(length=500), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['owner_org_id'], ['organisation.id'], name=op.f('fk_import_job_owner_org_id_organisation')),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_import_job_user_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_import_job')),
    )
    op.create_index('ix_import_job_owner_org_id', 'import_job', ['owner_org_id'])
    op.create_index('ix_import_job_user_id', 'import_job', ['user_id'])
    with op.batch_alter_table('deal') as batch:
        batch.add_column(sa.Column('imported_history', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('deal') as batch:
        batch.drop_column('imported_history')
    op.drop_index('ix_import_job_user_id', table_name='import_job')
    op.drop_index('ix_import_job_owner_org_id', table_name='import_job')
    op.drop_table('import_job')
