"""A throwaway PostgreSQL database for the tests that are about PostgreSQL itself (query plans).

The database tests as a whole run on PostgreSQL only when ``REGISTRY_TEST_DATABASE_URL`` says so
(tests/conftest.py). The few tests that check PostgreSQL-only behaviour should not depend on that:
they find a server by themselves, in this order:

1. ``REGISTRY_TEST_DATABASE_URL`` when it is a PostgreSQL URL: a fresh schema in that database;
2. the local server at ``127.0.0.1:5432`` as user ``postgres`` (``REGISTRY_TEST_POSTGRES_URL``
   overrides this address): a fresh database, dropped afterwards.

With neither reachable the test skips, naming what it tried and how to provide a server; with
``CI=true`` it fails instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

LOCAL_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
CONNECT_TIMEOUT_SECONDS = 3
HOW_TO_GET_POSTGRES = (
    "start a local PostgreSQL on 127.0.0.1:5432 that lets user postgres create databases "
    "(Debian/Ubuntu: apt-get install postgresql), or set REGISTRY_TEST_DATABASE_URL to "
    "postgresql+psycopg://USER@HOST:PORT/DB (REGISTRY_TEST_POSTGRES_URL to point at another "
    "server for a throwaway database)"
)


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def _unavailable(message: str) -> None:
    if _in_ci():
        pytest.fail(f"{message}: {HOW_TO_GET_POSTGRES} (required when CI=true)")
    pytest.skip(f"{message}: {HOW_TO_GET_POSTGRES}")


def _one_line(exc: sa.exc.DBAPIError) -> str:
    return " ".join(str(exc.orig).split())


def _admin_engine(url: str) -> sa.Engine:
    return sa.create_engine(
        url,
        isolation_level="AUTOCOMMIT",
        connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS},
        pool_pre_ping=False,
    )


def _with_search_path(url: str, schema: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


@contextmanager
def _schema_in(url: str) -> Iterator[str]:
    admin = _admin_engine(url)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        _unavailable(f"PostgreSQL at REGISTRY_TEST_DATABASE_URL is unreachable ({_one_line(exc)})")
    try:
        yield _with_search_path(url, schema)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def _database_on(server_url: str) -> Iterator[str]:
    admin = _admin_engine(server_url)
    name = f"registry_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except (sa.exc.OperationalError, sa.exc.ProgrammingError) as exc:
        admin.dispose()
        where = sa.make_url(server_url).render_as_string(hide_password=True)
        _unavailable(f"no throwaway PostgreSQL database at {where} ({_one_line(exc)})")
    try:
        yield sa.make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def postgres_url() -> Iterator[str]:
    """A URL to an empty PostgreSQL database (or schema) that is dropped afterwards."""
    configured = os.environ.get("REGISTRY_TEST_DATABASE_URL", "")
    if configured.startswith("postgresql"):
        with _schema_in(configured) as url:
            yield url
        return
    with _database_on(os.environ.get("REGISTRY_TEST_POSTGRES_URL") or LOCAL_SERVER) as url:
        yield url
