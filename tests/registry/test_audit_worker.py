"""The job queue: crash safety (worker SIGKILLed mid-run), stale claims, retries, one claimer."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

from registry.db import session_scope
from registry.models import Audit, AuditState
from registry.paths import SAMPLES_DIR
from registry.services.audits.worker import (
    MAX_ATTEMPTS,
    AuditWorker,
    claim_next,
    reap_stale,
    run_one,
    store_success,
)
from registry.services.clock import SystemClock
from registry.services.events import list_events
from tests.registry.audit_fixtures import audit_rows, drain, leftovers, make_world, upload

pytestmark = pytest.mark.db

REPO_ROOT = SAMPLES_DIR.parent


@pytest.fixture
def world(session):
    return make_world(session)


def _state(session, public_id: str) -> Audit:
    session.expire_all()
    return next(a for a in audit_rows(session) if a.public_id == public_id)


WORKER_SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from registry.config import Settings
    from registry.db import make_engine
    from registry.services.audits.worker import run_one
    from tests.registry.audit_executors import compute_then_hang

    settings = Settings(environment="test", secret_key="x" * 32, data_dir=Path(sys.argv[2]),
                        database_url=sys.argv[1])
    run_one(make_engine(sys.argv[1]), settings, heartbeat_seconds=0.2, executor=compute_then_hang)
    """
)


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return Path(f"/proc/{pid}/status").read_text().find("State:\tZ") != -1


def test_worker_killed_mid_run_is_retried_and_never_half_stored(
    client, app, session, settings, world
) -> None:
    body = upload(client, world).json()
    proc = subprocess.Popen(
        [sys.executable, "-c", WORKER_SCRIPT, settings.resolved_database_url,
         str(settings.data_dir)],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        said = proc.stdout.readline().split()
        assert said[:1] == ["computed"], proc.stderr.read() if proc.stderr else ""
        audit_process = int(said[1])  # the engine runs in a child of the worker's fork server
        assert audit_process != proc.pid
        running = _state(session, body["id"])
        assert running.state == AuditState.running and running.attempts == 1
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    # the audit process notices that its worker is gone and ends too
    deadline = time.monotonic() + 20
    while not _gone(audit_process):
        assert time.monotonic() < deadline, "the audit process outlived its worker"
        time.sleep(0.1)

    killed = _state(session, body["id"])
    assert killed.state == AuditState.running  # the dead worker left it running...
    assert (
        killed.report is None and killed.counts is None and killed.verdict is None
    )  # ...with nothing stored
    assert len(leftovers(settings)) == 1  # the sample is still there for the retry

    # a restarted worker reaps the stale claim at start-up and runs the audit again
    later = SystemClock().now() + timedelta(minutes=5)
    assert reap_stale(session, now=later, stale_after=60) == [body["id"]]
    assert _state(session, body["id"]).state == AuditState.queued
    assert drain(app) == [body["id"]]
    final = _state(session, body["id"])
    assert final.state == AuditState.succeeded and final.attempts == 2 and final.report is not None
    actions = [e.action for e in list_events(session, subject_type="audit", subject_id=body["id"])]
    assert actions == ["audit.submitted", "audit.requeued", "audit.succeeded"]


def test_after_max_attempts_a_stale_audit_fails_with_a_reason(client, app, session, world) -> None:
    body = upload(client, world).json()
    clock = SystemClock()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        claim = claim_next(session, worker_id=f"w{attempt}", now=clock.now() - timedelta(hours=1))
        assert claim is not None and claim.attempt == attempt
        reap_stale(session, now=clock.now(), stale_after=60)
    failed = _state(session, body["id"])
    assert failed.state == AuditState.failed
    assert failed.error["reason"] == "worker_lost"
    assert f"tried {MAX_ATTEMPTS} times" in failed.error["message"]
    assert drain(app) == []  # nothing left to run: never stuck


def test_a_lost_claim_writes_nothing(client, app, session, world) -> None:
    upload(client, world)
    clock = SystemClock()
    stale = claim_next(session, worker_id="old", now=clock.now() - timedelta(hours=1))
    assert stale is not None
    reap_stale(session, now=clock.now(), stale_after=60)
    assert drain(app) == [stale.public_id]  # a new worker took and finished it
    from registry.services.audits.engine import EngineOutcome

    late = EngineOutcome(
        report={"x": 1}, counts={}, verdict="pass", verdicts=[], engine_version="0"
    )
    assert store_success(session, stale, late, now=clock.now(), keep_sample=False) is False
    assert _state(session, stale.public_id).report != {"x": 1}


def test_concurrent_claimers_take_each_audit_exactly_once(client, app, session, world) -> None:
    for _ in range(12):
        assert upload(client, world).status_code == 202
    taken: list[str] = []
    lock = threading.Lock()
    engine = app.state.engine

    def claimer(n: int) -> None:
        while True:
            with session_scope(engine) as s:
                claim = claim_next(s, worker_id=f"w{n}", now=SystemClock().now())
            if claim is None:
                return
            with lock:
                taken.append(claim.public_id)

    threads = [threading.Thread(target=claimer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(taken) == 12 and len(set(taken)) == 12
    assert all(a.state == AuditState.running and a.attempts == 1 for a in audit_rows(session))


def test_in_process_worker_thread_runs_queued_audits(client, app, session, settings, world) -> None:
    body = upload(client, world).json()
    worker = AuditWorker(app.state.engine, settings, poll_seconds=0.05, heartbeat_seconds=0.1)
    worker.start()
    try:
        deadline = time.monotonic() + 30
        while _state(session, body["id"]).state != AuditState.succeeded:
            assert time.monotonic() < deadline, "the worker did not finish the audit"
            time.sleep(0.05)
    finally:
        worker.stop(10)
    assert not worker.is_alive()


def test_missing_sample_file_fails_clearly(client, app, session, settings, world) -> None:
    body = upload(client, world).json()
    for path in leftovers(settings):
        path.unlink()
    run_one(app.state.engine, settings)
    failed = _state(session, body["id"])
    assert failed.state == AuditState.failed
    assert "no longer on disk" in failed.error["message"]
