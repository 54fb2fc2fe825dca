"""Export -> import into an empty database -> export again gives byte-identical JSON."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from registry.cli import app as cli_app
from registry.db import make_engine, session_scope
from registry.errors import Conflict, Invalid
from registry.migrate import upgrade
from registry.models import Role
from registry.services.cards.drafts import save_draft
from registry.services.export_import import dump_export, export_registry, import_registry
from tests.registry.factories import (
    T0,
    card,
    make_account,
    make_agency,
    make_published_algorithm,
    make_token,
)

pytestmark = pytest.mark.db


@pytest.fixture
def populated(session):
    agency = make_agency(session, slug="health", name="Health board")
    editor = make_account(session, role=Role.agency_editor, agency=agency)
    make_token(session, editor)
    algorithm = make_published_algorithm(session, agency=agency, versions=3, editor=editor)
    save_draft(session, actor=editor, algorithm=algorithm, card=card(name="Pending 中文"), now=T0)
    make_account(session, role=Role.auditor)
    return session


@pytest.fixture
def second_database_url(tmp_path, database_url):
    """Another empty, migrated database next to the test's own."""
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'second.db'}"
        upgrade(url)
        yield url
        return
    import uuid

    import sqlalchemy as sa

    from tests.conftest import TEST_DATABASE_URL, _with_search_path

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = _with_search_path(TEST_DATABASE_URL, schema)
    upgrade(url)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_round_trip_is_byte_identical(populated, second_database_url):
    first = dump_export(export_registry(populated))
    data = json.loads(first)
    assert {len(data[k]) for k in ("agencies", "versions")} == {1, 3}
    assert "token_hash" not in first
    engine = make_engine(second_database_url)
    try:
        with session_scope(engine) as other:
            summary = import_registry(other, json.loads(first))
            assert summary.counts["versions"] == 3
            second = dump_export(export_registry(other))
            # New rows after an import get fresh ids (PostgreSQL sequences were moved past them).
            make_agency(other)
    finally:
        engine.dispose()
    assert second == first


def test_import_refuses_a_non_empty_registry(populated):
    data = export_registry(populated)
    with pytest.raises(Conflict):
        import_registry(populated, data)


@pytest.mark.parametrize(
    ("mutate", "loc"),
    [
        (lambda d: d.update(format="other"), ["format"]),
        (lambda d: d.update(version=99), ["version"]),
        (lambda d: d.update(agencies="x"), ["agencies"]),
        (lambda d: d["agencies"][0].update(created_at="not a time"), ["agencies", 0, "created_at"]),
        (
            lambda d: d["agencies"][0].update(created_at="2024-01-01T00:00:00"),
            ["agencies", 0, "created_at"],
        ),
    ],
)
def test_import_rejects_malformed_exports_and_writes_nothing(
    populated, second_database_url, mutate, loc
):
    data = export_registry(populated)
    mutate(data)
    engine = make_engine(second_database_url)
    try:
        with session_scope(engine) as other:
            with pytest.raises(Invalid) as caught:
                import_registry(other, data)
            assert caught.value.details[0]["loc"] == loc
            assert export_registry(other)["agencies"] == []
    finally:
        engine.dispose()


def test_import_rejects_a_tampered_ledger(populated, second_database_url):
    data = export_registry(populated)
    data["events"][0]["payload"]["name"] = "Forged"
    engine = make_engine(second_database_url)
    try:
        with session_scope(engine) as other:
            with pytest.raises(Invalid, match="does not verify"):
                import_registry(other, data)
            assert export_registry(other)["events"] == []
    finally:
        engine.dispose()


def test_cli_export_import_round_trip(
    populated, settings, second_database_url, tmp_path, monkeypatch
):
    runner = CliRunner()
    monkeypatch.setenv("REGISTRY_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("REGISTRY_DATA_DIR", str(tmp_path / "data"))
    from registry.config import get_settings

    get_settings.cache_clear()
    first = runner.invoke(cli_app, ["export", "-"])
    assert first.exit_code == 0, first.output
    export_file = tmp_path / "export.json"
    assert runner.invoke(cli_app, ["export", str(export_file)]).exit_code == 0
    assert export_file.read_text(encoding="utf-8") == first.stdout

    monkeypatch.setenv("REGISTRY_DATABASE_URL", second_database_url)
    get_settings.cache_clear()
    imported = runner.invoke(cli_app, ["import", str(export_file)])
    assert imported.exit_code == 0, imported.output
    again = runner.invoke(cli_app, ["export", "-"])
    assert again.stdout == first.stdout
    refused = runner.invoke(cli_app, ["import", str(export_file)])
    assert refused.exit_code == 1
    assert "empty registry" in refused.output
    get_settings.cache_clear()
