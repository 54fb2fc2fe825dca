"""Running one audit in a child process with a wall-time and a memory budget.

The worker thread hands the engine call to a child process and waits for its answer, relaying
progress to the heartbeat. The child sets ``RLIMIT_AS`` to ``REGISTRY_AUDIT_MEMORY_MB`` before it
starts, so an allocation beyond the budget fails there (``MemoryError``) instead of growing the
server; the worker kills the child when ``REGISTRY_AUDIT_TIMEOUT_S`` has passed. Either way the
audit fails with a reason (``memory``, ``timeout``), and the worker goes on with the next one.

Children come from a ``forkserver`` that imported the engine once (numpy, pandas, pyarrow), so
starting one costs a fork (tens of milliseconds), not an interpreter and its imports; a fork
server, not a fork of the worker, so no child inherits the app's threads, locks or database
connections. The fork server imports ``process_setup``, which chooses the system allocator for
Arrow (mimalloc's up-front reservation of a gigabyte would count against ``RLIMIT_AS``) and
imports every module an audit uses.

A child watches the worker's process: if the worker dies (killed, crashed), the child exits
within a second or so, and an alarm set to the time budget plus a grace period ends it in any case.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import os
import resource
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from registry.services.audits.engine import AuditStopped, EngineOutcome, failure_from_exception

__all__ = ["AuditJob", "AuditStopped", "run_within_budget", "warm_up"]

ERR_TIMEOUT = (
    "The audit was stopped after {seconds} s: the time budget of one audit "
    "(REGISTRY_AUDIT_TIMEOUT_S). Upload a smaller sample or its count table, or ask the "
    "registry's operator for a larger budget."
)
ERR_MEMORY = (
    "The audit was stopped: it needed more memory than the budget of one audit "
    "({mb} MiB, REGISTRY_AUDIT_MEMORY_MB). Upload a smaller sample or its count table, or ask the "
    "registry's operator for a larger budget."
)
ERR_CRASHED = (
    "The audit's process ended without a result ({how}); with a memory budget of {mb} MiB "
    "(REGISTRY_AUDIT_MEMORY_MB) the likeliest cause is running out of it."
)
ERR_CRASHED_NO_BUDGET = "The audit's process ended without a result ({how})."

#: The fork server imports these once; every audit process starts with them loaded.
PRELOAD = ["registry.services.audits.process_setup"]
#: How often the child reports progress, and checks that the worker is still there (seconds).
PROGRESS_EVERY = 0.25
WATCH_EVERY = 1.0
#: The child's own alarm fires this long after the time budget (the worker normally kills it).
ALARM_GRACE_SECONDS = 30

Progress = Callable[[int, int | None], None]


@dataclass(frozen=True)
class AuditJob:
    """What the engine reads of an audit row (a plain, picklable copy)."""

    public_id: str
    spec: dict[str, Any]
    input_kind: str


def _error(message: str, reason: str) -> dict[str, Any]:
    return {"message": message, "column": None, "row": None, "field": None, "reason": reason}


_context_lock = threading.Lock()


def _context() -> multiprocessing.context.ForkServerContext:
    context = multiprocessing.get_context("forkserver")
    with _context_lock:
        context.set_forkserver_preload(PRELOAD)
    return context  # type: ignore[return-value]


def warm_up() -> None:
    """Start the fork server (it imports the engine) before the first audit needs it."""
    from multiprocessing import forkserver

    _context()
    forkserver.ensure_running()


def _format_seconds(seconds: float) -> str:
    return f"{seconds:g}"


def run_within_budget(
    executor: Callable[..., EngineOutcome],
    job: AuditJob,
    sample_path: Path | None,
    *,
    rerun_counts: dict[str, Any] | None,
    progress: Progress,
    timeout_s: float,
    memory_mb: int,
) -> EngineOutcome:
    """``executor(job, sample_path, progress=..., rerun_counts=...)`` in a child process.

    Returns the outcome; raises ``AuditStopped`` with the error to store when the engine failed,
    the budget ran out, or the process died. ``timeout_s`` or ``memory_mb`` of 0 is no limit.
    """
    context = _context()
    receive, send = context.Pipe(duplex=False)
    child = context.Process(
        target=_child,
        args=(send, executor, job, sample_path, rerun_counts, memory_mb, timeout_s, os.getpid()),
        name=f"audit-{job.public_id}",
        daemon=True,
    )
    started = time.monotonic()
    child.start()
    send.close()
    try:
        while True:
            left = None if not timeout_s else started + timeout_s - time.monotonic()
            if left is not None and left <= 0:
                raise AuditStopped(
                    _error(ERR_TIMEOUT.format(seconds=_format_seconds(timeout_s)), "timeout")
                )
            if not receive.poll(WATCH_EVERY if left is None else min(left, WATCH_EVERY)):
                continue
            try:
                kind, payload = receive.recv()
            except EOFError:  # the child died without a word
                child.join(5)
                raise AuditStopped(_crashed(child.exitcode, memory_mb)) from None
            if kind == "progress":
                progress(*payload)
            elif kind == "ok":
                return payload  # type: ignore[no-any-return]
            else:
                raise AuditStopped(payload)
    finally:
        if child.is_alive():
            child.kill()
        child.join(10)
        receive.close()


def _crashed(exitcode: int | None, memory_mb: int) -> dict[str, Any]:
    if exitcode is not None and exitcode < 0:
        try:
            how = f"signal {signal.Signals(-exitcode).name}"
        except ValueError:
            how = f"signal {-exitcode}"
    else:
        how = f"exit code {exitcode}"
    if memory_mb:
        return _error(ERR_CRASHED.format(how=how, mb=memory_mb), "crashed")
    return _error(ERR_CRASHED_NO_BUDGET.format(how=how), "crashed")


def _watch(worker_pid: int) -> None:
    """Exit when the worker's process is gone: nobody would read the result."""
    while True:
        time.sleep(WATCH_EVERY)
        try:
            os.kill(worker_pid, 0)
        except ProcessLookupError:
            os._exit(3)
        except PermissionError:  # the number was reused by another user's process
            os._exit(3)


def _child(
    conn: Connection,
    executor: Callable[..., EngineOutcome],
    job: AuditJob,
    sample_path: Path | None,
    rerun_counts: dict[str, Any] | None,
    memory_mb: int,
    timeout_s: float,
    worker_pid: int,
) -> None:
    """The audit process: set the limits, run the engine, send back the outcome or the error."""
    if memory_mb:
        limit = memory_mb << 20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    if timeout_s:
        signal.alarm(math.ceil(timeout_s) + ALARM_GRACE_SECONDS)
    threading.Thread(target=_watch, args=(worker_pid,), name="watch-worker", daemon=True).start()
    last = 0.0

    def report(done: int, total: int | None) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= PROGRESS_EVERY:
            last = now
            conn.send(("progress", (done, total)))

    try:
        try:
            outcome = executor(job, sample_path, progress=report, rerun_counts=rerun_counts)
            conn.send(("ok", outcome))
        except MemoryError as exc:
            if not memory_mb:
                raise
            conn.send(("error", _error(ERR_MEMORY.format(mb=memory_mb), "memory")))
            del exc
        except Exception as exc:
            conn.send(("error", failure_from_exception(exc)))
    except MemoryError:  # not even the answer fits: say only that
        with contextlib.suppress(Exception):
            conn.send(("error", _error(ERR_MEMORY.format(mb=memory_mb), "memory")))
    finally:
        conn.close()
