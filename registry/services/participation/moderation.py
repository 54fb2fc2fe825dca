"""Moderation by the agency: the queue, publish (with an answer or without), answer, merge,
decline with a published reason, and the contact address for the agency's eyes only.

Who: an agency editor of the algorithm's agency (``is_editor_of``); anyone else gets 404 for an
item of another agency (its existence is not revealed) and 403 on the queue without a role.
Each decision is one transaction with its public event (the ledger holds the public text and the
answer, never a contact address).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from registry.errors import Conflict, Forbidden, Invalid, NotFound
from registry.models import Account, Algorithm, Role
from registry.models.participation import (
    ANSWER_MAX,
    DeclineReason,
    ItemState,
    ParticipationContact,
    ParticipationItem,
)
from registry.services.cards.permissions import is_editor_of
from registry.services.events import record_event
from registry.services.public import search_index

ERR_NOT_EDITOR = "Only an agency editor may moderate what the public says about its algorithms."
ERR_ITEM_NOT_FOUND = "No item '{item_id}' awaits your agency."
ERR_NOT_PENDING = "This item was already moderated (it is {state})."
ERR_NOT_PUBLISHED = "Only a published item can be answered; this one is {state}."
ERR_ANSWER_MISSING = "Write the answer."
ERR_ANSWER_TOO_LONG = "The answer is {length} characters long; the limit is {limit}."
ERR_MERGE_TARGET = "Merge into a published item about the same algorithm (not itself)."
ERR_REASON = "Choose one of the published reasons: abusive, personal_data, off_topic, duplicate."


@dataclass(frozen=True)
class QueueRow:
    item: ParticipationItem
    algorithm: Algorithm
    contact_email: str | None


def require_moderator(actor: Account) -> None:
    """403 unless ``actor`` is an agency editor (the queue shows their own agency only)."""
    if actor.role != Role.agency_editor or actor.agency_id is None:
        raise Forbidden(ERR_NOT_EDITOR)


def queue(session: Session, *, actor: Account, include_done: bool = False) -> list[QueueRow]:
    """Items about the actor's agency's algorithms: awaiting moderation and published without an
    answer (all items with ``include_done``), oldest first, each with its contact address."""
    require_moderator(actor)
    query = (
        select(ParticipationItem, Algorithm, ParticipationContact.email)
        .join(Algorithm, Algorithm.id == ParticipationItem.algorithm_id)  # type: ignore[arg-type]
        .join(
            ParticipationContact,
            ParticipationContact.item_id == ParticipationItem.id,  # type: ignore[arg-type]
            isouter=True,
        )
        .where(Algorithm.agency_id == actor.agency_id)
        .order_by(col(ParticipationItem.received_at), col(ParticipationItem.id))
    )
    rows = [QueueRow(item, algorithm, email) for item, algorithm, email in session.exec(query)]
    if include_done:
        return rows
    return [
        r
        for r in rows
        if r.item.state == ItemState.pending
        or (r.item.state == ItemState.published and r.item.answered_at is None)
    ]


def get_for_moderation(session: Session, *, actor: Account, item_id: str) -> QueueRow:
    """One item of the actor's agency, with its contact address; 404 for anyone else's."""
    require_moderator(actor)
    found = session.exec(
        select(ParticipationItem, Algorithm, ParticipationContact.email)
        .join(Algorithm, Algorithm.id == ParticipationItem.algorithm_id)  # type: ignore[arg-type]
        .join(
            ParticipationContact,
            ParticipationContact.item_id == ParticipationItem.id,  # type: ignore[arg-type]
            isouter=True,
        )
        .where(ParticipationItem.public_id == item_id)
    ).first()
    if found is None or not is_editor_of(actor, found[1].agency_id):
        raise NotFound(ERR_ITEM_NOT_FOUND.format(item_id=item_id))
    return QueueRow(*found)


def _answer_text(answer: str | None, *, required: bool) -> str | None:
    text = (answer or "").strip()
    if not text:
        if required:
            raise Invalid(
                ERR_ANSWER_MISSING,
                details=[{"loc": ["body", "answer"], "msg": ERR_ANSWER_MISSING, "type": "missing"}],
            )
        return None
    if len(text) > ANSWER_MAX:
        msg = ERR_ANSWER_TOO_LONG.format(length=len(text), limit=ANSWER_MAX)
        raise Invalid(msg, details=[{"loc": ["body", "answer"], "msg": msg, "type": "too_long"}])
    return text


def _commit(
    session: Session,
    row: QueueRow,
    *,
    actor: Account,
    action: str,
    payload: dict[str, Any],
    now: datetime,
) -> ParticipationItem:
    session.add(row.item)
    record_event(
        session,
        at=now,
        actor_id=actor.id,
        action=action,
        subject_type="participation_item",
        subject_id=row.item.public_id,
        payload={"algorithm": row.algorithm.public_id, **payload},
    )
    search_index.sync(session)
    session.commit()
    session.refresh(row.item)
    return row.item


def _require_pending(item: ParticipationItem) -> None:
    if item.state != ItemState.pending:
        raise Conflict(ERR_NOT_PENDING.format(state=item.state.value))


#: The decisions on an item, in the order the console offers them.
DECISIONS = ("publish", "answer", "merge", "decline")
ERR_DECISION = "Unknown decision {decision!r}; one of publish, answer, merge, decline."


@dataclass(frozen=True)
class Decision:
    """A decision checked against the rules, ready to store (or to confirm first)."""

    row: QueueRow
    action: str
    answer: str | None = None
    target: ParticipationItem | None = None
    reason: DeclineReason | None = None


def check_decision(
    session: Session,
    *,
    actor: Account,
    item_id: str,
    action: str,
    answer: str | None = None,
    into: str = "",
    reason: str = "",
) -> Decision:
    """Every rule of a decision, without writing: 404 another agency's item, 403 not an editor,
    409 the wrong state, 422 a bad answer, merge target or reason (naming the field). The console
    asks this before its confirmation page and stores what it returns (``apply_decision``);
    ``decide`` asks it before every other write."""
    if action not in DECISIONS:
        raise ValueError(ERR_DECISION.format(decision=action))
    row = get_for_moderation(session, actor=actor, item_id=item_id)
    if action == "answer":
        if row.item.state != ItemState.published:
            raise Conflict(ERR_NOT_PUBLISHED.format(state=row.item.state.value))
        return Decision(row, action, answer=_answer_text(answer, required=True))
    _require_pending(row.item)
    if action == "publish":
        return Decision(row, action, answer=_answer_text(answer, required=False))
    if action == "merge":
        target = session.exec(
            select(ParticipationItem).where(ParticipationItem.public_id == into)
        ).first()
        if (
            target is None
            or target.id == row.item.id
            or target.algorithm_id != row.item.algorithm_id
            or target.state != ItemState.published
        ):
            detail = {"loc": ["body", "into"], "msg": ERR_MERGE_TARGET, "type": "merge_target"}
            raise Invalid(ERR_MERGE_TARGET, details=[detail])
        return Decision(row, action, target=target)
    if reason not in {r.value for r in DeclineReason}:
        raise Invalid(
            ERR_REASON, details=[{"loc": ["body", "reason"], "msg": ERR_REASON, "type": "enum"}]
        )
    return Decision(row, action, reason=DeclineReason(reason))


def apply_decision(
    session: Session, decision: Decision, *, actor: Account, now: datetime
) -> ParticipationItem:
    """Store a decision ``check_decision`` allowed ``actor`` to make, in this request: the item's
    new state and its public event, in one transaction. The one write path of every decision
    (API, console, demo)."""
    item = decision.row.item
    if decision.action == "publish":
        text = decision.answer
        item.state = ItemState.published
        item.published_at = item.decided_at = now
        item.decided_by_id = actor.id
        if text is not None:
            item.answer, item.answered_at, item.answered_by_id = text, now, actor.id
        event = "participation.published"
        payload: dict[str, Any] = {
            "kind": item.kind.value,
            "text": item.text,
            "display_name": item.display_name,
            "received_at": item.received_at,
            "answer": text,
        }
    elif decision.action == "answer":
        item.answer, item.answered_at, item.answered_by_id = decision.answer, now, actor.id
        event, payload = "participation.answered", {"answer": decision.answer}
    elif decision.action == "merge":
        assert decision.target is not None
        item.state = ItemState.merged
        item.merged_into_id = decision.target.id
        item.decided_at, item.decided_by_id = now, actor.id
        event, payload = "participation.merged", {"into": decision.target.public_id}
    else:
        assert decision.reason is not None
        item.state = ItemState.declined
        item.decline_reason = decision.reason
        item.decided_at, item.decided_by_id = now, actor.id
        event, payload = "participation.declined", {"reason": decision.reason.value}
    return _commit(session, decision.row, actor=actor, action=event, payload=payload, now=now)


def decide(
    session: Session,
    *,
    actor: Account,
    item_id: str,
    action: str,
    now: datetime,
    answer: str | None = None,
    into: str = "",
    reason: str = "",
) -> ParticipationItem:
    """Check a decision (``check_decision``: 404, 403, 409, 422) and store it."""
    decision = check_decision(
        session,
        actor=actor,
        item_id=item_id,
        action=action,
        answer=answer,
        into=into,
        reason=reason,
    )
    return apply_decision(session, decision, actor=actor, now=now)


def publish_item(
    session: Session, *, actor: Account, item_id: str, answer: str | None, now: datetime
) -> ParticipationItem:
    """Publish an item awaiting moderation, with an answer or to be answered later."""
    return decide(session, actor=actor, item_id=item_id, action="publish", answer=answer, now=now)


def answer_item(
    session: Session, *, actor: Account, item_id: str, answer: str, now: datetime
) -> ParticipationItem:
    """Answer a published item (or replace its answer; the ledger keeps every answer)."""
    return decide(session, actor=actor, item_id=item_id, action="answer", answer=answer, now=now)


def merge_item(
    session: Session, *, actor: Account, item_id: str, into: str, now: datetime
) -> ParticipationItem:
    """Fold an item awaiting moderation into a published item about the same algorithm."""
    return decide(session, actor=actor, item_id=item_id, action="merge", into=into, now=now)


def decline_item(
    session: Session, *, actor: Account, item_id: str, reason: str, now: datetime
) -> ParticipationItem:
    """Decline an item awaiting moderation with one of the published reasons. Its text is never
    published; the reason is counted on the algorithm page."""
    return decide(session, actor=actor, item_id=item_id, action="decline", reason=reason, now=now)


def merge_targets(session: Session, *, row: QueueRow) -> list[ParticipationItem]:
    """The published items an item may be merged into: same algorithm, not itself."""
    return list(
        session.exec(
            select(ParticipationItem)
            .where(
                ParticipationItem.algorithm_id == row.item.algorithm_id,
                ParticipationItem.state == ItemState.published,
                ParticipationItem.id != row.item.id,
            )
            .order_by(col(ParticipationItem.published_at).desc())
        )
    )


def erase_contact_for_agency(
    session: Session, *, actor: Account, item_id: str, now: datetime
) -> bool:
    """The agency deletes the contact address (on the submitter's request by other means)."""
    from registry.services.participation.submission import erase_contact

    row = get_for_moderation(session, actor=actor, item_id=item_id)
    return erase_contact(session, item=row.item, actor_id=actor.id, now=now)
