"""Wake idle in-process audit workers as soon as an audit is queued.

Workers poll the database every ``POLL_SECONDS`` regardless (that is how workers in other processes
learn about new audits); within one process this event saves up to a poll interval per audit.
"""

from __future__ import annotations

import threading

_work_queued = threading.Event()


def notify_work_queued() -> None:
    """Called after an audit row in state ``queued`` has been committed."""
    _work_queued.set()


def wait_for_work(timeout: float) -> bool:
    """Sleep until work is announced or ``timeout`` passes; True when woken by an announcement."""
    woken = _work_queued.wait(timeout)
    _work_queued.clear()
    return woken
