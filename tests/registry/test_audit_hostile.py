"""One malformed or pathological upload must not hold the queue: budgets, lanes, bounded errors.

The probe's upload (a 1 MB gzip whose second line is 1 GiB long) ran for 11 minutes at 3.8 GB,
failed with a message holding the whole value that could not be stored, and was retried until
``worker_lost`` while other audits waited. These tests attack each part of that at a small scale.
"""

from __future__ import annotations

import gzip
import io
import time

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pydantic import ValidationError

from registry.config import Settings
from registry.db import session_scope
from registry.models import Audit, AuditState
from registry.services.audits import budget
from registry.services.audits.engine import (
    STORED_MESSAGE_CHARS,
    STORED_VALUE_CHARS,
    failure_from_exception,
)
from registry.services.audits.worker import (
    AuditWorker,
    claim_next,
    run_one,
    start_workers,
    stop_workers,
)
from registry.services.clock import SystemClock
from registry.services.events import list_events
from tests.registry.audit_executors import greedy, shouting, sleepy, slow_when_large
from tests.registry.audit_fixtures import SMALL_CSV, audit_rows, drain, make_world, upload

pytestmark = pytest.mark.db


@pytest.fixture
def world(session):
    return make_world(session)


def _state(session, public_id: str) -> Audit:
    session.expire_all()
    return next(a for a in audit_rows(session) if a.public_id == public_id)


def _actions(session, public_id: str) -> list[str]:
    events = list_events(session, subject_type="audit", subject_id=public_id)
    return [e.action for e in events]


def test_an_audit_over_its_time_budget_is_stopped_and_not_retried(
    client, app, session, settings, world
) -> None:
    settings.audit_timeout_s = 1.5
    body = upload(client, world).json()
    started = time.monotonic()
    assert run_one(app.state.engine, settings, executor=sleepy) == body["id"]
    assert time.monotonic() - started < 30  # the executor would sleep for 120 s
    failed = _state(session, body["id"])
    assert failed.state == AuditState.failed and failed.attempts == 1
    assert failed.error["reason"] == "timeout"
    assert failed.error["message"] == budget.ERR_TIMEOUT.format(seconds="1.5")
    assert "REGISTRY_AUDIT_TIMEOUT_S" in failed.error["message"]
    assert _actions(session, body["id"]) == ["audit.submitted", "audit.failed"]
    assert drain(app) == []  # not put back in the queue


def test_an_audit_over_its_memory_budget_is_stopped_with_the_reason(
    client, app, session, settings, world
) -> None:
    settings.audit_memory_mb = 1536
    body = upload(client, world).json()
    run_one(app.state.engine, settings, executor=greedy)
    failed = _state(session, body["id"])
    assert failed.state == AuditState.failed and failed.attempts == 1
    assert failed.error["reason"] == "memory"
    assert failed.error["message"] == budget.ERR_MEMORY.format(mb=1536)


def test_audits_within_budget_run_in_a_child_process_and_succeed(
    client, app, session, settings, world
) -> None:
    settings.audit_timeout_s, settings.audit_memory_mb = 60, 4096
    body = upload(client, world).json()
    assert drain(app) == [body["id"]]
    done = _state(session, body["id"])
    assert done.state == AuditState.succeeded and done.report is not None
    assert done.progress == {"fraction": 1.0}


def test_without_budgets_the_engine_runs_in_the_worker_thread(
    client, app, session, settings, world
) -> None:
    settings.audit_timeout_s, settings.audit_memory_mb = 0, 0
    body = upload(client, world).json()
    calls = []

    def local(audit, sample_path, **kwargs):  # not importable: only works in this process
        calls.append(audit.public_id)
        raise RuntimeError("stop here")

    run_one(app.state.engine, settings, executor=local)
    assert calls == [body["id"]]
    assert _state(session, body["id"]).error["message"].endswith("stop here")


def test_a_failure_message_embedding_a_huge_value_is_stored_cut(
    client, app, session, settings, world
) -> None:
    body = upload(client, world).json()
    run_one(app.state.engine, settings, executor=shouting)
    error = _state(session, body["id"]).error
    assert error["reason"] == "internal"
    assert len(error["message"]) <= STORED_MESSAGE_CHARS
    assert error["message"].endswith("\u2026")


def test_stored_errors_cut_message_column_and_field():
    from fairness import FairnessInputError

    exc = FairnessInputError("m" * 5000, column="c" * 5000, row=7, field="f" * 5000)
    error = failure_from_exception(exc)
    assert len(error["message"]) <= STORED_MESSAGE_CHARS
    assert len(error["column"]) == STORED_VALUE_CHARS and error["column"].endswith("\u2026")
    assert len(error["field"]) == STORED_VALUE_CHARS
    assert error["row"] == 7 and error["reason"] == "input"
    stopped = failure_from_exception(budget.AuditStopped({"message": "x" * 9000, "reason": "t"}))
    assert len(stopped["message"]) <= STORED_MESSAGE_CHARS and stopped["reason"] == "t"


def test_the_probe_upload_fails_fast_with_a_short_message_naming_the_line(
    client, app, session, settings, world
) -> None:
    """A small gzip whose second data line is 50 MB (the probe's was 1 GiB)."""
    bomb = gzip.compress(
        b"sex,age_band,pred,label\nf,young,1,1\n" + b"f" * (50 << 20) + b",old,1,0\n",
        compresslevel=9,
    )
    assert len(bomb) < 200_000
    body = upload(client, world, data=bomb, filename="sample.csv.gz").json()
    assert body["state"] == "queued"  # the first 64 KiB look like a fine CSV
    assert drain(app) == [body["id"]]
    failed = _state(session, body["id"])
    assert failed.state == AuditState.failed and failed.attempts == 1
    assert failed.error["reason"] == "input" and failed.error["row"] == 3
    assert "max_line_bytes" in failed.error["message"]
    assert len(failed.error["message"]) <= STORED_MESSAGE_CHARS


