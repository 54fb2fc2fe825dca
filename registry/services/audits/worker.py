"""The audit job queue: atomic claims, heartbeats, stale-claim recovery, and all-or-nothing results.

The queue is the ``audit`` table itself (``state``). A worker

1. **claims** the oldest ``queued`` audit in one statement: ``UPDATE audit SET state='running',
   claim_token=<random> ... WHERE id = (SELECT id ... WHERE state='queued' ORDER BY id LIMIT 1
   FOR UPDATE SKIP LOCKED)``. On PostgreSQL ``SKIP LOCKED`` lets concurrent workers in many
   processes each take a different row; SQLite serialises writers, and the outer ``state='queued'``
   guard makes the update a no-op if someone else got there first. The claim token identifies this
   attempt from then on.
2. **heartbeats** from a side thread every ``heartbeat_seconds`` while the engine runs, with the
   progress (bytes read of the sample). An update that matches no row means the claim was lost.
3. **finishes** in one transaction guarded by ``claim_token``: report, per-cell counts, verdicts
   and the event, or the engine's message on failure. A lost claim writes nothing.

``reap_stale`` (run by every worker at start-up and every ``reap_every`` seconds) finds ``running``
audits whose heartbeat is older than ``stale_after`` (the worker died: killed, crashed, machine
lost): it puts them back in the queue, or marks them ``failed`` with the reason once
``MAX_ATTEMPTS`` attempts have been used. So no audit stays ``running`` and none is half-stored.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from registry.config import Settings
from registry.db import session_scope
from registry.models import Audit, AuditInput, AuditState
from registry.services.audits.budget import AuditJob, run_within_budget, warm_up
from registry.services.audits.engine import EngineOutcome, execute_audit, failure_from_exception
from registry.services.audits.staging import STAGING_DIRNAME, sweep_staging
from registry.services.audits.wakeup import notify_work_queued, wait_for_work
from registry.services.audits.wizard_drafts import sweep_drafts
from registry.services.clock import Clock, SystemClock
from registry.services.events import record_event

log = logging.getLogger("registry.audit_worker")

MAX_ATTEMPTS = 3
HEARTBEAT_SECONDS = 5.0
STALE_AFTER_SECONDS = 60.0
REAP_EVERY_SECONDS = 30.0
POLL_SECONDS = 1.0
#: Files in the uploads folder that no audit refers to are removed once older than this.
ORPHAN_AFTER_SECONDS = 6 * 3600

ERR_WORKER_LOST = (
    "The worker running this audit stopped responding (last heartbeat {heartbeat}); "
    "it was tried {attempts} times, the most allowed, so it is marked failed."
)
ERR_SAMPLE_MISSING = "The uploaded sample is no longer on disk ({path}); submit the audit again."


@dataclass(frozen=True)
class Claim:
    audit_id: int
    public_id: str
    token: str
    attempt: int


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def claim_next(
    session: Session, *, worker_id: str, now: datetime, max_bytes: int | None = None
) -> Claim | None:
    """Atomically take the oldest queued audit; None when the queue is empty. Commits.

    With ``max_bytes`` (the small-audit lane), only an audit whose sample is at most that large,
    or a rerun (which recomputes from stored counts), is taken.
    """
    token = secrets.token_hex(16)
    queued = col(Audit.state) == AuditState.queued
    if max_bytes is not None:
        small = sa.or_(
            col(Audit.sample_bytes) <= max_bytes, col(Audit.input_kind) == AuditInput.rerun
        )
        queued = sa.and_(queued, small)
    oldest = (
        sa.select(col(Audit.id))
        .where(queued)
        .order_by(col(Audit.id))
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    table = Audit.__table__  # type: ignore[attr-defined]
    result = session.execute(
        sa.update(table)
        .where(table.c.id == oldest, table.c.state == AuditState.queued.value)
        .values(
            state=AuditState.running.value,
            claim_token=token,
            worker_id=worker_id[:100],
            heartbeat_at=now,
            started_at=now,
            attempts=table.c.attempts + 1,
            progress={},
            updated_at=now,
        )
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        session.rollback()
        return None
    row = session.execute(
        sa.select(table.c.id, table.c.public_id, table.c.attempts).where(
            table.c.claim_token == token
        )
    ).one()
    session.commit()
    return Claim(audit_id=row.id, public_id=row.public_id, token=token, attempt=row.attempts)


def heartbeat(session: Session, claim: Claim, *, now: datetime, progress: dict[str, Any]) -> bool:
    """Refresh the claim's heartbeat and progress. False if the claim was lost. Commits."""
    table = Audit.__table__  # type: ignore[attr-defined]
    result = session.execute(
        sa.update(table)
        .where(table.c.id == claim.audit_id, table.c.claim_token == claim.token)
        .values(heartbeat_at=now, progress=progress, updated_at=now)
    )
    session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def reap_stale(
    session: Session,
    *,
    now: datetime,
    stale_after: float = STALE_AFTER_SECONDS,
    uploads_dir: Path | None = None,
    keep_samples: bool = False,
) -> list[str]:
    """Requeue (or fail, after ``MAX_ATTEMPTS``) running audits with a stale heartbeat. Commits.

    An audit failed here loses its raw sample like any failed audit, unless ``keep_samples``: the
    file is deleted after the commit when ``uploads_dir`` is given (else the orphan sweep does).
    """
    cutoff = now - timedelta(seconds=stale_after)
    stale = session.exec(
        select(Audit).where(Audit.state == AuditState.running, Audit.heartbeat_at < cutoff)  # type: ignore[operator]
    ).all()
    table = Audit.__table__  # type: ignore[attr-defined]
    touched = []
    unneeded: list[str] = []
    for audit in stale:
        guard = sa.and_(table.c.id == audit.id, table.c.claim_token == audit.claim_token)
        if audit.attempts >= MAX_ATTEMPTS:
            message = ERR_WORKER_LOST.format(
                heartbeat=audit.heartbeat_at.isoformat() if audit.heartbeat_at else "never",
                attempts=audit.attempts,
            )
            values: dict[str, Any] = {
                "state": AuditState.failed.value,
                "claim_token": None,
                "finished_at": now,
                "error": {
                    "message": message,
                    "reason": "worker_lost",
                    "column": None,
                    "row": None,
                    "field": None,
                },
                "updated_at": now,
            }
            if not keep_samples and audit.sample_path:
                values["sample_path"] = None
            action = "audit.failed"
        else:
            values = {
                "state": AuditState.queued.value,
                "claim_token": None,
                "worker_id": None,
                "updated_at": now,
            }
            action = "audit.requeued"
        if session.execute(sa.update(table).where(guard).values(**values)).rowcount:  # type: ignore[attr-defined]
            record_event(
                session,
                at=now,
                actor_id=None,
                action=action,
                subject_type="audit",
                subject_id=audit.public_id,
                payload={
                    "reason": "stale heartbeat",
                    "attempts": audit.attempts,
                    "worker": audit.worker_id,
                },
            )
            touched.append(audit.public_id)
            if "sample_path" in values and audit.sample_path:  # failed, sample not kept
                unneeded.append(audit.sample_path)
    session.commit()
    if uploads_dir is not None:
        for relative in unneeded:
            (uploads_dir / relative).unlink(missing_ok=True)
    return touched


