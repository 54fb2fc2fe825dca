"""citizen participation: ``participation_item`` and ``participation_contact``

Revision ID: 0010_participation
Revises: 0009_search_analyzer

``participation_item`` holds what the public says about an algorithm (masked text only, never the
original), its moderation state and the agency's answer; ``participation_contact`` the optional
contact address, apart, so it can be deleted without touching the item or the ledger.
See docs/participation.md.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_participation"
down_revision: str | None = "0009_search_analyzer"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "participation_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=12), nullable=False),
        sa.Column("algorithm_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("text", sa.String(length=4000), nullable=False),
        sa.Column("text_sha256", sa.String(length=64), nullable=False),
        sa.Column("masked_kinds", sa.JSON(), nullable=False),
        sa.Column("display_name", sa.String(length=80), nullable=True),
        sa.Column("tracking_sha256", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("decline_reason", sa.String(length=20), nullable=True),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("answer", sa.String(length=4000), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["algorithm_id"], ["algorithm.id"]),
        sa.ForeignKeyConstraint(["merged_into_id"], ["participation_item.id"]),
        sa.ForeignKeyConstraint(["answered_by_id"], ["account.id"]),
        sa.ForeignKeyConstraint(["decided_by_id"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tracking_sha256"),
    )
    op.create_index(
        "ix_participation_item_public_id", "participation_item", ["public_id"], unique=True
    )
    op.create_index("ix_participation_item_algorithm_id", "participation_item", ["algorithm_id"])
    op.create_index("ix_participation_item_text_sha256", "participation_item", ["text_sha256"])
    op.create_index("ix_participation_item_state", "participation_item", ["state"])
    op.create_index("ix_participation_item_received_at", "participation_item", ["received_at"])
    op.create_table(
        "participation_contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["participation_item.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("item_id"),
    )
    op.create_index(
        "ix_participation_contact_stored_at", "participation_contact", ["stored_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_participation_contact_stored_at", table_name="participation_contact")
    op.drop_table("participation_contact")
    for column in ("received_at", "state", "text_sha256", "algorithm_id", "public_id"):
        op.drop_index(f"ix_participation_item_{column}", table_name="participation_item")
    op.drop_table("participation_item")
