"""Demo steps for cards: the sample agencies, demo accounts, and sample cards with all their
versions, published over past months so history and ``?at=`` queries are meaningful.

Idempotent: agencies are keyed on slug, accounts on email, algorithms on agency slug + source_id,
versions on the sha256 of their canonical card. Steps stage rows;
``registry.services.demo.load_demo`` commits once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from registry.cards import card_sha256, validate_for_publish
from registry.errors import Invalid
from registry.models import (
    Account,
    AccountCreate,
    Agency,
    AgencyCreate,
    AlgorithmCreate,
    AlgorithmState,
    CardVersion,
    Role,
)
from registry.services.cards.accounts import add_account
from registry.services.cards.agencies import add_agency
from registry.services.cards.algorithms import add_algorithm, get_algorithm_by_source, mark_retired
from registry.services.cards.drafts import current_revision, stage_draft, stage_publish
from registry.services.cards.tokens import add_token
from registry.services.demo.context import (
    ADMIN_EMAIL,
    AUDITOR_EMAIL,
    DemoContext,
    editor_email,
    publisher_email,
)

# Spacing of demo history: consecutive versions of a card lie this far apart, ending before now.
VERSION_SPACING = timedelta(days=61)
ERR_BAD_SAMPLE = "Sample file {name} is not valid: {problem}"


def read_card_samples(samples_dir: Path) -> list[dict[str, Any]]:
    """Every ``cards/*.json`` sample, by file name, with the basic shape checked."""
    samples = []
    for path in sorted((samples_dir / "cards").glob("*.json")):
        try:
            sample = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise Invalid(ERR_BAD_SAMPLE.format(name=path.name, problem=str(exc))) from exc
        problems = [
            key
            for key, kind in (("source_id", str), ("agency", dict), ("versions", list))
            if not isinstance(sample.get(key), kind)
        ]
        if not problems and not sample["versions"]:
            problems.append("versions")
        for number, entry in enumerate(sample.get("versions") or []):
            if not isinstance(entry, dict) or not isinstance(entry.get("card"), dict):
                problems.append(f"versions[{number}].card")
            elif (
                not isinstance(entry.get("change_summary"), str)
                or not entry["change_summary"].strip()
            ):
                problems.append(f"versions[{number}].change_summary")
        if sample.get("state") == "retired" and not isinstance(sample.get("retired_reason"), str):
            problems.append("retired_reason")
        if problems:
            raise Invalid(
                ERR_BAD_SAMPLE.format(
                    name=path.name, problem=f"missing or wrong: {', '.join(problems)}"
                )
            )
        samples.append(sample)
    return samples


def _ensure_account(
    session: Session, ctx: DemoContext, email: str, name: str, role: Role, agency: str | None
) -> Account:
    existing = session.exec(select(Account).where(Account.email == email)).first()
    if existing is not None:
        return existing
    data = AccountCreate(email=email, display_name=name, role=role, agency=agency)
    account = add_account(session, actor=None, data=data, now=ctx.history_start)
    _token, plain = add_token(session, account=account, name="demo", now=ctx.history_start)
    ctx.result.tokens[email] = plain
    ctx.result.counts["accounts"] += 1
    return account


def load_demo_agencies_and_accounts(session: Session, ctx: DemoContext) -> None:
    """The sample agencies; per agency an editor and a second publisher; one admin, one auditor."""
    _ensure_account(session, ctx, ADMIN_EMAIL, "Demo admin", Role.admin, None)
    _ensure_account(session, ctx, AUDITOR_EMAIL, "Demo auditor", Role.auditor, None)
    for sample in ctx.samples:
        info = sample["agency"]
        slug = info.get("slug")
        if session.exec(select(Agency).where(Agency.slug == slug)).first() is None:
            add_agency(
                session, actor=None, data=AgencyCreate.model_validate(info), now=ctx.history_start
            )
            ctx.result.counts["agencies"] += 1
        _ensure_account(
            session,
            ctx,
            editor_email(slug),
            f"Editor, {info.get('name')}",
            Role.agency_editor,
            slug,
        )
        _ensure_account(
            session,
            ctx,
            publisher_email(slug),
            f"Publisher, {info.get('name')}",
            Role.agency_editor,
            slug,
        )


@dataclass(order=True)
class _PlannedAction:
    at: datetime
    seq: int
    kind: str = field(compare=False)
    sample: dict[str, Any] = field(compare=False)
    version: int = field(compare=False, default=0)


def _plan(session: Session, ctx: DemoContext) -> list[_PlannedAction]:
    """Every missing step of every sample, timed over past months, in time order."""
    actions: list[_PlannedAction] = []
    seq = 0
    for index, sample in enumerate(ctx.samples):
        agency = session.exec(select(Agency).where(Agency.slug == sample["agency"]["slug"])).one()
        assert agency.id is not None  # a row loaded from the database has its primary key
        algorithm = get_algorithm_by_source(
            session, agency_id=agency.id, source_id=sample["source_id"]
        )
        known: set[str] = set()
        if algorithm is not None:
            known = set(
                session.exec(
                    select(CardVersion.sha256).where(CardVersion.algorithm_id == algorithm.id)
                )
            )
        versions = sample["versions"]
        offset = timedelta(days=5 * index + 2)
        first_at = ctx.now - VERSION_SPACING * len(versions) - offset
        if algorithm is None:
            actions.append(
                _PlannedAction(first_at - timedelta(days=14), seq := seq + 1, "create", sample)
            )
        for number, entry in enumerate(versions):
            if card_sha256(validate_for_publish(entry["card"])) in known:
                continue
            at = first_at + VERSION_SPACING * number
            if (
                algorithm is not None or number > 0
            ):  # a new algorithm starts with version 0 as its draft
                actions.append(
                    _PlannedAction(at - timedelta(days=3), seq := seq + 1, "draft", sample, number)
                )
            actions.append(_PlannedAction(at, seq := seq + 1, "publish", sample, number))
        if sample.get("state") == "retired" and (
            algorithm is None or algorithm.state != AlgorithmState.retired
        ):
            actions.append(_PlannedAction(ctx.now - offset, seq := seq + 1, "retire", sample))
    return sorted(actions)


def load_demo_cards(session: Session, ctx: DemoContext) -> None:
    """Create, draft, publish (by the second account, so four-eyes holds) and retire the samples."""
    for action in _plan(session, ctx):
        sample = action.sample
        slug = sample["agency"]["slug"]
        editor = session.exec(select(Account).where(Account.email == editor_email(slug))).one()
        publisher = session.exec(
            select(Account).where(Account.email == publisher_email(slug))
        ).one()
        agency = session.exec(select(Agency).where(Agency.slug == slug)).one()
        assert agency.id is not None  # a row loaded from the database has its primary key
        algorithm = get_algorithm_by_source(
            session, agency_id=agency.id, source_id=sample["source_id"]
        )
        entry = sample["versions"][action.version]
        if action.kind == "create":
            data = AlgorithmCreate(
                agency=slug, source_id=sample["source_id"], card=sample["versions"][0]["card"]
            )
            add_algorithm(session, actor=editor, data=data, now=action.at)
            ctx.result.counts["algorithms"] += 1
        elif action.kind == "draft":
            assert algorithm is not None
            stage_draft(
                session, actor=editor, algorithm=algorithm, card=entry["card"], now=action.at
            )
        elif action.kind == "publish":
            assert algorithm is not None
            stage_publish(
                session,
                actor=publisher,
                algorithm=algorithm,
                change_summary=entry["change_summary"],
                four_eyes=True,
                # the demo's publisher approves exactly what the loader has just staged
                revision=current_revision(session, algorithm),
                now=action.at,
            )
            ctx.result.counts["versions"] += 1
        elif action.kind == "retire":
            assert algorithm is not None
            mark_retired(
                session,
                actor=publisher,
                algorithm=algorithm,
                reason=sample["retired_reason"],
                now=action.at,
            )
            ctx.result.counts["retired"] += 1
