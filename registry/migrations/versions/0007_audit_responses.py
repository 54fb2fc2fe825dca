"""audit responses in both languages: ``audit.response_texts``

Revision ID: 0007_audit_responses
Revises: 0006_reviews

``response_texts`` holds the agency's public response to an audit in each interface language it
was written in, ``{"en": ..., "zh-CN": ...}``. ``response_text`` stays (the English text, else the
Chinese one) for readers of the older shape. Existing responses were written through the API's
single ``text`` and are carried over as English.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_audit_responses"
down_revision: str | None = "0006_reviews"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_audit = sa.table(
    "audit",
    sa.column("id", sa.Integer()),
    sa.column("response_text", sa.String()),
    sa.column("response_texts", sa.JSON()),
)


def upgrade() -> None:
    op.add_column("audit", sa.Column("response_texts", sa.JSON(), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(_audit.c.id, _audit.c.response_text).where(_audit.c.response_text.is_not(None))
    ).all()
    for audit_id, text in rows:
        bind.execute(
            _audit.update().where(_audit.c.id == audit_id).values(response_texts={"en": text})
        )


def downgrade() -> None:
    op.drop_column("audit", "response_texts")
