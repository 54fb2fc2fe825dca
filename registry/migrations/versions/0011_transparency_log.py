"""transparency log: ``log_entry`` (leaves), ``log_node`` (subtree hashes), ``log_checkpoint``

Revision ID: 0011_transparency_log
Revises: 0010_participation

The public log of every published fact (docs/verification.md). A database that already holds
public events gets its leaves on the next publication, which appends every public event not yet
in the log in ledger order (``registry.services.transparency.append_pending``), or at once with
``registry log checkpoint``.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_transparency_log"
down_revision: str | None = "0010_participation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "log_entry",
        sa.Column("idx", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("leaf", sa.Text(), nullable=False),
        sa.Column("leaf_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"]),
        sa.PrimaryKeyConstraint("idx"),
        sa.UniqueConstraint("event_id"),
        sa.UniqueConstraint("leaf_hash"),
    )
    op.create_table(
        "log_node",
        sa.Column("level", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx"),
    )
    op.create_table(
        "log_checkpoint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("root_hash", sa.String(length=64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_name", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_log_checkpoint_size", "log_checkpoint", ["size"])


def downgrade() -> None:
    op.drop_index("ix_log_checkpoint_size", table_name="log_checkpoint")
    op.drop_table("log_checkpoint")
    op.drop_table("log_node")
    op.drop_table("log_entry")
