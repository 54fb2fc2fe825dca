"""Helpers of the engine tests: where each engine is, and how to load rows into it.

DuckDB counts files directly. PostgreSQL gets a throwaway database on the local server (or the one
``REGISTRY_TEST_POSTGRES_URL`` names), made with psycopg and dropped afterwards; without a server
the tests skip, and with ``CI=true`` they fail (as tests/postgres.py). Spark runs in local mode
when pyspark and Java are installed, else its tests skip naming what to install (and fail with
``CI=true``: ``.ci/run`` installs both).
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import pandas as pd
import pytest

from tests.postgres import HOW_TO_GET_POSTGRES

SERVER = os.environ.get(
    "REGISTRY_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
HOW_TO_GET_SPARK = (
    "pip install 'algorithm-registry[spark]' and a Java runtime (Debian: apt-get install -y "
    "default-jre-headless)"
)


def _plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database (``fairness_sql_test_<random>``), dropped afterwards."""
    import psycopg

    name = f"fairness_sql_test_{uuid.uuid4().hex[:8]}"
    server = _plain(SERVER)
    try:
        admin = psycopg.connect(server, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        message = f"PostgreSQL at {server} is unreachable ({' '.join(str(exc).split())})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message}: {HOW_TO_GET_POSTGRES} (required when CI=true)")
        pytest.skip(f"{message}: {HOW_TO_GET_POSTGRES}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield server.rsplit("/", 1)[0] + "/" + name
        finally:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def load_postgres(url: str, table: str, frame: pd.DataFrame) -> None:
    """``frame`` as a table of text columns (``None`` stays NULL), or double precision for
    float columns, through COPY."""
    import psycopg
    from psycopg import sql

    columns = []
    for name in frame.columns:
        kind = "double precision" if pd.api.types.is_float_dtype(frame[name]) else "text"
        columns.append(sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(kind)))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(table)))
        conn.execute(
            sql.SQL("CREATE TABLE {} ({})").format(
                sql.Identifier(table), sql.SQL(", ").join(columns)
            )
        )
        copy = sql.SQL("COPY {} FROM STDIN").format(sql.Identifier(table))
        with conn.cursor().copy(copy) as out:
            for row in frame.itertuples(index=False):
                out.write_row([None if _is_nan(v) else v for v in row])


def _is_nan(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def spark_or_skip() -> None:
    """Skip unless pyspark and a Java runtime are installed; with ``CI=true`` fail instead (CI
    installs both, so a missing one is a broken CI, not a reason to pass)."""
    missing = None
    try:
        import pyspark  # noqa: F401
    except ImportError:
        missing = f"pyspark is not installed: {HOW_TO_GET_SPARK}"
    if missing is None and shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        missing = f"no Java runtime: {HOW_TO_GET_SPARK}"
    if missing is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and Spark cannot run: {missing}")
    pytest.skip(missing)


def csv_bytes(columns: Sequence[str], rows: Sequence[Sequence[str | None]]) -> bytes:
    """A CSV file: header, then rows (``None`` as an empty field), every field quoted."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(columns)
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    return out.getvalue().encode("utf-8")