def test_the_small_lane_takes_only_small_audits_and_reruns(
    client, app, session, settings, world
) -> None:
    big = upload(client, world, data=SMALL_CSV * 5000).json()  # about 1.6 MB
    small = upload(client, world).json()
    clock = SystemClock()
    with session_scope(app.state.engine) as s:
        claim = claim_next(s, worker_id="lane", now=clock.now(), max_bytes=1 << 20)
    assert claim is not None and claim.public_id == small["id"]
    with session_scope(app.state.engine) as s:
        assert claim_next(s, worker_id="lane", now=clock.now(), max_bytes=1 << 20) is None
    with session_scope(app.state.engine) as s:
        claim = claim_next(s, worker_id="any", now=clock.now())
    assert claim is not None and claim.public_id == big["id"]


def test_start_workers_adds_a_small_audit_lane(app, settings) -> None:
    settings.audit_small_mb = 4
    workers = start_workers(app.state.engine, settings, count=1)
    try:
        assert [w.max_bytes for w in workers] == [None, 4 << 20]
    finally:
        stop_workers(workers, timeout=10)
    settings.audit_small_mb = 0
    workers = start_workers(app.state.engine, settings, count=2)
    try:
        assert [w.max_bytes for w in workers] == [None, None]
    finally:
        stop_workers(workers, timeout=10)


def test_a_small_audit_completes_while_a_large_one_holds_the_general_worker(
    client, app, session, settings, world
) -> None:
    """One general worker and the small-audit lane; two large audits (first in the queue) hang
    until their time budget stops them; the small one submitted after them is done long before."""
    settings.audit_timeout_s, settings.audit_small_mb = 6, 1
    large = upload(client, world, data=SMALL_CSV * 5000).json()
    other_large = upload(client, world, data=SMALL_CSV * 5000).json()
    small = upload(client, world).json()
    engine = app.state.engine
    workers = [
        AuditWorker(engine, settings, name="general", poll_seconds=0.05, heartbeat_seconds=0.2,
                    executor=slow_when_large),
        AuditWorker(engine, settings, name="small", poll_seconds=0.05, heartbeat_seconds=0.2,
                    executor=slow_when_large, max_bytes=1 << 20),
    ]  # fmt: skip
    for worker in workers:
        worker.start()
    try:
        deadline = time.monotonic() + 90
        while {_state(session, a["id"]).state for a in (large, other_large, small)} & {
            AuditState.queued,
            AuditState.running,
        }:
            assert time.monotonic() < deadline, "the audits did not finish"
            time.sleep(0.1)
    finally:
        stop_workers(workers, timeout=30)
    done, stopped = _state(session, small["id"]), _state(session, large["id"])
    assert done.state == AuditState.succeeded and done.worker_id.endswith(":small")
    assert stopped.state == AuditState.failed and stopped.error["reason"] == "timeout"
    assert stopped.attempts == 1 and stopped.worker_id.endswith(":general")
    assert _state(session, other_large["id"]).worker_id.endswith(":general")
    # without the lane the small audit would have waited for a large one's budget to run out
    assert done.finished_at < stopped.finished_at


def test_a_parquet_struct_column_fails_as_input_naming_the_column(
    client, app, session, settings, world
) -> None:
    table = pa.table(
        {
            "sex": pa.array([{"code": "f"}, {"code": "m"}] * 50),
            "age_band": ["young", "old"] * 50,
            "pred": [1, 0] * 50,
            "label": [1, 1] * 50,
        }
    )
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    body = upload(client, world, data=buffer.getvalue(), filename="sample.parquet").json()
    assert drain(app) == [body["id"]]
    failed = _state(session, body["id"])
    assert failed.state == AuditState.failed
    assert failed.error["reason"] == "input" and failed.error["column"] == "sex"
    assert failed.error["message"].startswith("Column 'sex' holds struct values")


def test_budget_settings_come_from_the_environment_and_refuse_negatives(monkeypatch) -> None:
    monkeypatch.setenv("REGISTRY_AUDIT_TIMEOUT_S", "90")
    monkeypatch.setenv("REGISTRY_AUDIT_MEMORY_MB", "2048")
    monkeypatch.setenv("REGISTRY_AUDIT_SMALL_MB", "0")
    settings = Settings()
    assert (settings.audit_timeout_s, settings.audit_memory_mb, settings.audit_small_mb) == (
        90,
        2048,
        0,
    )
    monkeypatch.setenv("REGISTRY_AUDIT_MEMORY_MB", "-1")
    with pytest.raises(ValidationError) as exc:
        Settings()
    assert "audit_memory_mb" in str(exc.value)


def test_the_defaults_bound_every_audit(monkeypatch) -> None:
    for name in ("TIMEOUT_S", "MEMORY_MB", "SMALL_MB"):
        monkeypatch.delenv(f"REGISTRY_AUDIT_{name}", raising=False)
    defaults = Settings()
    assert 0 < defaults.audit_timeout_s <= 3600
    assert 0 < defaults.audit_memory_mb <= 8192
    assert defaults.audit_small_mb > 0
