"""Stand-ins for the audit engine, importable by the audit worker's child processes.

The worker runs its executor in a child process, which finds a function by module and name; so
these live in a module rather than in a test function.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from registry.services.audits.engine import EngineOutcome, execute_audit


def sleepy(audit: Any, sample_path: Path | None, **kwargs: Any) -> EngineOutcome:
    """An audit that takes far longer than any test's time budget."""
    time.sleep(120)
    raise AssertionError("the time budget should have stopped this audit")


def greedy(audit: Any, sample_path: Path | None, **kwargs: Any) -> EngineOutcome:
    """An audit that asks for 8 GiB at once (address space only: the pages are never touched)."""
    block = np.empty(8 << 30, dtype=np.uint8)
    raise AssertionError(f"the memory budget should have refused {block.nbytes} bytes")


def shouting(audit: Any, sample_path: Path | None, **kwargs: Any) -> EngineOutcome:
    """An engine failure whose message embeds a 5 MB value (as Arrow's parse errors did)."""
    raise RuntimeError("cannot parse row: " + "v" * 5_000_000)


def slow_when_large(audit: Any, sample_path: Path | None, **kwargs: Any) -> EngineOutcome:
    """The real engine, but a sample over 1 MiB hangs (a stand-in for a pathological file)."""
    if sample_path is not None and sample_path.stat().st_size > 1 << 20:
        time.sleep(120)
    return execute_audit(audit, sample_path, **kwargs)


def compute_then_hang(audit: Any, sample_path: Path | None, **kwargs: Any) -> EngineOutcome:
    """Compute the result, say so (with this process's id), then hang: for the kill -9 test."""
    outcome = execute_audit(audit, sample_path, **kwargs)
    print(f"computed {os.getpid()}", flush=True)
    sys.stdout.flush()
    time.sleep(60)  # the worker is killed here: results computed but never stored
    return outcome
