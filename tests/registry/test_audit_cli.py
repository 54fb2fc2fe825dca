"""`registry audit submit` against a real HTTP server (in-process worker from the app's lifespan),
and `registry worker --once`."""

from __future__ import annotations

import socket
import threading
import time

import pytest
from typer.testing import CliRunner

from registry.cli import app as cli_app
from tests.registry.audit_fixtures import audit_rows, make_world, sample_files

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
