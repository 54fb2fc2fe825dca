"""four-eyes review requests

Revision ID: 0006_reviews
Revises: 0005_staff_sessions

``review_request`` holds the requests of agency editors to have a draft revision reviewed and
published by another editor of the agency (the revision asked about, who asked and when, a note;
its state, who decided and when, the reviewer's comment, the published version).
See docs/console.md ("Four-eyes review").
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_reviews"
down_revision: str | None = "0005_staff_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "review_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("algorithm_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.String(length=64), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.String(length=2000), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("comment", sa.String(length=2000), nullable=False),
        sa.Column("published_version", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["algorithm_id"], ["algorithm.id"]),
        sa.ForeignKeyConstraint(["requested_by_id"], ["account.id"]),
        sa.ForeignKeyConstraint(["decided_by_id"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_review_request_algorithm_id", "review_request", ["algorithm_id"])
    op.create_index("ix_review_request_state", "review_request", ["state"])


def downgrade() -> None:
    op.drop_index("ix_review_request_state", table_name="review_request")
    op.drop_index("ix_review_request_algorithm_id", table_name="review_request")
    op.drop_table("review_request")
