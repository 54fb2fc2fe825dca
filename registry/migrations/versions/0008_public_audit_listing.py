"""the public audits list and scorecards: a covering index on ``audit``

Revision ID: 0008_public_audit_listing
Revises: 0007_audit_responses

``/audits``, ``/compare/agencies`` and the agency scorecard filter and count public audits by
visibility, state, publication date, algorithm, kind, verdict, withdrawal and response. Those
columns sit after the large ``report`` and ``counts`` JSON in each row, so without this index
every count read every audit's report (75 ms for 6,000 audits on SQLite); with it the counts and
the page's ids come from the index alone.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008_public_audit_listing"
down_revision: str | None = "0007_audit_responses"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = [
    "visibility",
    "state",
    "published_at",
    "id",
    "algorithm_id",
    "kind",
    "verdict",
    "withdrawn_at",
    "response_at",
]


def upgrade() -> None:
    op.create_index("ix_audit_public_listing", "audit", COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_audit_public_listing", table_name="audit")
