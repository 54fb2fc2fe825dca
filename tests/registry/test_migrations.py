"""The Alembic migrations are the source of truth and produce exactly the models' schema."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import registry.models  # noqa: F401
from registry.migrate import current_revision, downgrade, upgrade

pytestmark = pytest.mark.db


def test_migrations_match_models(engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_version_table_lives_in_the_migrated_schema(engine, settings):
    head = current_revision(settings.resolved_database_url)
    assert head is not None
    tables = set(sa.inspect(engine).get_table_names())
    assert {"alembic_version", "agency", "account", "algorithm", "card_version", "event"} <= tables


def test_downgrade_to_base_and_upgrade_again(engine, settings):
    url = settings.resolved_database_url
    engine.dispose()
    downgrade(url, "base")
    assert "algorithm" not in sa.inspect(engine).get_table_names()
    upgrade(url)
    assert "algorithm" in sa.inspect(engine).get_table_names()
    assert current_revision(url) is not None


def test_upgrade_is_idempotent(engine, settings):
    url = settings.resolved_database_url
    before = current_revision(url)
    upgrade(url)
    assert current_revision(url) == before
