"""search: the public register's search documents, word index and facet columns

Revision ID: 0003_search
Revises: 0002_audits

One ``search_doc`` row per public (published or retired) algorithm holds the facet values the
public filters use, the latest published audit verdict, and the sort key. ``search_term`` is an
inverted index (term -> algorithm) with a B-tree primary key, so a text query is a handful of index
range scans on SQLite and PostgreSQL alike; Chinese text is indexed as single characters and
character bigrams, other scripts as lower-cased words (matched by prefix).
The rows are kept up to date by ``registry.services.public.search_index`` (see docs/pages.md).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_search"
down_revision: str | None = "0002_audits"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "search_doc",
        sa.Column("algorithm_id", sa.Integer(), sa.ForeignKey("algorithm.id"), primary_key=True),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("scenario", sa.String(40), nullable=False),
        sa.Column("risk_category", sa.String(40), nullable=False),
        sa.Column("lifecycle_status", sa.String(40), nullable=False),
        sa.Column("latest_verdict", sa.String(20), nullable=False),
        sa.Column("latest_audit_id", sa.Integer(), nullable=True),
        sa.Column("sort_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source_stamp", sa.String(64), nullable=False),
    )
    op.create_index("ix_search_doc_sort", "search_doc", ["sort_at", "algorithm_id"])
    for column in (
        "agency_id",
        "scenario",
        "risk_category",
        "lifecycle_status",
        "latest_verdict",
        "state",
    ):
        op.create_index(f"ix_search_doc_{column}", "search_doc", [column, "sort_at"])
    op.create_table(
        "search_term",
        # Byte order ("C") on PostgreSQL, as SQLite's default: prefix ranges must not depend on locale.
        sa.Column("term", sa.String(64).with_variant(sa.String(64, collation="C"), "postgresql"), nullable=False),
        sa.Column("algorithm_id", sa.Integer(), sa.ForeignKey("algorithm.id"), nullable=False),
        sa.PrimaryKeyConstraint("term", "algorithm_id", name="pk_search_term"),
    )
    op.create_index("ix_search_term_algorithm", "search_term", ["algorithm_id"])
    op.create_table(
        "search_index_state",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("algorithms_through", sa.DateTime(timezone=True), nullable=True),
        sa.Column("audits_through", sa.DateTime(timezone=True), nullable=True),
    )
    # The freshness check reads max(updated_at) of audits; keep that an index lookup.
    op.create_index("ix_audit_updated_at", "audit", ["updated_at"])
    # The change feed lists the latest published audits.
    op.create_index("ix_audit_published_at", "audit", ["published_at"])


def downgrade() -> None:
    op.drop_index("ix_audit_published_at", table_name="audit")
    op.drop_index("ix_audit_updated_at", table_name="audit")
    op.drop_table("search_index_state")
    op.drop_index("ix_search_term_algorithm", table_name="search_term")
    op.drop_table("search_term")
    for column in (
        "agency_id",
        "scenario",
        "risk_category",
        "lifecycle_status",
        "latest_verdict",
        "state",
    ):
        op.drop_index(f"ix_search_doc_{column}", table_name="search_doc")
    op.drop_index("ix_search_doc_sort", table_name="search_doc")
    op.drop_table("search_doc")
