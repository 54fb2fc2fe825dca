"""Tables of the public register's search index (see ``registry.services.public.search_index``).

Plain SQLAlchemy tables, registered on ``SQLModel.metadata`` so the migrations-equal-models check
covers them like every other table. Only the search service reads or writes them.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import SQLModel

from registry.models.types import UTCDateTime

search_doc = sa.Table(
    "search_doc",
    SQLModel.metadata,
    sa.Column("algorithm_id", sa.Integer, sa.ForeignKey("algorithm.id"), primary_key=True),
    sa.Column("agency_id", sa.Integer, nullable=False),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("scenario", sa.String(40), nullable=False),
    sa.Column("risk_category", sa.String(40), nullable=False),
    sa.Column("lifecycle_status", sa.String(40), nullable=False),
    sa.Column("latest_verdict", sa.String(20), nullable=False),
    sa.Column("latest_audit_id", sa.Integer, nullable=True),
    sa.Column("sort_at", UTCDateTime, nullable=False),
    sa.Column("source_stamp", sa.String(64), nullable=False),
    sa.Index("ix_search_doc_sort", "sort_at", "algorithm_id"),
    *(
        sa.Index(f"ix_search_doc_{column}", column, "sort_at")
        for column in (
            "agency_id",
            "scenario",
            "risk_category",
            "lifecycle_status",
            "latest_verdict",
            "state",
        )
    ),
)
search_term = sa.Table(
    "search_term",
    SQLModel.metadata,
    sa.Column(
        "term",
        sa.String(64).with_variant(sa.String(64, collation="C"), "postgresql"),
        primary_key=True,
    ),
    sa.Column("algorithm_id", sa.Integer, sa.ForeignKey("algorithm.id"), primary_key=True),
    sa.Index("ix_search_term_algorithm", "algorithm_id"),
)
# One row (id 1): the ledger id of the last public event the index reflects, which is also the
# public stamp of the pages. No row: the index was never built (see search_index.sync).
search_index_state = sa.Table(
    "search_index_state",
    SQLModel.metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("event_id", sa.Integer, nullable=False),
    # the analyzer (analysis.ANALYZER) that built the terms; another one makes start-up rebuild
    sa.Column("analyzer", sa.String(80), nullable=False, server_default=""),
)
