"""The CLI refuses bad configuration with a short message naming the variable, not a traceback."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from registry.cli import app as cli_app
from registry.config import get_settings


@pytest.fixture
def invoke(monkeypatch, tmp_path):
    monkeypatch.setenv("REGISTRY_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield lambda *args: CliRunner().invoke(cli_app, list(args))
    get_settings.cache_clear()


@pytest.mark.parametrize("command", [["db", "upgrade"], ["serve"], ["demo", "--no-serve"]])
def test_placeholder_secret_in_production_stops_with_a_clear_error(invoke, monkeypatch, command):
    monkeypatch.setenv("REGISTRY_ENVIRONMENT", "production")
    monkeypatch.delenv("REGISTRY_SECRET_KEY", raising=False)
    result = invoke(*command)
    assert result.exit_code == 2
    assert "error: REGISTRY_SECRET_KEY is unset or a placeholder" in result.output
    assert "Traceback" not in result.output


def test_malformed_setting_is_named(invoke, monkeypatch):
    monkeypatch.setenv("REGISTRY_MAX_UPLOAD_MB", "zero")
    result = invoke("db", "upgrade")
    assert result.exit_code == 2
    assert "error: REGISTRY_MAX_UPLOAD_MB: Input should be a valid integer" in result.output
