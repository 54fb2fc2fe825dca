"""The append-only event ledger: ``record_event`` for each state change, ``verify_chain`` to check.

Each event stores ``content_hash`` (sha256 of its canonical payload), ``prev_hash`` (the previous
event's ``hash``) and ``hash`` (sha256 over its own fields and ``prev_hash``), so changing, dropping
or reordering any past event breaks every hash after it. ``record_event`` flushes but never commits:
the caller's transaction writes the change and its event together or not at all.

Ledger order is commit order. ``record_event`` takes the ledger lock (:func:`lock_ledger`) before it
reads the last hash and inserts, and holds it until the transaction ends: on PostgreSQL a
transaction-scoped advisory lock (the id sequence is read under it; the default READ COMMITTED
isolation lets the next holder see what the previous one committed); on SQLite the database's one
write lock, taken at once rather than at the transaction's first real write. So an event with a
larger id was committed later, and a reader who sees event ``n`` sees every event before it. The
public stamp and the search index count on this (``registry.services.public.search_index``),
and so does the transparency log: each public action appends its leaf here
(``registry.services.transparency.append_pending``), in ledger order.

Every action is classified here, once: :data:`PUBLIC_ACTIONS` change what an anonymous reader can
see (pages, feeds, search, bulk downloads), :data:`PRIVATE_ACTIONS` do not. ``record_event`` refuses
an action in neither set, so a new kind of change cannot forget to say which it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from registry.models import Event
from registry.services import transparency
from registry.services.canonical import canonical_dumps, iso, json_safe, sha256_hex

GENESIS_HASH = "0" * 64
# Serialises ledger appends across PostgreSQL transactions (released at commit or rollback).
_LEDGER_LOCK_KEY = 7_274_001

#: Actions that change the public register. Each one moves the public stamp (page cache, ETags) and
#: makes the search index re-read the algorithms it concerns.
PUBLIC_ACTIONS = frozenset(
    {
        "agency.created",  # the agency list shows every agency
        "version.published",  # the first version makes an algorithm public
        "algorithm.retired",
        "audit.published",
        "audit.response",
        # A published audit stays readable, marked withdrawn. (Withdrawing one never published
        # changes no page but records the same action, so it moves the stamp too.)
        "audit.withdrawn",
        # Citizen participation: each moderation decision changes the algorithm page (the
        # published items, their answers, the counts of declined and merged items).
        "participation.published",
        "participation.answered",
        "participation.merged",
        "participation.declined",
    }
)
#: Actions no anonymous reader can observe: drafts, the audit queue, accounts and tokens.
PRIVATE_ACTIONS = frozenset(
    {
        "account.created",
        "account.invitation_issued",
        "account.password_set",
        "account.deactivated",
        "account.reactivated",
        "token.created",
        "token.revoked",
        "algorithm.created",  # a new algorithm is a draft
        "draft.updated",
        # Four-eyes review requests are about drafts, which only the agency's staff see; the
        # publication that ends a request is the public "version.published".
        "review.requested",
        "review.returned",
        "review.withdrawn",
        "review.published",
        "review.superseded",
        "draft.discarded",  # drafts are never public
        "audit.submitted",
        "audit.requeued",
        "audit.succeeded",
        "audit.failed",
        # An item awaiting moderation is never public; contact addresses never are. Their
        # events carry hashes and ids only, never the text or the address.
        "participation.submitted",
        "participation.contact_erased",
        "participation.contacts_swept",
    }
)
ERR_UNCLASSIFIED_ACTION = (
    "Event action {action!r} is not classified: add it to PUBLIC_ACTIONS or PRIVATE_ACTIONS "
    "in registry/services/events.py."
)


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


def lock_ledger(session: Session) -> None:
    """Hold the ledger lock until the caller's transaction commits or rolls back.

    Waits while another transaction holds it. Taking it again in the same transaction is free.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LEDGER_LOCK_KEY})
    elif dialect == "sqlite":
        # pysqlite opens the transaction lazily, at the first data change; before that each read
        # is its own snapshot. A change of no row opens it now and takes SQLite's write lock
        # (waiting up to the busy timeout), so what is read next is the last committed state.
        session.execute(sa.text("UPDATE event SET id = id WHERE 0"))


def _last_hash(session: Session) -> str:
    lock_ledger(session)
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
    """Append one event in the caller's transaction. ``actor_id`` None: the local operator.

    A write recording a public action also brings the search index up to date before its commit
    (``search_index.sync``). Raises ValueError for an action in neither PUBLIC_ACTIONS nor
    PRIVATE_ACTIONS.
    """
    if action not in PUBLIC_ACTIONS and action not in PRIVATE_ACTIONS:
        raise ValueError(ERR_UNCLASSIFIED_ACTION.format(action=action))
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
    if action in PUBLIC_ACTIONS:
        # The public fact enters the transparency log in this transaction, under this lock.
        transparency.append_pending(session, now=at)
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
