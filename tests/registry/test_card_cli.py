"""`registry card push FILE` and `registry card publish`, over HTTP to the in-process app (httpx
requests routed to a TestClient), as an agency keeping its cards in version control would use
them: YAML and JSON files, source_id as the key, validation errors by field path, four-eyes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlmodel import select
from typer.testing import CliRunner

from registry.cli import app as cli_app
from registry.models import Algorithm, CardDraft, CardVersion, Role
from tests.registry.factories import card, make_account, make_agency, make_token

pytestmark = pytest.mark.db
URL = "http://registry.test"


@pytest.fixture
def http(monkeypatch, app, client):  # type: ignore[no-untyped-def]
    """Route the CLI's httpx clients to the app (its lifespan already ran in ``client``)."""
    import httpx

    class _Client(TestClient):
        def __enter__(self) -> _Client:
            return self

        def __exit__(self, *args: object) -> None:
            return None

    def make(*, timeout: Any = None, headers: dict[str, str] | None = None) -> _Client:
        return _Client(app, base_url=URL, headers=headers)

    monkeypatch.setattr(httpx, "Client", make)
    return client


@pytest.fixture
def team(session):  # type: ignore[no-untyped-def]
    agency = make_agency(session, slug="city-housing")
    other = make_agency(session, slug="other-agency")
    author = make_account(session, role=Role.agency_editor, agency=agency)
    reviewer = make_account(session, role=Role.agency_editor, agency=agency)
    outsider = make_account(session, role=Role.agency_editor, agency=other)
    return {
        "author": make_token(session, author),
        "reviewer": make_token(session, reviewer),
        "outsider": make_token(session, outsider),
    }


def _run(*args: str, token: str) -> Any:
    return CliRunner().invoke(cli_app, [*args, "--url", URL, "--token", token])


def _yaml_card(tmp_path: Path, name: str = "triage.yaml", **changes: Any) -> Path:
    path = tmp_path / name
    data = card(source_id="benefit-triage", **changes)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _algorithms(session) -> list[Algorithm]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return list(session.exec(select(Algorithm)))


def test_push_registers_a_new_source_id_then_replaces_its_draft(http, session, team, tmp_path):
    path = _yaml_card(tmp_path)
    first = _run("card", "push", str(path), token=team["author"])
    assert first.exit_code == 0, first.output
    [algorithm] = _algorithms(session)
    assert algorithm.source_id == "benefit-triage"
    assert f"registered {algorithm.public_id} (source_id benefit-triage)" in first.output
    assert f"draft: {URL}/api/v1/algorithms/{algorithm.public_id}/draft" in first.output
    assert f"registry card publish {algorithm.public_id}" in first.output
    assert f"{URL}/console/algorithms/{algorithm.public_id}/review" in first.output
    assert "four-eyes" in first.output

    path = _yaml_card(tmp_path, team="Benefits unit")
    second = _run("card", "push", str(path), token=team["author"])
    assert second.exit_code == 0, second.output
    assert f"replaced the draft of {algorithm.public_id}" in second.output
    assert len(_algorithms(session)) == 1
    session.expire_all()
    draft = session.exec(select(CardDraft)).one()
    assert draft.card["team"] == "Benefits unit"


def test_push_reads_yaml_dates_as_card_text(http, session, team, tmp_path):
    path = tmp_path / "card.yml"
    text = yaml.safe_dump(card(source_id="dated"), sort_keys=False)
    path.write_text(text.replace("'2026-03-01'", "2026-03-01"), encoding="utf-8")
    assert "next_review_date: 2026-03-01\n" in path.read_text()
    result = _run("card", "push", str(path), token=team["author"])
    assert result.exit_code == 0, result.output
    session.expire_all()
    assert session.exec(select(CardDraft)).one().card["next_review_date"] == "2026-03-01"


def test_push_json_with_source_id_option_and_lists_missing_fields(http, session, team, tmp_path):
    path = tmp_path / "permit.json"
    path.write_text(json.dumps({"name": "Parking permit scoring"}), encoding="utf-8")
    result = _run("card", "push", str(path), "--source-id", "permit-7", token=team["author"])
    assert result.exit_code == 0, result.output
    assert "missing before it can be published" in result.output
    assert "  - summary\n" in result.output
    assert f"next: fill these in {path} and push again" in result.output
    assert _algorithms(session)[0].source_id == "permit-7"


def test_push_without_a_source_id_says_how_to_give_one(http, session, team, tmp_path):
    path = tmp_path / "card.json"
    path.write_text(json.dumps(card()), encoding="utf-8")
    result = _run("card", "push", str(path), token=team["author"])
    assert result.exit_code == 2
    assert "add 'source_id: <id>' to the card, or pass --source-id" in result.output
    assert _algorithms(session) == []


def test_push_refuses_two_different_source_ids(http, session, team, tmp_path):
    path = _yaml_card(tmp_path)
    result = _run("card", "push", str(path), "--source-id", "other", token=team["author"])
    assert result.exit_code == 2
    assert "'benefit-triage'" in result.output and "'other'" in result.output
    assert _algorithms(session) == []


