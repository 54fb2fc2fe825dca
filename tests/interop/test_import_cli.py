"""``registry import-records``: a readable summary, the full report as JSON, dry runs, reruns."""

from __future__ import annotations

import json

import pytest
from sqlmodel import func, select
from typer.testing import CliRunner

from registry.cli import app as cli_app
from registry.models import Algorithm, Role
from tests.registry.factories import make_account, make_agency

pytestmark = pytest.mark.db

NL = "nl_algoritmeregister"
RECORDS = [
    {
        "name": "Parkeercontrole",
        "organization": "Gemeente Amsterdam",
        "description_short": "Scanauto's controleren of voor het parkeren is betaald.",
    },
    {"name": "", "organization": "Gemeente Amsterdam"},  # no name: cannot be registered
    {
        "name": "Bijstandsaanvragen sorteren",
        "organization": "Gemeente Utrecht",
        "description_short": "Sorteert aanvragen op urgentie.",
    },
]


@pytest.fixture
def run(settings, engine, tmp_path, monkeypatch):
    monkeypatch.setenv("REGISTRY_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("REGISTRY_DATA_DIR", str(tmp_path / "data"))
    from registry.config import get_settings

    get_settings.cache_clear()
    runner = CliRunner()
    yield lambda *args: runner.invoke(cli_app, [str(a) for a in args])
    get_settings.cache_clear()


@pytest.fixture
def records_file(tmp_path):
    path = tmp_path / "register.json"
    path.write_text(json.dumps(RECORDS, ensure_ascii=False), encoding="utf-8")
    return path


def _algorithms(session) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(Algorithm)).one()


def test_dry_run_prints_a_summary_writes_the_report_and_nothing_else(
    run, session, records_file, tmp_path
):
    report = tmp_path / "report.json"
    result = run("import-records", "--format", NL, records_file, "--dry-run", "--report", report)
    assert result.exit_code == 0, result.output
    assert "DRY RUN (nothing written): 3 record(s) read" in result.output
    assert "2 would be created as a draft, 1 skipped" in result.output
    assert "#1 Parkeercontrole: would be created as a draft -> gemeente-amsterdam" in result.output
    assert "needs a person: contact.email" in result.output
    document = json.loads(report.read_text(encoding="utf-8"))
    assert document["dry_run"] is True and document["standard_version"] == "1.0.0"
    assert [r["outcome"] for r in document["records"]] == [
        "would_create",
        "skipped",
        "would_create",
    ]
    assert document["records"][0]["language"] == "nl"
    assert "needs_person" in document["records"][0]["notes_by_kind"]
    assert _algorithms(session) == 0


def test_import_then_rerun_creates_nothing_twice(run, session, records_file):
    admin = make_account(session, role=Role.admin, email="admin@example.gov")
    first = run("import-records", "--format", NL, records_file, "--editor", admin.email)
    assert first.exit_code == 0, first.output
    assert "2 created as a draft, 1 skipped" in first.output
    assert _algorithms(session) == 2
    again = run("import-records", "--format", NL, records_file, "--editor", admin.email)
    assert "2 already imported, 1 skipped" in again.output
    assert _algorithms(session) == 2


def test_agency_option_and_agency_map(run, session, records_file, tmp_path):
    agency = make_agency(session, slug="utrecht", name="Utrecht municipality")
    editor = make_account(session, role=Role.agency_editor, agency=agency)
    only = run("import-records", "--format", NL, records_file, "--agency", "utrecht", "--dry-run")
    assert only.output.count("-> utrecht") == 2
    mapping = tmp_path / "map.json"
    mapping.write_text(json.dumps({"Gemeente Utrecht": "utrecht"}), encoding="utf-8")
    mapped = run(
        "import-records", "--format", NL, records_file, "--agency-map", mapping, "--dry-run"
    )
    assert "#3 Bijstandsaanvragen sorteren: would be created as a draft -> utrecht" in (
        mapped.output
    )
    refused = run(
        "import-records",
        "--format",
        NL,
        records_file,
        "--agency-map",
        mapping,
        "--editor",
        editor.email,
    )
    # the editor may not work on Gemeente Amsterdam's new agency: that record is skipped
    assert "#1 Parkeercontrole: skipped" in refused.output
    assert "#3 Bijstandsaanvragen sorteren: created as a draft" in refused.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "nope"], "Unknown format 'nope'"),
        (["--format", NL], "last editor"),
        (["--format", NL, "--agency", "nowhere", "--dry-run"], "No agency with slug 'nowhere'"),
    ],
)
def test_bad_input_is_an_error_message_not_a_traceback(run, records_file, args, message):
    result = run("import-records", records_file, *args)
    assert result.exit_code == 1
    assert message in result.output


def test_a_bad_agency_map_names_the_file(run, records_file, tmp_path):
    mapping = tmp_path / "map.json"
    mapping.write_text('["not", "a", "map"]', encoding="utf-8")
    result = run("import-records", "--format", NL, records_file, "--agency-map", mapping)
    assert result.exit_code == 1 and "map.json must map" in result.output
