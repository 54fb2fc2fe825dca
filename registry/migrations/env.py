"""Alembic environment, configured programmatically by ``registry.migrate`` (no alembic.ini needed).

The database URL comes from the config's ``sqlalchemy.url``. On PostgreSQL the first schema of the
connection's ``search_path`` (e.g. set through ``?options=-csearch_path%3Dname`` in the URL) holds
both the tables and alembic's version table, so several registries can share one database.
"""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import registry.models  # noqa: F401  (registers every table on SQLModel.metadata)
from registry.db import make_engine

config = context.config
target_metadata = SQLModel.metadata


def _current_schema(connection) -> str | None:  # type: ignore[no-untyped-def]
    if connection.dialect.name != "postgresql":
        return None
    return connection.exec_driver_sql("SELECT current_schema()").scalar()


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_with(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.connect() as conn:
            _run_with(conn)
    finally:
        engine.dispose()


def _run_with(connection) -> None:  # type: ignore[no-untyped-def]
    schema = _current_schema(connection)
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        version_table_schema=schema,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    if connection.in_transaction():
        connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