def _finish(
    session: Session,
    claim: Claim,
    *,
    now: datetime,
    values: dict[str, Any],
    action: str,
    payload: dict[str, Any],
) -> bool:
    table = Audit.__table__  # type: ignore[attr-defined]
    result = session.execute(
        sa.update(table)
        .where(
            table.c.id == claim.audit_id,
            table.c.claim_token == claim.token,
            table.c.state == AuditState.running.value,
        )
        .values(claim_token=None, finished_at=now, updated_at=now, **values)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        session.rollback()
        return False
    record_event(
        session,
        at=now,
        actor_id=None,
        action=action,
        subject_type="audit",
        subject_id=claim.public_id,
        payload=payload,
    )
    session.commit()
    return True


def store_success(
    session: Session, claim: Claim, outcome: EngineOutcome, *, now: datetime, keep_sample: bool
) -> bool:
    """Write results and event in one transaction; False (nothing written) if the claim was lost."""
    values: dict[str, Any] = {
        "state": AuditState.succeeded.value,
        "report": outcome.report,
        "counts": outcome.counts,
        "verdict": outcome.verdict,
        "verdicts": outcome.verdicts,
        "engine_version": outcome.engine_version,
        "error": None,
        "progress": {"fraction": 1.0},
    }
    if not keep_sample:
        values["sample_path"] = None
    payload = {"verdict": outcome.verdict, "engine_version": outcome.engine_version}
    return _finish(
        session, claim, now=now, values=values, action="audit.succeeded", payload=payload
    )


def store_failure(
    session: Session,
    claim: Claim,
    error: dict[str, Any],
    *,
    now: datetime,
    keep_sample: bool = False,
) -> bool:
    """Mark the audit failed with the engine's message; False if the claim was lost.

    Like a success, a failure forgets the raw sample (the caller deletes the file) unless
    ``keep_sample``; its sha256 stays on record.
    """
    values: dict[str, Any] = {"state": AuditState.failed.value, "error": error}
    if not keep_sample:
        values["sample_path"] = None
    return _finish(
        session, claim, now=now, values=values, action="audit.failed", payload={"error": error}
    )


class _Heartbeat:
    """Side thread that refreshes the claim while the engine runs in the worker's thread."""

    def __init__(self, engine: Engine, claim: Claim, clock: Clock, every: float) -> None:
        self.engine, self.claim, self.clock, self.every = engine, claim, clock, every
        self.progress: dict[str, Any] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"heartbeat-{claim.public_id}", daemon=True
        )

    def update(self, bytes_read: int, bytes_total: int | None) -> None:
        fraction = round(bytes_read / bytes_total, 4) if bytes_total else None
        self.progress = {"bytes_read": bytes_read, "bytes_total": bytes_total, "fraction": fraction}

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                with session_scope(self.engine) as session:
                    if not heartbeat(
                        session, self.claim, now=self.clock.now(), progress=dict(self.progress)
                    ):
                        return  # claim lost: stop beating; the guarded finish discards the result
            except Exception:  # a missed beat is not fatal; the next one may get through
                log.exception("heartbeat for %s failed", self.claim.public_id)

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run_one(
    engine: Engine,
    settings: Settings,
    *,
    worker_id: str | None = None,
    clock: Clock | None = None,
    heartbeat_seconds: float = HEARTBEAT_SECONDS,
    executor: Callable[..., EngineOutcome] = execute_audit,
    max_bytes: int | None = None,
) -> str | None:
    """Claim and run one queued audit to the end. Its public id, or None if none was queued.

    The engine (``executor``) runs in a child process within the audit's budget
    (``settings.audit_timeout_s``, ``settings.audit_memory_mb``; see ``budget``), or in this
    thread when both are 0. ``max_bytes``: see ``claim_next``.
    """
    clock = clock or SystemClock()
    worker_id = worker_id or default_worker_id()
    with session_scope(engine) as session:
        claim = claim_next(session, worker_id=worker_id, now=clock.now(), max_bytes=max_bytes)
    if claim is None:
        return None
    with session_scope(engine) as session:
        audit = session.get(Audit, claim.audit_id)
        assert audit is not None
        snapshot = audit.model_copy()
        rerun_counts = None
        if audit.rerun_of_id is not None:
            original = session.get(Audit, audit.rerun_of_id)
            rerun_counts = original.counts if original is not None else None
    sample_path = settings.uploads_dir / snapshot.sample_path if snapshot.sample_path else None
    beat = _Heartbeat(engine, claim, clock, heartbeat_seconds)
    outcome: EngineOutcome | None = None
    error: dict[str, Any] | None = None
    with beat:
        try:
            if snapshot.input_kind != "rerun" and (
                sample_path is None or not sample_path.is_file()
            ):
                message = ERR_SAMPLE_MISSING.format(path=snapshot.sample_path)
                error = {
                    "message": message,
                    "column": None,
                    "row": None,
                    "field": None,
                    "reason": "sample_missing",
                }
            elif settings.audit_timeout_s or settings.audit_memory_mb:
                outcome = run_within_budget(
                    executor,
                    AuditJob(snapshot.public_id, snapshot.spec, snapshot.input_kind),
                    sample_path,
                    rerun_counts=rerun_counts,
                    progress=beat.update,
                    timeout_s=settings.audit_timeout_s,
                    memory_mb=settings.audit_memory_mb,
                )
            else:
                outcome = executor(
                    snapshot, sample_path, progress=beat.update, rerun_counts=rerun_counts
                )
        except Exception as exc:  # the engine's clear message, or an unexpected error described
            error = failure_from_exception(exc)
    with session_scope(engine) as session:
        if outcome is not None:
            stored = store_success(
                session, claim, outcome, now=clock.now(), keep_sample=settings.keep_samples
            )
        else:
            stored = store_failure(
                session, claim, error or {}, now=clock.now(), keep_sample=settings.keep_samples
            )
    if stored and not settings.keep_samples and sample_path is not None:
        sample_path.unlink(missing_ok=True)
    if not stored:
        log.warning("claim on %s was lost (stale heartbeat); result discarded", claim.public_id)
    return claim.public_id


