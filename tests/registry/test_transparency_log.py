"""The transparency log in the database: every public fact becomes a leaf in its publication's
transaction, checkpoints are signed, and `registry verify --database` names what was tampered with.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select
from typer.testing import CliRunner

from registry.cli import app as cli_app
from registry.models import Agency, CardVersion, Event, Role
from registry.models.audit import AuditVisibility
from registry.models.transparency import LogCheckpoint, LogEntry, LogNode
from registry.services import log_check, transparency
from registry.services.audits import publication
from registry.services.cards import algorithms as algorithm_service
from registry.transparency import merkle
from registry.transparency.note import SignerKey, parse_note, sign_checkpoint
from tests.registry.factories import T0, make_account, make_published_algorithm
from tests.registry.stored_audits import stored_audit

pytestmark = pytest.mark.db


@pytest.fixture
def signed(settings, session):
    """The log's key in the data folder, and the session signing checkpoints with it."""
    transparency.generate_key(settings, name="test.example/log")
    session.info[transparency.SETTINGS_KEY] = settings
    return settings


def build_history(session):  # type: ignore[no-untyped-def]
    """Two versions, an audit published, answered twice and withdrawn, the algorithm retired."""
    algorithm = make_published_algorithm(session, versions=2)
    auditor = make_account(session, role=Role.auditor)
    audit = stored_audit(session, algorithm, auditor, "AUD-LOG-1")
    at = T0 + timedelta(days=100)
    publication.publish_audit(session, actor=auditor, audit=audit, now=at)
    agency = session.get(Agency, algorithm.agency_id)
    editor = make_account(session, role=Role.agency_editor, agency=agency)
    publication.respond_to_audit(
        session, actor=editor, audit=audit, algorithm=algorithm, text="First.", now=at
    )
    publication.respond_to_audit(
        session, actor=editor, audit=audit, algorithm=algorithm, text="Second.", now=at
    )
    publication.withdraw_audit(session, actor=auditor, audit=audit, reason="Wrong file.", now=at)
    algorithm_service.retire_algorithm(
        session, actor=editor, algorithm=algorithm, reason="Replaced.", now=at
    )
    session.commit()
    return algorithm, audit


def problems(session, settings):  # type: ignore[no-untyped-def]
    return log_check.verify_database(session, transparency.verifier_keys(settings)).problems


def test_every_public_fact_is_a_leaf_in_ledger_order_and_the_log_verifies(session, signed):
    algorithm, audit = build_history(session)
    rows = list(session.exec(select(LogEntry).order_by(LogEntry.idx)))
    assert [r.kind for r in rows] == [
        "version.published",
        "version.published",
        "audit.published",
        "audit.response",
        "audit.response",
        "audit.withdrawn",
        "algorithm.retired",
    ]
    first = json.loads(rows[0].leaf)
    version = session.exec(select(CardVersion).where(CardVersion.number == 1)).one()
    assert first["subject"] == {"algorithm": algorithm.public_id, "version": 1}
    assert first["content_sha256"] == version.sha256 and first["index"] == 0
    assert json.loads(rows[2].leaf)["verdict"] == audit.verdict
    assert rows[0].leaf_hash == merkle.leaf_hash(rows[0].leaf.encode()).hex()
    latest = transparency.latest_checkpoint(session)
    assert latest is not None and latest.size == 7
    tree = merkle.MemoryTree(bytes.fromhex(r.leaf_hash) for r in rows)
    assert latest.root_hash == tree.root().hex()
    assert transparency.root_at(session, 5) == tree.root(5)
    report = log_check.verify_database(session, transparency.verifier_keys(signed))
    assert report.ok, report.problems
    assert (report.entries, report.checkpoints) == (7, 7)


def test_private_actions_and_agencies_add_no_leaf(session, signed):
    make_account(session, role=Role.auditor)  # creates nothing public
    assert transparency.log_size(session) == 0
    assert transparency.latest_checkpoint(session) is None


def test_without_a_key_the_log_grows_and_a_later_publication_signs_it(session, settings):
    make_published_algorithm(session, versions=1)
    assert transparency.log_size(session) == 1
    assert transparency.latest_checkpoint(session) is None
    transparency.generate_key(settings, name="later")
    session.info[transparency.SETTINGS_KEY] = settings
    algorithm = make_published_algorithm(session, versions=1)
    assert algorithm.current_version == 1
    assert transparency.latest_checkpoint(session).size == 2  # type: ignore[union-attr]


