"""Clocks. Services take ``now`` from a clock, so tests and the demo move time without sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol

ERR_NAIVE_CLOCK_TIME = "a clock must be set to a timezone-aware datetime"


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class SystemClock:
    """The wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until moved: ``advance(days=3)`` or ``set(datetime)``."""

    def __init__(self, at: datetime) -> None:
        self.set(at)

    def set(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError(ERR_NAIVE_CLOCK_TIME)
        self._at = at.astimezone(UTC)

    def advance(self, **delta: float) -> datetime:
        self._at += timedelta(**delta)
        return self._at

    def now(self) -> datetime:
        return self._at
