"""Export -> import into an empty database -> export again gives byte-identical JSON."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select
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


# --- the transparency log travels with the export and checks its content ----------------------


@pytest.fixture
def logged(populated, settings):
    """``populated`` with a signing key, and a published, answered participation item."""
    from registry.models import Agency, Algorithm
    from registry.services import transparency
    from registry.services.participation import moderation, submission

    transparency.generate_key(settings, name="export.example/log")
    populated.info[transparency.SETTINGS_KEY] = settings
    algorithm = populated.exec(select(Algorithm)).one()
    editor = make_account(
        populated, role=Role.agency_editor, agency=populated.get(Agency, algorithm.agency_id)
    )
    done = submission.submit_item(
        populated,
        public_id=algorithm.public_id,
        text="Who decides in the end?",
        kind="question",
        duplicate_hours=72,
        now=T0,
    )
    moderation.publish_item(
        populated, actor=editor, item_id=done.item.public_id, answer="A person.", now=T0
    )
    return {"session": populated, "settings": settings, "algorithm": algorithm, "item": done.item}


def _import(url, data, **kw):  # type: ignore[no-untyped-def]
    """Import into the second database; (the exception or None, what that database then holds)."""
    engine = make_engine(url)
    try:
        with session_scope(engine) as other:
            try:
                import_registry(other, data, **kw)
                caught = None
            except (Invalid, Conflict) as exc:
                caught = exc
            return caught, export_registry(other)
    finally:
        engine.dispose()


def test_an_export_carries_its_log_and_an_untouched_one_imports_and_verifies(
    logged, second_database_url
):
    from registry.services import log_check, transparency

    data = export_registry(logged["session"])
    kinds = [e["kind"] for e in data["log_entries"]]
    assert kinds == ["version.published"] * 3 + ["participation.published"]
    assert data["log_checkpoints"][-1]["size"] == 4
    keys = transparency.verifier_keys(logged["settings"])
    caught, restored = _import(second_database_url, json.loads(dump_export(data)), keys=keys)
    assert caught is None
    assert dump_export(restored) == dump_export(data)
    engine = make_engine(second_database_url)
    try:
        with session_scope(engine) as other:
            # proofs can be served: the subtree hashes were rebuilt from the leaves
            report = log_check.verify_database(other, keys)
            assert report.ok, report.problems
            assert (report.entries, report.checkpoints) == (4, 1)
            assert transparency.inclusion(other, index=1).tree_size == 4
    finally:
        engine.dispose()


def test_an_export_whose_card_was_edited_is_refused_naming_the_entry(logged, second_database_url):
    data = export_registry(logged["session"])
    data["versions"][1]["card"]["name"] = "A kinder name"
    caught, restored = _import(second_database_url, data)
    assert isinstance(caught, Invalid)
    algorithm = logged["algorithm"].public_id
    assert caught.message.startswith(
        "The export's content does not match its transparency log; nothing was imported. "
        f"entry 1: version.published (algorithm {algorithm}, version 2): the stored record no "
        "longer matches its leaf (content_sha256 differ)"
    )
    assert caught.details[0]["loc"] == ["log_entries"]
    assert restored["versions"] == [] and restored["log_entries"] == []
    assert restored["events"] == []


def test_an_export_whose_participation_item_was_edited_is_refused(logged, second_database_url):
    data = export_registry(logged["session"])
    (row,) = data["participation_items"]
    row["answer"] = "Nobody."
    caught, restored = _import(second_database_url, data)
    assert isinstance(caught, Invalid)
    assert (
        f"entry 3: participation.published (algorithm {logged['algorithm'].public_id}, item "
        f"{logged['item'].public_id}): the stored record no longer matches its leaf "
        "(answer_sha256 differ)"
    ) in caught.message
    assert restored["participation_items"] == []


def test_an_edited_leaf_or_a_cut_log_is_refused(logged, second_database_url):
    data = export_registry(logged["session"])
    cut = json.loads(json.dumps(data))
    del cut["log_entries"][-1]
    caught, _ = _import(second_database_url, cut)
    assert isinstance(caught, Invalid)
    problems = [d["msg"] for d in caught.details]
    assert any("participation.published" in p and "not in the log" in p for p in problems)
    assert any("this checkpoint signed 4; entries 3 to 3 are missing" in p for p in problems)

    forged = json.loads(json.dumps(data))
    forged["log_entries"][0]["leaf"] = forged["log_entries"][0]["leaf"].replace(
        '"version":1', '"version":2'
    )
    caught, _ = _import(second_database_url, forged)
    assert isinstance(caught, Invalid)
    assert "entry 0: version.published" in caught.message


def test_checkpoints_signed_by_an_unknown_key_are_refused_given_the_keys(
    logged, second_database_url
):
    from registry.transparency.note import SignerKey

    data = export_registry(logged["session"])
    stranger = SignerKey.generate("export.example/log").verifier
    caught, restored = _import(second_database_url, data, keys=[stranger])
    assert isinstance(caught, Invalid)
    assert "no valid signature by a known log key" in caught.message
    assert restored["log_checkpoints"] == []


def test_an_export_without_its_log_needs_without_log(logged, second_database_url):
    data = export_registry(logged["session"])
    for key in ("log_entries", "log_checkpoints"):
        del data[key]
    caught, restored = _import(second_database_url, data)
    assert isinstance(caught, Invalid)
    assert caught.message.startswith("The export carries no transparency log")
    assert restored["agencies"] == []
    caught, restored = _import(second_database_url, data, without_log=True)
    assert caught is None
    assert len(restored["versions"]) == 3 and restored["log_entries"] == []


def test_cli_import_refuses_an_edited_export(logged, second_database_url, tmp_path, monkeypatch):
    data = export_registry(logged["session"])
    data["versions"][0]["card"]["purpose"] = "Something else entirely."
    export_file = tmp_path / "edited.json"
    export_file.write_text(dump_export(data), encoding="utf-8")
    monkeypatch.setenv("REGISTRY_DATABASE_URL", second_database_url)
    monkeypatch.setenv("REGISTRY_DATA_DIR", str(tmp_path / "elsewhere"))
    from registry.config import get_settings

    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli_app, ["import", str(export_file)])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert "no public log keys" in result.output
    assert "does not match its transparency log" in result.output
    assert "entry 0: version.published" in result.output
