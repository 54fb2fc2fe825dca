"""Rate limits with the ``limits`` library: moving windows per (rule, key), in memory or Redis.

Rules and their settings:

- ``sign_in_account`` (``REGISTRY_SIGN_IN_LIMIT_PER_ACCOUNT``): failed sign-ins per email address;
- ``sign_in_address`` (``REGISTRY_SIGN_IN_LIMIT_PER_ADDRESS``): failed sign-ins per client address;
- ``write_address`` (``REGISTRY_WRITE_LIMIT_PER_ADDRESS``): API writes per client address;
- ``write_account`` (``REGISTRY_WRITE_LIMIT_PER_ACCOUNT``): API writes per account;
- ``participation_address`` / ``participation_algorithm``
  (``REGISTRY_PARTICIPATION_LIMIT_PER_ADDRESS`` / ``_PER_ALGORITHM``): public submissions.

Counters live in ``REGISTRY_RATE_LIMIT_STORAGE_URL``: ``memory://`` keeps them in the process (the
default; each worker process counts on its own), ``redis://host:6379`` shares them between
processes and servers (install the ``redis`` package).
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from registry.errors import DomainError

if TYPE_CHECKING:
    from registry.config import Settings

SIGN_IN_ACCOUNT = "sign_in_account"
SIGN_IN_ADDRESS = "sign_in_address"
WRITE_ADDRESS = "write_address"
WRITE_ACCOUNT = "write_account"
PARTICIPATION_ADDRESS = "participation_address"
PARTICIPATION_ALGORITHM = "participation_algorithm"
NAMESPACE = "registry"


class TooManyRequests(DomainError):
    """A rate limit refused the request; ``retry_after`` is in whole seconds (at least 1)."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int  # seconds until the window lets one more through (0 when allowed)


def hashed_key(value: str) -> str:
    """A counter key that does not store the value itself (email addresses stay out of Redis)."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:32]


class RateLimits:
    """The app's rate limits. ``hit`` consumes one unit; ``check`` only looks."""

    def __init__(self, storage_url: str, rules: dict[str, str]) -> None:
        self.storage = storage_from_string(storage_url)
        self.limiter = MovingWindowRateLimiter(self.storage)
        self.rules: dict[str, RateLimitItem] = {name: parse(text) for name, text in rules.items()}

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimits:
        return cls(
            settings.rate_limit_storage_url,
            {
                SIGN_IN_ACCOUNT: settings.sign_in_limit_per_account,
                SIGN_IN_ADDRESS: settings.sign_in_limit_per_address,
                WRITE_ADDRESS: settings.write_limit_per_address,
                WRITE_ACCOUNT: settings.write_limit_per_account,
                PARTICIPATION_ADDRESS: settings.participation_limit_per_address,
                PARTICIPATION_ALGORITHM: settings.participation_limit_per_algorithm,
            },
        )

    def _retry_after(self, item: RateLimitItem, rule: str, key: str) -> int:
        stats = self.limiter.get_window_stats(item, NAMESPACE, rule, key)
        return max(1, math.ceil(stats.reset_time - time.time()))

    def hit(self, rule: str, key: str) -> Verdict:
        item = self.rules[rule]
        if self.limiter.hit(item, NAMESPACE, rule, key):
            return Verdict(True, 0)
        return Verdict(False, self._retry_after(item, rule, key))

    def check(self, rule: str, key: str) -> Verdict:
        item = self.rules[rule]
        if self.limiter.test(item, NAMESPACE, rule, key):
            return Verdict(True, 0)
        return Verdict(False, self._retry_after(item, rule, key))

    def reset(self, rule: str, key: str) -> None:
        self.limiter.clear(self.rules[rule], NAMESPACE, rule, key)
