"""The append-only event ledger: ``record_event`` for each state change, ``verify_chain`` to check.

Each event stores ``content_hash`` (sha256 of its canonical payload), ``prev_hash`` (the previous
event's ``hash``) and ``hash`` (sha256 over its own fields and ``prev_hash``), so changing, dropping
or reordering any past event breaks every hash after it. ``record_event`` flushes but never commits:
the caller's transaction writes the change and its event together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from registry.models import Event
from registry.services.canonical import canonical_dumps, iso, json_safe, sha256_hex

GENESIS_HASH = "0" * 64
# Serialises ledger appends across PostgreSQL transactions (released at commit or rollback).
_LEDGER_LOCK_KEY = 7_274_001


def event_hash(
    *,
    prev_hash: str,
    at: datetime,
    actor_id: int | None,
    action: str,
    subject_type: str,
    subject_id: str,
    content_hash: str,
) -> str:
    """The hash that chains an event to its predecessor."""
    return sha256_hex(
        canonical_dumps(
            {
                "action": action,
                "actor_id": actor_id,
                "at": iso(at),
                "content_hash": content_hash,
                "prev_hash": prev_hash,
                "subject_id": subject_id,
                "subject_type": subject_type,
            }
        )
    )


def _last_hash(session: Session) -> str:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LEDGER_LOCK_KEY})
    last = session.exec(select(Event.hash).order_by(Event.id.desc()).limit(1)).first()  # type: ignore[union-attr]
    return last or GENESIS_HASH


def record_event(
    session: Session,
    *,
    at: datetime,
    actor_id: int | None,
    action: str,
    subject_type: str,
    subject_id: str | int,
    payload: dict[str, Any] | None = None,
) -> Event:
    """Append one event in the caller's transaction. ``actor_id`` None: the local operator."""
    body = json_safe(payload or {})
    content_hash = sha256_hex(canonical_dumps(body))
    prev_hash = _last_hash(session)
    event = Event(
        at=at,
        actor_id=actor_id,
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        payload=body,
        content_hash=content_hash,
        prev_hash=prev_hash,
        hash=event_hash(
            prev_hash=prev_hash,
            at=at,
            actor_id=actor_id,
            action=action,
            subject_type=subject_type,
            subject_id=str(subject_id),
            content_hash=content_hash,
        ),
    )
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    events_checked: int
    first_bad_event_id: int | None = None
    problem: str | None = None


def verify_chain(session: Session) -> ChainReport:
    """Recompute every content hash and chain link, in ledger order; report the first break."""
    prev = GENESIS_HASH
    count = 0
    for event in session.exec(select(Event).order_by(Event.id)):  # type: ignore[arg-type]
        count += 1
        if sha256_hex(canonical_dumps(event.payload)) != event.content_hash:
            return ChainReport(False, count, event.id, "payload does not match content_hash")
        if event.prev_hash != prev:
            return ChainReport(
                False, count, event.id, "prev_hash does not match the previous event"
            )
        expected = event_hash(
            prev_hash=event.prev_hash,
            at=event.at,
            actor_id=event.actor_id,
            action=event.action,
            subject_type=event.subject_type,
            subject_id=event.subject_id,
            content_hash=event.content_hash,
        )
        if expected != event.hash:
            return ChainReport(False, count, event.id, "hash does not match the event's fields")
        prev = event.hash
    return ChainReport(True, count)


def list_events(
    session: Session, *, subject_type: str | None = None, subject_id: str | None = None
) -> list[Event]:
    """Events in ledger order, optionally for one subject."""
    query = select(Event).order_by(Event.id)  # type: ignore[arg-type]
    if subject_type is not None:
        query = query.where(Event.subject_type == subject_type)
    if subject_id is not None:
        query = query.where(Event.subject_id == subject_id)
    return list(session.exec(query))
