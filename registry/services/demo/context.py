"""What the demo steps share: the demo accounts' addresses, the context passed to each step, the
result the CLI prints."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session

from registry.services.clock import Clock

DEMO_DOMAIN = "demo.example"
ADMIN_EMAIL = f"admin@{DEMO_DOMAIN}"
AUDITOR_EMAIL = f"auditor@{DEMO_DOMAIN}"


def editor_email(slug: str) -> str:
    return f"editor.{slug}@{DEMO_DOMAIN}"


def publisher_email(slug: str) -> str:
    return f"publisher.{slug}@{DEMO_DOMAIN}"


@dataclass
class DemoResult:
    counts: Counter[str] = field(default_factory=Counter)
    # email -> plain API token, for accounts created by this run (shown once).
    tokens: dict[str, str] = field(default_factory=dict)


@dataclass
class DemoContext:
    samples_dir: Path
    clock: Clock
    now: datetime
    result: DemoResult
    # When demo history begins: agencies and accounts are created then, before any card.
    history_start: datetime
    samples: list[dict[str, Any]] = field(default_factory=list)


DemoStep = Callable[[Session, DemoContext], None]
