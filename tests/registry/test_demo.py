"""The demo loader: sample agencies, accounts and cards with their history; idempotent."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from registry.cli import app as cli_app
from registry.models import Algorithm, AlgorithmState, CardVersion
from registry.paths import SAMPLES_DIR
from registry.services.clock import FixedClock
from registry.services.demo import load_demo, read_card_samples
from registry.services.events import verify_chain
from registry.services.export_import import dump_export, export_registry
from tests.registry.factories import T0

pytestmark = pytest.mark.db


def test_demo_loads_every_sample_with_history_and_is_idempotent(session):
    samples = read_card_samples(SAMPLES_DIR)
    assert samples, "the bundled samples/cards folder is empty"
    first = load_demo(session, SAMPLES_DIR, clock=FixedClock(T0))
    assert first.counts["algorithms"] == len(samples)
    assert first.counts["versions"] == sum(len(s["versions"]) for s in samples)
    assert first.counts["retired"] == sum(s.get("state") == "retired" for s in samples)
    assert "admin@demo.example" in first.tokens

    snapshot = dump_export(export_registry(session))
    second = load_demo(session, SAMPLES_DIR, clock=FixedClock(T0.replace(year=2025)))
    assert sum(second.counts.values()) == 0 and second.tokens == {}
    assert dump_export(export_registry(session)) == snapshot

    versions = list(session.exec(select(CardVersion)))
    assert all(v.author_id != v.publisher_id for v in versions)  # four-eyes held
    assert all(v.published_at < T0 for v in versions)
    assert len({v.published_at for v in versions}) == len(versions)
    retired = session.exec(select(Algorithm).where(Algorithm.state == AlgorithmState.retired)).all()
    assert all(a.retired_at and a.retired_at < T0 for a in retired)
    assert verify_chain(session).ok


def test_demo_adds_only_new_versions_of_a_changed_sample(session, tmp_path):
    (tmp_path / "cards").mkdir()
    source = sorted((SAMPLES_DIR / "cards").glob("*.json"))[0]
    sample = json.loads(source.read_text(encoding="utf-8"))
    sample["state"] = "published"
    path = tmp_path / "cards" / source.name
    path.write_text(json.dumps(sample), encoding="utf-8")
    load_demo(session, tmp_path, clock=FixedClock(T0))
    extra = {
        "change_summary": "New contact route.",
        "card": {**sample["versions"][-1]["card"], "team": "New team"},
    }
    sample["versions"].append(extra)
    path.write_text(json.dumps(sample), encoding="utf-8")
    result = load_demo(session, tmp_path, clock=FixedClock(T0))
    assert dict(result.counts) == {"versions": 1}


def test_demo_rejects_a_malformed_sample(session, tmp_path):
    (tmp_path / "cards").mkdir()
    (tmp_path / "cards" / "bad.json").write_text('{"source_id": "x", "agency": {}, "versions": []}')
    from registry.errors import Invalid

    with pytest.raises(Invalid, match=r"bad\.json"):
        load_demo(session, tmp_path, clock=FixedClock(T0))


def test_cli_demo_no_serve_twice(settings, tmp_path, monkeypatch):
    monkeypatch.setenv("REGISTRY_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("REGISTRY_DATA_DIR", str(tmp_path / "data"))
    from registry.config import get_settings

    get_settings.cache_clear()
    runner = CliRunner()
    try:
        first = runner.invoke(cli_app, ["demo", "--no-serve"])
        assert first.exit_code == 0, first.output
        assert "token for admin@demo.example: reg_" in first.output
        assert "transparency log key created" in first.output
        second = runner.invoke(cli_app, ["demo", "--no-serve"])
        assert second.exit_code == 0, second.output
        assert "nothing new" in second.output
        assert "transparency log key created" not in second.output
        verified = runner.invoke(cli_app, ["verify", "--database"])
        assert verified.exit_code == 0, verified.output
        assert verified.output.startswith("verified: ")
        assert not verified.output.startswith("verified: 0 entries")
    finally:
        get_settings.cache_clear()


def test_demo_adds_sample_questions_and_concerns_once(session):
    from registry.models.participation import ItemState, ParticipationContact, ParticipationItem
    from registry.services.participation.timeliness import DEFAULT_CLOCK

    first = load_demo(session, SAMPLES_DIR, clock=FixedClock(T0))
    assert first.counts["participation items"] == 4
    items = {i.kind.value: i for i in session.exec(select(ParticipationItem))}
    assert items["question"].state == ItemState.published and items["question"].answer
    concern = items["concern"]
    assert concern.state == ItemState.published and concern.answer is None
    assert "13812345678" not in concern.text and concern.masked_kinds == ["phone"]
    assert DEFAULT_CLOCK.past_target(concern.received_at.date(), T0.date())
    assert items["suggestion"].state == ItemState.declined
    assert items["record_error"].state == ItemState.pending
    assert len(session.exec(select(ParticipationContact)).all()) == 4
    assert verify_chain(session).ok
    again = load_demo(session, SAMPLES_DIR, clock=FixedClock(T0.replace(year=2025)))
    assert again.counts["participation items"] == 0
    assert len(session.exec(select(ParticipationItem)).all()) == 4
