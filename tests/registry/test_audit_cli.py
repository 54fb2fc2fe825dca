"""`registry audit submit` against a real HTTP server (in-process worker from the app's lifespan),
and `registry worker --once`."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest
from typer.testing import CliRunner

from registry.cli import app as cli_app
from tests.registry.audit_fixtures import SMALL_SPEC, audit_rows, make_world, sample_files

pytestmark = [pytest.mark.db, pytest.mark.slow]


@pytest.fixture
def server(settings, engine):
    import uvicorn

    from registry.app import create_app

    settings.audit_workers = 1
    application = create_app(settings, engine=engine)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = uvicorn.Config(application, host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(30)


def test_submit_streams_the_file_and_waits_for_the_verdict(server, session) -> None:
    world = make_world(session)
    data, spec = sample_files("hospital-triage-priority")
    args = [
        "audit", "submit", "--url", server, "--token", world.tokens["auditor"],
        "--algorithm", world.algorithm.public_id, "--file", str(data), "--spec", str(spec),
        "--wait", "--poll", "0.2",
    ]  # fmt: skip
    result = CliRunner().invoke(cli_app, args)
    assert result.exit_code == 0, result.output
    assert "verdict: inconclusive" in result.output
    assert "missed_urgent_cases: inconclusive" in result.output
    [audit] = audit_rows(session)
    lines = result.output.strip().splitlines()
    # It ends with the private preview's address and what to do next.
    assert (
        lines[-2]
        == f"private preview (not published yet): {server}/console/audits/{audit.public_id}"
    )
    assert lines[-1] == (
        "next: read the preview as the public will see it, then publish it with "
        f"`registry audit publish {audit.public_id} --url {server}`"
    )
    published = CliRunner().invoke(
        cli_app,
        ["audit", "publish", audit.public_id, "--url", server, "--token", world.tokens["auditor"]],
    )
    assert published.exit_code == 0, published.output
    assert (
        f"audit {audit.public_id} published: {server}/audits/{audit.public_id}" in published.output
    )
    again = CliRunner().invoke(
        cli_app,
        ["audit", "publish", audit.public_id, "--url", server, "--token", world.tokens["auditor"]],
    )
    assert again.exit_code == 2 and "HTTP 409" in again.output


def test_audit_publish_by_someone_else_is_refused(server, session) -> None:
    world = make_world(session)
    result = CliRunner().invoke(
        cli_app,
        ["audit", "publish", "aud-zzzzzzzz", "--url", server, "--token", world.tokens["editor"]],
    )
    assert result.exit_code == 2
    assert "HTTP 404" in result.output


def test_submit_wait_names_the_line_of_a_bad_value(server, session, tmp_path) -> None:
    world = make_world(session)
    data = tmp_path / "sample.csv"
    rows = "f,young,1,0\nm,old,1,maybe\n" + "f,old,0,1\nm,young,1,0\n" * 20
    data.write_text("sex,age_band,pred,label\n" + rows, encoding="utf-8")
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(SMALL_SPEC), encoding="utf-8")
    args = [
        "audit", "submit", "--url", server, "--token", world.tokens["auditor"],
        "--algorithm", world.algorithm.public_id, "--file", str(data), "--spec", str(spec),
        "--wait", "--poll", "0.2",
    ]  # fmt: skip
    result = CliRunner().invoke(cli_app, args)
    assert result.exit_code == 1, result.output
    assert "audit failed: Column 'label' (label) must hold two classes" in result.output
    assert "(column 'label', line 3)" in result.output
    assert '"row": 3' in result.output


def test_submit_prints_the_missing_column_message_once(server, session, tmp_path) -> None:
    world = make_world(session)
    data = tmp_path / "sample.csv"
    data.write_text("sex,pred,outcome\nf,1,0\n", encoding="utf-8")
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(SMALL_SPEC), encoding="utf-8")
    args = [
        "audit", "submit", "--url", server, "--token", world.tokens["auditor"],
        "--algorithm", world.algorithm.public_id, "--file", str(data), "--spec", str(spec),
    ]  # fmt: skip
    result = CliRunner().invoke(cli_app, args)
    assert result.exit_code == 2
    assert result.output.count("not found in the file") == 1, result.output
    assert result.output.count("Columns present") == 1
    assert "  file.label: Column 'label' is not in the file." in result.output
    assert "  file.age_band: Column 'age_band' is not in the file." in result.output


def test_submit_reports_the_servers_error(server, session, tmp_path) -> None:
    world = make_world(session)
    data, _ = sample_files("hospital-triage-priority")
    spec = tmp_path / "spec.json"
    spec.write_text('{"columns": {"prediction": "nope", "sensitive_features": ["ethnicity"]}}')
    args = [
        "audit", "submit", "--url", server, "--token", world.tokens["auditor"],
        "--algorithm", world.algorithm.public_id, "--file", str(data), "--spec", str(spec),
    ]  # fmt: skip
    result = CliRunner().invoke(cli_app, args)
    assert result.exit_code == 2
    assert "HTTP 422" in result.output and "'nope'" in result.output
    assert audit_rows(session) == []


def test_worker_once_runs_the_queue(client, session, settings, monkeypatch) -> None:
    from tests.registry.audit_fixtures import upload

    world = make_world(session)
    upload(client, world)
    from registry.config import get_settings

    monkeypatch.setattr("registry.cli.common.get_settings", lambda: settings)
    get_settings.cache_clear()
    result = CliRunner().invoke(cli_app, ["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "ran 1 audit(s)" in result.output
    assert [a.state for a in audit_rows(session)] == ["succeeded"]