def sweep_orphan_files(
    session: Session, uploads_dir: Path, *, older_than: float = ORPHAN_AFTER_SECONDS
) -> int:
    """Remove upload files no audit refers to (left by a crash between commit and delete).

    The staging folder is left to ``sweep_staging``, which knows which process owns what.
    """
    if not uploads_dir.is_dir():
        return 0
    staging_root = uploads_dir / STAGING_DIRNAME
    referenced = {
        p
        for p in session.exec(select(Audit.sample_path).where(col(Audit.sample_path).is_not(None)))
        if p
    }
    cutoff = time.time() - older_than
    removed = 0
    for path in uploads_dir.rglob("*"):
        if not path.is_file() or staging_root in path.parents or path.stat().st_mtime > cutoff:
            continue
        if path.relative_to(uploads_dir).as_posix() in referenced:
            continue
        with contextlib.suppress(OSError):
            path.unlink()
            removed += 1
    return removed


class AuditWorker(threading.Thread):
    """A worker thread: reap stale claims at start and periodically, then claim and run audits."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        *,
        name: str = "audit-worker",
        poll_seconds: float = POLL_SECONDS,
        heartbeat_seconds: float = HEARTBEAT_SECONDS,
        stale_after: float = STALE_AFTER_SECONDS,
        reap_every: float = REAP_EVERY_SECONDS,
        clock: Clock | None = None,
        max_bytes: int | None = None,
        executor: Callable[..., EngineOutcome] = execute_audit,
    ) -> None:
        super().__init__(name=name, daemon=True)
        self.engine, self.settings = engine, settings
        self.poll_seconds, self.heartbeat_seconds = poll_seconds, heartbeat_seconds
        self.stale_after, self.reap_every = stale_after, reap_every
        self.clock = clock or SystemClock()
        self.max_bytes, self.executor = max_bytes, executor
        self.stopping = threading.Event()
        self.worker_id = f"{default_worker_id()}:{name}"

    def stop(self, timeout: float | None = None) -> None:
        self.stopping.set()
        notify_work_queued()
        self.join(timeout)

    def run(self) -> None:
        last_reap = 0.0
        if self.settings.audit_timeout_s or self.settings.audit_memory_mb:
            try:
                warm_up()  # the fork server imports the engine once, now rather than mid-audit
            except Exception:  # the first audit starts it then
                log.exception("could not start the audit process server")
        while not self.stopping.is_set():
            try:
                if time.monotonic() - last_reap >= self.reap_every:
                    with session_scope(self.engine) as session:
                        reap_stale(
                            session,
                            now=self.clock.now(),
                            stale_after=self.stale_after,
                            uploads_dir=self.settings.uploads_dir,
                            keep_samples=self.settings.keep_samples,
                        )
                        sweep_orphan_files(session, self.settings.uploads_dir)
                    sweep_staging(self.settings.uploads_dir)
                    sweep_drafts(self.settings.uploads_dir, now=self.clock.now())
                    last_reap = time.monotonic()
                ran = run_one(
                    self.engine,
                    self.settings,
                    worker_id=self.worker_id,
                    clock=self.clock,
                    heartbeat_seconds=self.heartbeat_seconds,
                    executor=self.executor,
                    max_bytes=self.max_bytes,
                )
            except Exception:  # keep the worker alive; the audit itself is recovered by reaping
                log.exception("audit worker loop error")
                ran = None
            if ran is None and not self.stopping.is_set():
                wait_for_work(self.poll_seconds)


def start_workers(
    engine: Engine, settings: Settings, *, count: int | None = None
) -> list[AuditWorker]:
    """Start ``count`` (default ``settings.audit_workers``) worker threads, plus, if there is at
    least one and ``settings.audit_small_mb`` is set, one for small audits only: a large audit
    then never holds the only worker (see docs/audits.md)."""
    count = settings.audit_workers if count is None else count
    workers = [AuditWorker(engine, settings, name=f"audit-worker-{i}") for i in range(count)]
    if count and settings.audit_small_mb:
        small = settings.audit_small_mb << 20
        workers.append(AuditWorker(engine, settings, name="audit-worker-small", max_bytes=small))
    for worker in workers:
        worker.start()
    return workers


def stop_workers(workers: list[AuditWorker], timeout: float = 30.0) -> None:
    """Ask every worker to stop after its current audit, then wait for them."""
    for worker in workers:
        worker.stopping.set()
    notify_work_queued()
    for worker in workers:
        worker.join(timeout)
