"""The demo loader behind ``registry demo``: sample agencies, accounts, cards, audits and questions
from the public.

Each step is a function ``step(session, ctx: DemoContext) -> None`` that stages rows (never
commits) and adds its counts to ``ctx.result.counts``; ``load_demo`` runs the steps in the order of
``DEMO_STEPS`` and commits once. A new kind of sample data is a new step module, imported here and
added to the tuple: nothing registers itself on import.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlmodel import Session

from registry.services.clock import Clock
from registry.services.demo.audits import load_demo_audits
from registry.services.demo.cards import (
    VERSION_SPACING,
    load_demo_agencies_and_accounts,
    load_demo_cards,
    read_card_samples,
)
from registry.services.demo.context import DemoContext, DemoResult, DemoStep
from registry.services.demo.participation import load_demo_participation
from registry.services.public import search_index

DEMO_STEPS: tuple[DemoStep, ...] = (
    load_demo_agencies_and_accounts,
    load_demo_cards,
    load_demo_audits,
    load_demo_participation,  # last: its services commit as they go
)


def load_demo(session: Session, samples_dir: Path, *, clock: Clock) -> DemoResult:
    """Load the demo data from ``samples_dir`` in one transaction; safe to run again."""
    now = clock.now()
    samples = read_card_samples(samples_dir)
    longest = max((len(s["versions"]) for s in samples), default=0)
    start = now - VERSION_SPACING * (longest + 1) - timedelta(days=5 * len(samples) + 30)
    ctx = DemoContext(
        samples_dir=samples_dir,
        clock=clock,
        now=now,
        result=DemoResult(),
        history_start=start,
        samples=samples,
    )
    for step in DEMO_STEPS:
        step(session, ctx)
    search_index.sync(session)  # the demo audits are published by the audits step itself
    session.commit()
    return ctx.result
