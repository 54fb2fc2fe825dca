"""The test suite finds what it needs by itself, and says what is missing and how to get it.

A newcomer's ``python -m pytest`` and CI's run execute the same tests: axe-core comes with the test
extras (``axe-playwright-python``), Chromium is looked up on the PATH, and the PostgreSQL plan test
makes its own throwaway database on the local server.
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from tests.e2e.conftest import HOW_TO_GET_AXE, find_axe_core, find_chromium
from tests.postgres import HOW_TO_GET_POSTGRES, postgres_url

CLOSED_PORT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:1/postgres"


def test_axe_core_comes_with_the_test_dependencies(monkeypatch):
    monkeypatch.delenv("AXE_CORE_JS", raising=False)
    path, looked_at = find_axe_core()
    assert path is not None, f"{looked_at}: {HOW_TO_GET_AXE}"
    assert path.name == "axe.min.js"
    assert path.read_text(encoding="utf-8").startswith("/*! axe v4.")


def test_axe_core_js_overrides_the_bundled_copy(monkeypatch, tmp_path):
    own = tmp_path / "axe.min.js"
    own.write_text("/*! axe v4.0.0 */", encoding="utf-8")
    monkeypatch.setenv("AXE_CORE_JS", str(own))
    assert find_axe_core() == (own, f"AXE_CORE_JS={own}")


def test_a_missing_axe_core_js_is_reported_not_replaced(monkeypatch, tmp_path):
    missing = tmp_path / "nowhere" / "axe.min.js"
    monkeypatch.setenv("AXE_CORE_JS", str(missing))
    assert find_axe_core() == (None, f"AXE_CORE_JS={missing}")


def _executable(path: Path) -> Path:
    path.write_text("#!/bin/sh\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_chromium_is_found_on_the_path_under_its_usual_names(monkeypatch, tmp_path):
    monkeypatch.delenv("CHROMIUM_PATH", raising=False)
    browser = _executable(tmp_path / "chromium-browser")
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_chromium() == (str(browser), "chromium-browser")


def test_chromium_path_wins_and_a_missing_one_is_reported(monkeypatch, tmp_path):
    browser = _executable(tmp_path / "my-chrome")
    monkeypatch.setenv("CHROMIUM_PATH", str(browser))
    assert find_chromium() == (str(browser), f"CHROMIUM_PATH={browser}")
    monkeypatch.setenv("CHROMIUM_PATH", str(tmp_path / "none"))
    assert find_chromium() == (None, f"CHROMIUM_PATH={tmp_path / 'none'}")


def test_without_chromium_the_lookup_names_where_it_looked(monkeypatch, tmp_path):
    monkeypatch.delenv("CHROMIUM_PATH", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    found, looked_at = find_chromium()
    assert found is None
    assert "chromium" in looked_at and "google-chrome" in looked_at


def _unreachable_postgres(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("REGISTRY_TEST_DATABASE_URL", raising=False)
    monkeypatch.setenv("REGISTRY_TEST_POSTGRES_URL", CLOSED_PORT_SERVER)


def test_an_unreachable_postgres_skips_naming_the_server_and_the_remedy(monkeypatch):
    _unreachable_postgres(monkeypatch)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception) as skipped, postgres_url():
        pytest.fail("no database should have been made")
    message = str(skipped.value)
    assert "127.0.0.1:1" in message
    assert HOW_TO_GET_POSTGRES in message
    assert "\n" not in message


def test_an_unreachable_postgres_fails_in_ci(monkeypatch):
    _unreachable_postgres(monkeypatch)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="required when CI=true"), postgres_url():
        pass


def test_a_throwaway_postgres_database_is_made_and_dropped(monkeypatch):
    import sqlalchemy as sa

    monkeypatch.delenv("REGISTRY_TEST_DATABASE_URL", raising=False)
    monkeypatch.delenv("REGISTRY_TEST_POSTGRES_URL", raising=False)
    with postgres_url() as url:
        name = sa.make_url(url).database
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT current_database()")).scalar() == name
        engine.dispose()
    admin = sa.create_engine(url.replace(f"/{name}", "/postgres"))
    with admin.connect() as conn:
        left = conn.execute(
            sa.text("SELECT count(*) FROM pg_database WHERE datname = :n"), {"n": name}
        ).scalar()
    admin.dispose()
    assert left == 0
