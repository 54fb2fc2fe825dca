"""ledger stamp: the search index records the ledger id it reflects, not two clock watermarks

Revision ID: 0004_ledger_stamp
Revises: 0003_search

``search_index_state`` keeps one row, ``event_id``: the id of the last public ledger event the index
reflects (also the public stamp behind the page cache and ETags). Writes keep it current in their
own transaction (``registry.services.public.search_index.sync``), so the index of ``updated_at``
on ``audit`` that the old freshness check read is dropped.

An empty register gets its row (0) here. A database that already holds events gets none: the
index is rebuilt from the ledger when the app starts (or by ``registry search reindex``).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_ledger_stamp"
down_revision: str | None = "0003_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_table("search_index_state")
    state = op.create_table(
        "search_index_state",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("event_id", sa.Integer(), nullable=False),
    )
    if op.get_bind().execute(sa.text("SELECT 1 FROM event LIMIT 1")).first() is None:
        op.bulk_insert(state, [{"id": 1, "event_id": 0}])
    op.drop_index("ix_audit_updated_at", table_name="audit")


def downgrade() -> None:
    op.create_index("ix_audit_updated_at", "audit", ["updated_at"])
    op.drop_table("search_index_state")
    # No row: the 0003 code re-indexes every algorithm on its first read.
    op.create_table(
        "search_index_state",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("algorithms_through", sa.DateTime(timezone=True), nullable=True),
        sa.Column("audits_through", sa.DateTime(timezone=True), nullable=True),
    )