def test_batched_checkpoints_wait_for_the_interval(session, settings):
    transparency.generate_key(settings, name="batched")
    session.info[transparency.SETTINGS_KEY] = settings.model_copy(
        update={"log_checkpoint_seconds": 3600}
    )
    make_published_algorithm(session, versions=3, step=timedelta(minutes=10))
    sizes = [c.size for c in session.exec(select(LogCheckpoint).order_by(LogCheckpoint.id))]
    assert sizes == [1]


def test_an_edited_card_is_named(session, signed):
    algorithm, _ = build_history(session)
    version = session.exec(select(CardVersion).where(CardVersion.number == 2)).one()
    version.card = {**version.card, "name": "Quietly renamed"}
    session.add(version)
    session.commit()
    found = problems(session, signed)
    assert found[0] == (
        f"entry 1: version.published (algorithm {algorithm.public_id}, version 2): the stored "
        "record no longer matches its leaf (content_sha256 differ)"
    )


def test_an_edited_verdict_is_named(session, signed):
    _, audit = build_history(session)
    audit.verdict = "pass" if audit.verdict != "pass" else "fail"
    session.add(audit)
    session.commit()
    found = problems(session, signed)
    assert found[0].startswith("entry 2: audit.published (algorithm ")
    assert f"audit {audit.public_id}" in found[0]
    assert found[0].endswith("(content_sha256, verdict differ)")


def test_an_edited_earlier_response_is_named_by_its_event(session, signed):
    build_history(session)
    first_response = session.exec(
        select(Event).where(Event.action == "audit.response").order_by(Event.id)  # type: ignore[arg-type]
    ).first()
    session.execute(
        sa.update(Event)
        .where(Event.id == first_response.id)  # type: ignore[union-attr]
        .values(payload={"text": "Rewritten.", "texts": {"en": "Rewritten."}})
    )
    session.commit()
    found = problems(session, signed)
    assert found[0].startswith(f"event ledger: event {first_response.id}:")  # type: ignore[union-attr]
    assert any(p.startswith("entry 3: audit.response") for p in found)


def test_a_deleted_tail_is_named(session, signed):
    build_history(session)
    session.execute(sa.delete(LogNode).where(LogNode.idx >= 2))
    session.execute(sa.delete(LogEntry).where(LogEntry.idx >= 5))
    session.commit()
    found = problems(session, signed)
    assert any("is public but not in the log" in p and "audit.withdrawn" in p for p in found), found
    assert any(
        "the log has 5 entries but this checkpoint signed 7; entries 5 to 6 are missing" in p
        for p in found
    ), found


def test_two_reordered_entries_are_named(session, signed):
    build_history(session)
    for old, new in [(1, -1), (2, 1), (-1, 2)]:
        session.execute(sa.update(LogEntry).where(LogEntry.idx == old).values(idx=new))
    session.commit()
    found = problems(session, signed)
    assert found[0].startswith("entry 1: version.published (") or found[0].startswith(
        "entry 1: audit"
    )
    assert "its leaf says it is entry 2 (entries reordered)" in found[0]


def test_a_checkpoint_signed_by_another_key_is_named(session, signed):
    build_history(session)
    latest = transparency.latest_checkpoint(session)
    assert latest is not None
    intruder = SignerKey.generate("test.example/log")
    forged = sign_checkpoint(parse_note(latest.note).checkpoint(), intruder)
    session.execute(
        sa.update(LogCheckpoint).where(LogCheckpoint.id == latest.id).values(note=forged)
    )
    session.commit()
    assert problems(session, signed) == [
        f"checkpoint {latest.id} (size 7): no valid signature by a known log key "
        "(signed as test.example/log)"
    ]