def test_push_names_the_line_of_a_yaml_syntax_error(http, session, team, tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("name: Triage\nsource_id: t\nsummary: [unclosed\nteam: x\n", encoding="utf-8")
    result = _run("card", "push", str(path), token=team["author"])
    assert result.exit_code == 2
    assert f"{path}, line 4" in result.output and "not valid YAML" in result.output
    assert _algorithms(session) == []


def test_push_names_the_line_of_a_json_syntax_error(http, session, team, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{\n  "name": "Triage",\n  "summary": \n}\n', encoding="utf-8")
    result = _run("card", "push", str(path), token=team["author"])
    assert result.exit_code == 2
    assert f"{path}, line 4" in result.output and "not valid JSON" in result.output


def test_push_of_a_list_is_not_a_card(http, session, team, tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- name: a\n", encoding="utf-8")
    result = _run("card", "push", str(path), token=team["author"])
    assert result.exit_code == 2
    assert "holds one mapping of card fields; this one holds a list" in result.output


def test_push_lists_each_invalid_field_by_path(http, session, team, tmp_path):
    path = _yaml_card(
        tmp_path, risk_category="enormous", contact={"email": "not an address"}, colour="red"
    )
    result = _run("card", "push", str(path), token=team["author"])
    assert result.exit_code == 2
    assert "HTTP 422" in result.output
    for field in ("risk_category", "contact.email", "colour"):
        assert f"\n  {field}: " in result.output, result.output
    assert _algorithms(session) == []


def test_push_by_another_agencys_editor_creates_in_their_agency_only(http, session, team, tmp_path):
    path = _yaml_card(tmp_path)
    assert _run("card", "push", str(path), token=team["author"]).exit_code == 0
    other = _run("card", "push", str(path), token=team["outsider"])
    assert other.exit_code == 0, other.output
    assert "registered" in other.output  # the same source_id, in its own agency
    assert len(_algorithms(session)) == 2


def test_push_with_an_invalid_token_is_refused(http, session, team, tmp_path):
    path = _yaml_card(tmp_path)
    result = _run("card", "push", str(path), token="reg_" + "x" * 43)
    assert result.exit_code == 2
    assert "HTTP 401" in result.output


def test_publish_is_refused_to_the_pusher_with_the_rule_and_the_missing_fields(
    http, session, team, tmp_path
):
    path = _yaml_card(tmp_path, summary=None, appeal_route=None)
    assert _run("card", "push", str(path), token=team["author"]).exit_code == 0
    public_id = _algorithms(session)[0].public_id
    result = _run("card", "publish", public_id, "--summary", "First.", token=team["author"])
    assert result.exit_code == 2
    assert "four-eyes rule" in result.output
    assert "another editor of the same agency must review and publish it" in result.output
    assert "also incomplete: fill these 2 required field(s)" in result.output
    assert "  - summary\n" in result.output and "  - appeal_route\n" in result.output
    session.expire_all()
    assert list(session.exec(select(CardVersion))) == []


def test_publish_of_a_complete_draft_by_the_pusher_states_only_the_rule(
    http, session, team, tmp_path
):
    assert _run("card", "push", str(_yaml_card(tmp_path)), token=team["author"]).exit_code == 0
    public_id = _algorithms(session)[0].public_id
    result = _run("card", "publish", public_id, "--summary", "First.", token=team["author"])
    assert result.exit_code == 2
    assert "four-eyes rule" in result.output
    assert "incomplete" not in result.output


def test_publish_by_a_second_editor_publishes_the_pushed_revision(http, session, team, tmp_path):
    assert _run("card", "push", str(_yaml_card(tmp_path)), token=team["author"]).exit_code == 0
    public_id = _algorithms(session)[0].public_id
    result = _run("card", "publish", public_id, "--summary", "First.", token=team["reviewer"])
    assert result.exit_code == 0, result.output
    assert f"published version 1 of {public_id}: {URL}/algorithms/{public_id}" in result.output
    # After a publish, a push starts the next draft of the same algorithm.
    again = _run("card", "push", str(_yaml_card(tmp_path, team="Unit")), token=team["author"])
    assert again.exit_code == 0, again.output
    assert f"replaced the draft of {public_id}" in again.output


def test_publish_of_an_incomplete_draft_by_a_reviewer_lists_each_field(
    http, session, team, tmp_path
):
    path = _yaml_card(tmp_path, summary=None)
    assert _run("card", "push", str(path), token=team["author"]).exit_code == 0
    public_id = _algorithms(session)[0].public_id
    result = _run("card", "publish", public_id, "--summary", "First.", token=team["reviewer"])
    assert result.exit_code == 2
    assert "HTTP 422" in result.output and "\n  summary: " in result.output


def test_publish_without_a_draft_says_so(http, session, team):
    result = _run("card", "publish", "alg-zzzzzzzz", "--summary", "x", token=team["author"])
    assert result.exit_code == 2
    assert "HTTP 404" in result.output
