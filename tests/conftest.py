"""Shared fixtures: a fresh database per test (temp SQLite or a PostgreSQL schema), settings, app.

Set ``REGISTRY_TEST_DATABASE_URL`` to a PostgreSQL URL to run the database tests on PostgreSQL; each
test then gets its own schema, dropped afterwards. With ``CI=true`` an unreachable database fails.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

TEST_DATABASE_URL = os.environ.get("REGISTRY_TEST_DATABASE_URL", "")
IN_CI = os.environ.get("CI", "").lower() == "true"


def _with_search_path(url: str, schema: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database that belongs to this test alone."""
    if not TEST_DATABASE_URL.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    import sqlalchemy as sa

    admin = sa.create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError as exc:  # pragma: no cover - depends on the machine
        admin.dispose()
        pytest.fail(f"PostgreSQL at REGISTRY_TEST_DATABASE_URL is unreachable: {exc}")
    try:
        yield _with_search_path(TEST_DATABASE_URL, schema)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def settings(tmp_path: Path, database_url: str):
    from registry.config import Settings

    return Settings(
        environment="test",
        secret_key="test-secret-key-not-for-production",
        data_dir=tmp_path / "data",
        database_url=database_url,
        audit_workers=0,
    )


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to the latest revision once per test session; tests copy it."""
    from registry.migrate import upgrade

    path = tmp_path_factory.mktemp("schema") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def engine(settings, request: pytest.FixtureRequest):
    """An engine on the test database with the schema built by the Alembic migrations.

    SQLite: a copy of the session's migrated template file. PostgreSQL: the migrations run into the
    test's own fresh schema (named in the URL's search_path).
    """
    import shutil

    from registry.db import make_engine
    from registry.migrate import upgrade

    url = settings.resolved_database_url
    if url.startswith("sqlite:///"):
        template = request.getfixturevalue("migrated_sqlite_template")
        shutil.copyfile(template, url.removeprefix("sqlite:///"))
    else:
        upgrade(url)
    eng = make_engine(url)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine):
    from registry.db import session_scope

    with session_scope(engine) as s:
        yield s


@pytest.fixture
def app(settings, engine):
    from registry.app import create_app

    return create_app(settings, engine=engine)


@pytest.fixture
def client(app):
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c
