"""search analyzer: ``search_index_state.analyzer``

Revision ID: 0009_search_analyzer
Revises: 0008_public_audit_listing

Search terms now include English stems and jieba's Chinese words
(``registry.services.public.analysis``). The state row names the analyzer that built the index;
existing rows get an empty name, so the app's start-up (``search_index.sync_at_start``) rebuilds
the index once with the new analyzer. ``registry search reindex`` does the same by hand.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_search_analyzer"
down_revision: str | None = "0008_public_audit_listing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("search_index_state") as batch:
        batch.add_column(
            sa.Column("analyzer", sa.String(80), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("search_index_state") as batch:
        batch.drop_column("analyzer")
