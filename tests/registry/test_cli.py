"""The ``registry`` command line: database upgrade, agencies, accounts and tokens."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from registry.cli import app as cli_app

pytestmark = pytest.mark.db


@pytest.fixture
def run(settings, engine, tmp_path, monkeypatch):
    monkeypatch.setenv("REGISTRY_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("REGISTRY_DATA_DIR", str(tmp_path / "data"))
    from registry.config import get_settings

    get_settings.cache_clear()
    runner = CliRunner()
    yield lambda *args: runner.invoke(cli_app, list(args))
    get_settings.cache_clear()


def test_upgrade_then_create_agency_account_and_token(run, client):
    assert run("db", "upgrade").exit_code == 0
    assert run("agency", "create", "--slug", "parks", "--name", "Parks department").exit_code == 0
    duplicate = run("agency", "create", "--slug", "parks", "--name", "Again")
    assert duplicate.exit_code == 1
    assert "already exists" in duplicate.output
    created = run(
        "account",
        "create",
        "--email",
        "ed@parks.gov",
        "--role",
        "agency_editor",
        "--agency",
        "parks",
    )
    assert created.exit_code == 0, created.output
    token = run("token", "create", "--account", "ed@parks.gov", "--name", "laptop")
    assert token.exit_code == 0
    plain = token.stdout.strip()
    me = client.get("/api/v1/accounts/me", headers={"Authorization": f"Bearer {plain}"})
    assert me.json()["agency"] == "parks"


def test_cli_reports_bad_input_without_a_traceback(run):
    bad_role = run("account", "create", "--email", "x@y.gov", "--role", "king")
    assert bad_role.exit_code == 2
    assert "role" in bad_role.output
    no_agency = run("account", "create", "--email", "x@y.gov", "--role", "agency_editor")
    assert no_agency.exit_code == 1
    assert "must name its agency" in no_agency.output
    unknown = run("token", "create", "--account", "nobody@y.gov")
    assert unknown.exit_code == 1
    assert "No account" in unknown.output
    bad_slug = run("agency", "create", "--slug", "Bad Slug", "--name", "X")
    assert bad_slug.exit_code == 2
