"""records import: where an imported algorithm came from

Revision ID: 0012_records_import
Revises: 0011_transparency_log

``algorithm.import_standard``, ``import_standard_version``, ``import_source_id`` and
``import_content_key`` record the external standard, its version, the record's id in the source
register and a content key of an algorithm created by ``registry import-records`` (or the
console's import), so that importing the same file again creates nothing twice
(``registry.services.records_import``); the content key is unique. Existing rows keep NULLs.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_records_import"
down_revision: str | None = "0011_transparency_log"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("algorithm") as batch:
        batch.add_column(sa.Column("import_standard", sa.String(200), nullable=True))
        batch.add_column(sa.Column("import_standard_version", sa.String(200), nullable=True))
        batch.add_column(sa.Column("import_source_id", sa.String(500), nullable=True))
        batch.add_column(sa.Column("import_content_key", sa.String(128), nullable=True))
        batch.create_index(
            "ix_algorithm_import_content_key", ["import_content_key"], unique=True
        )
        batch.create_index("ix_algorithm_import_source", ["import_standard", "import_source_id"])


def downgrade() -> None:
    # Not in batch mode: on SQLite a batch drop recreates ``algorithm``, which the rows of every
    # table referring to it (versions, audits, public items, the log) forbid while foreign keys
    # are on. Plain DROP INDEX and ALTER TABLE ... DROP COLUMN (SQLite 3.35+) leave it in place.
    op.drop_index("ix_algorithm_import_source", table_name="algorithm")
    op.drop_index("ix_algorithm_import_content_key", table_name="algorithm")
    for column in (
        "import_content_key",
        "import_source_id",
        "import_standard_version",
        "import_standard",
    ):
        op.drop_column("algorithm", column)
