"""audits: audit submissions, jobs and results

Revision ID: 0002_audits
Revises: 0001_foundation
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002_audits'
down_revision: str | None = '0001_foundation'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('audit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=16), nullable=False),
    sa.Column('algorithm_id', sa.Integer(), nullable=False),
    sa.Column('card_version_id', sa.Integer(), nullable=False),
    sa.Column('algorithm_public_id', sa.String(length=12), nullable=False),
    sa.Column('version_number', sa.Integer(), nullable=False),
    sa.Column('submitter_id', sa.Integer(), nullable=False),
    sa.Column('submitter_name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('input_kind', sa.String(length=10), nullable=False),
    sa.Column('rerun_of_id', sa.Integer(), nullable=True),
    sa.Column('rerun_of', sa.String(length=16), nullable=True),
    sa.Column('spec', sa.JSON(), nullable=False),
    sa.Column('spec_sha256', sa.String(length=64), nullable=False),
    sa.Column('sample_sha256', sa.String(length=64), nullable=False),
    sa.Column('sample_bytes', sa.BigInteger(), nullable=False),
    sa.Column('sample_format', sa.String(length=16), nullable=False),
    sa.Column('sample_path', sa.String(length=300), nullable=True),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claim_token', sa.String(length=32), nullable=True),
    sa.Column('worker_id', sa.String(length=100), nullable=True),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('progress', sa.JSON(), nullable=False),
    sa.Column('error', sa.JSON(), nullable=True),
    sa.Column('report', sa.JSON(), nullable=True),
    sa.Column('counts', sa.JSON(), nullable=True),
    sa.Column('verdict', sa.String(length=20), nullable=True),
    sa.Column('verdicts', sa.JSON(), nullable=True),
    sa.Column('engine_version', sa.String(length=40), nullable=True),
    sa.Column('visibility', sa.String(length=12), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_reason', sa.String(length=2000), nullable=True),
    sa.Column('response_text', sa.String(length=4000), nullable=True),
    sa.Column('response_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('response_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['algorithm_id'], ['algorithm.id'], ),
    sa.ForeignKeyConstraint(['card_version_id'], ['card_version.id'], ),
    sa.ForeignKeyConstraint(['rerun_of_id'], ['audit.id'], ),
    sa.ForeignKeyConstraint(['response_by_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['submitter_id'], ['account.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_algorithm_id'), ['algorithm_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_card_version_id'), ['card_version_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_public_id'), ['public_id'], unique=True)
        batch_op.create_index('ix_audit_state_id', ['state', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_submitter_id'), ['submitter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_visibility'), ['visibility'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('audit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_visibility'))
        batch_op.drop_index(batch_op.f('ix_audit_submitter_id'))
        batch_op.drop_index('ix_audit_state_id')
        batch_op.drop_index(batch_op.f('ix_audit_public_id'))
        batch_op.drop_index(batch_op.f('ix_audit_card_version_id'))
        batch_op.drop_index(batch_op.f('ix_audit_algorithm_id'))

    op.drop_table('audit')
