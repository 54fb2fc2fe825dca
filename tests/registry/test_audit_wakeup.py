"""Idle in-process workers wake when an audit is queued instead of waiting for the next poll."""

from __future__ import annotations

import threading

from registry.services.audits.wakeup import notify_work_queued, wait_for_work


def test_wait_returns_early_when_work_is_announced():
    timer = threading.Timer(0.05, notify_work_queued)
    timer.start()
    assert wait_for_work(timeout=60) is True  # True means woken, not timed out
    timer.join()


def test_wait_times_out_without_announcement_and_clears_the_signal():
    notify_work_queued()
    assert wait_for_work(timeout=0.01) is True  # the earlier announcement is consumed
    assert wait_for_work(timeout=0.01) is False