def test_after_rotation_old_checkpoints_still_verify(session, signed):
    make_published_algorithm(session, versions=1)
    old_key = transparency.load_signer(signed)
    transparency.generate_key(signed, name="test.example/log-2", rotate=True)
    make_published_algorithm(session, versions=1)
    notes = [
        parse_note(c.note) for c in session.exec(select(LogCheckpoint).order_by(LogCheckpoint.id))
    ]
    assert [n.signatures[0].name for n in notes] == ["test.example/log", "test.example/log-2"]
    assert old_key is not None and old_key.name == "test.example/log"
    assert problems(session, signed) == []
    assert [k.name for k in transparency.verifier_keys(signed)] == [
        "test.example/log",
        "test.example/log-2",
    ]


def test_the_key_file_is_private_and_never_overwritten(signed):
    path = signed.resolved_log_key_file
    assert path.stat().st_mode & 0o777 == 0o600
    with pytest.raises(FileExistsError, match="--rotate"):
        transparency.generate_key(signed, name="again")


# --- the command line -------------------------------------------------------------------------


@pytest.fixture
def run(settings, engine, tmp_path, monkeypatch):
    monkeypatch.setenv("REGISTRY_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("REGISTRY_DATA_DIR", str(settings.data_dir))
    from registry.config import get_settings

    get_settings.cache_clear()
    runner = CliRunner()
    yield lambda *args: runner.invoke(cli_app, list(args))
    get_settings.cache_clear()


def test_verify_database_passes_then_names_an_edited_verdict(run, session, settings):
    keygen = run("log", "keygen", "--name", "cli.example/log")
    assert keygen.exit_code == 0, keygen.output
    assert "cli.example/log+" in keygen.output
    session.info[transparency.SETTINGS_KEY] = settings
    _, audit = build_history(session)
    ok = run("verify", "--database")
    assert ok.exit_code == 0, ok.output
    assert ok.output == "verified: 7 entries, 7 checkpoints\n"
    audit.verdict = "pass" if audit.verdict != "pass" else "fail"
    session.add(audit)
    session.commit()
    bad = run("verify", "--database")
    assert bad.exit_code == 1
    assert bad.output.startswith("FAILED: entry 2: audit.published (")


def test_log_checkpoint_catches_up_a_log_without_leaves(run, session, settings):
    make_published_algorithm(session, versions=2)
    session.execute(sa.delete(LogNode))
    session.execute(sa.delete(LogEntry))
    session.commit()
    assert run("verify", "--database").exit_code == 1
    assert run("log", "checkpoint").exit_code == 1  # no key yet
    assert run("log", "keygen").exit_code == 0
    caught_up = run("log", "checkpoint")
    assert caught_up.exit_code == 0, caught_up.output
    assert caught_up.output.startswith("2 entries appended; checkpoint of size 2:\n")
    assert run("verify", "--database").exit_code == 0


def test_verify_needs_a_url_or_database(run):
    assert run("verify").exit_code == 2
    assert run("verify", "http://x", "--database").exit_code == 2


def test_withdrawn_audit_visibility_is_recorded(session, signed):
    _, audit = build_history(session)
    assert audit.visibility == AuditVisibility.withdrawn
    withdrawn = session.exec(select(LogEntry).where(LogEntry.kind == "audit.withdrawn")).one()
    assert json.loads(withdrawn.leaf)["subject"]["audit"] == audit.public_id


def test_a_fact_whose_record_is_missing_does_not_block_publication_and_is_named(session, signed):
    from registry.services.events import record_event

    record_event(
        session,
        at=T0,
        actor_id=None,
        action="audit.published",
        subject_type="audit",
        subject_id="AUD-GONE",
        payload={"verdict": "pass"},
    )
    session.commit()
    algorithm = make_published_algorithm(session, versions=1)
    assert algorithm.current_version == 1
    rows = list(session.exec(select(LogEntry).order_by(LogEntry.idx)))
    assert json.loads(rows[0].leaf)["missing"] == "audit AUD-GONE is not in the database"
    assert problems(session, signed) == [
        "entry 0: audit.published (audit AUD-GONE): audit AUD-GONE is not in the database"
    ]


def test_missing_subtree_hashes_are_named(session, signed):
    build_history(session)
    session.execute(sa.delete(LogNode).where(LogNode.level == 1))
    session.commit()
    assert problems(session, signed) == [
        "3 stored subtree hashes are missing, the first (level 1, index 0); proofs cannot be served"
    ]
