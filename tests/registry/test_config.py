"""Settings: REGISTRY_* environment variables, defaults, and the placeholder-secret refusal."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from registry.config import ERR_PLACEHOLDER_SECRET, Settings


@pytest.mark.parametrize("environment", ["production", "test"])
@pytest.mark.parametrize("secret", ["change-me", "", "  Secret  ", "dev"])
def test_placeholder_secret_is_refused_outside_development(monkeypatch, environment, secret):
    monkeypatch.setenv("REGISTRY_ENVIRONMENT", environment)
    monkeypatch.setenv("REGISTRY_SECRET_KEY", secret)
    with pytest.raises(ValidationError) as exc:
        Settings()
    assert ERR_PLACEHOLDER_SECRET in str(exc.value)


def test_development_accepts_the_default_secret(monkeypatch):
    monkeypatch.delenv("REGISTRY_ENVIRONMENT", raising=False)
    monkeypatch.delenv("REGISTRY_SECRET_KEY", raising=False)
    settings = Settings()
    assert settings.environment == "development"
    assert settings.four_eyes is True
    assert settings.small_cell_k == 10


def test_settings_come_from_registry_prefixed_environment(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("REGISTRY_ENVIRONMENT", "production")
    monkeypatch.setenv("REGISTRY_SECRET_KEY", "a-long-random-value-3f9c1e7a")
    monkeypatch.setenv("REGISTRY_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("REGISTRY_FOUR_EYES", "false")
    monkeypatch.setenv("REGISTRY_MAX_UPLOAD_MB", "5")
    settings = Settings()
    assert settings.four_eyes is False
    assert settings.max_upload_mb == 5
    assert settings.resolved_database_url == f"sqlite:///{(tmp_path / 'registry.db').resolve()}"


def test_bad_values_name_the_setting(monkeypatch):
    monkeypatch.setenv("REGISTRY_MAX_UPLOAD_MB", "0")
    with pytest.raises(ValidationError) as exc:
        Settings()
    assert "max_upload_mb" in str(exc.value)


def test_the_log_key_file_defaults_to_the_data_folder_and_the_origin_is_one_word(
    monkeypatch, tmp_path: Path
):
    monkeypatch.setenv("REGISTRY_DATA_DIR", str(tmp_path))
    assert Settings().resolved_log_key_file == tmp_path / "transparency" / "log.key"
    monkeypatch.setenv("REGISTRY_LOG_KEY_FILE", str(tmp_path / "keys" / "k"))
    assert Settings().resolved_log_key_file == tmp_path / "keys" / "k"
    monkeypatch.setenv("REGISTRY_LOG_ORIGIN", "register.example/log two")
    with pytest.raises(ValidationError) as exc:
        Settings()
    assert "log_origin" in str(exc.value)
