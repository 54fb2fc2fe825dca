"""Submitting an item, reading its status by tracking code, and deleting contact addresses.

The rules (docs/participation.md):

* the text is masked (``registry.personal_data.mask_personal_data``) before it is stored; the
  original is never stored, logged or put in the ledger; the display name is masked too;
* the same (normalised, masked) text about the same algorithm within
  ``REGISTRY_PARTICIPATION_DUPLICATE_HOURS`` is refused as a duplicate (409, field ``text``);
* sizes: text 1..4000 characters, display name up to 80, contact address a valid email;
  every problem is reported at once, each naming its field (422); nothing is written then;
* the tracking code (``secrets.token_urlsafe``) is shown once; only its sha256 is stored;
* the contact address is stored apart and is deleted on request (the submitter with the tracking
  code, or the agency) and by :func:`sweep_contacts` after ``REGISTRY_PARTICIPATION_CONTACT_DAYS``.
  The ledger never holds it, so deleting it leaves the chain verifiable.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from registry.cards.value_types import find_forbidden_character
from registry.errors import Conflict, Invalid, NotFound
from registry.models import Algorithm, AlgorithmState
from registry.models.participation import (
    DISPLAY_NAME_MAX,
    EMAIL_MAX,
    ITEM_TEXT_MAX,
    ItemKind,
    ParticipationContact,
    ParticipationItem,
)
from registry.personal_data import mask_personal_data
from registry.services.canonical import sha256_hex
from registry.services.cards.algorithms import CROCKFORD_ALPHABET, ERR_ALGORITHM_NOT_FOUND
from registry.services.events import lock_ledger, record_event

TRACKING_CODE_BYTES = 18  # 24 URL-safe characters, 144 bits
TRACKING_CODE_MAX = 64

ERR_INVALID = "The submission is not valid."
ERR_KIND = "Choose what kind of message this is: question, concern, record_error or suggestion."
ERR_TEXT_MISSING = "Write your question or concern."
ERR_TEXT_TOO_LONG = "The text is {length} characters long; the limit is {limit}."
ERR_NAME_TOO_LONG = "The name is {length} characters long; the limit is {limit}."
ERR_EMAIL = "Enter a valid email address, such as name@example.com, or leave it empty."
ERR_CHARACTER = "This field holds a character that cannot be stored ({found})."
ERR_HONEYPOT = "Leave the field marked 'leave this empty' empty."
ERR_DUPLICATE = (
    "The same text about this algorithm was received recently; it is already awaiting the agency."
)
ERR_NOT_PUBLIC = "No public algorithm with id '{public_id}'."
ERR_TRACKING_NOT_FOUND = "No item has this tracking code."


@dataclass(frozen=True)
class Submitted:
    """A stored item and its tracking code (the only time the code is available)."""

    item: ParticipationItem
    tracking_code: str
    contact_stored: bool


def new_item_id() -> str:
    return "itm-" + "".join(secrets.choice(CROCKFORD_ALPHABET) for _ in range(8))


def tracking_hash(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


def normalised_text_hash(text: str) -> str:
    """sha256 of the text folded for comparison (NFKC, case-folded, whitespace collapsed)."""
    folded = " ".join(unicodedata.normalize("NFKC", text).casefold().split())
    return sha256_hex(folded)


def public_algorithm(session: Session, public_id: str) -> Algorithm:
    """A published (or retired) algorithm; 404 for a draft or an unknown id."""
    algorithm = session.exec(select(Algorithm).where(Algorithm.public_id == public_id)).first()
    if algorithm is None or algorithm.state == AlgorithmState.draft:
        raise NotFound(ERR_ALGORITHM_NOT_FOUND.format(public_id=public_id))
    return algorithm


def _problem(field: str, message: str, kind: str) -> dict[str, Any]:
    return {"loc": ["body", field], "msg": message, "type": kind}


def _checked_email(value: str) -> str | None:
    from pydantic_core import PydanticCustomError

    from registry.spoofing import validate_email_address

    if len(value) > EMAIL_MAX:
        return None
    try:
        return validate_email_address(value)
    except (PydanticCustomError, ValueError):
        return None


def check_submission(
    *, kind: str, text: str, contact_email: str | None, display_name: str | None, honeypot: str = ""
) -> list[dict[str, Any]]:
    """Every problem of a submission at once, each naming its field (empty: it may be stored)."""
    problems: list[dict[str, Any]] = []
    if honeypot.strip():
        problems.append(_problem("website", ERR_HONEYPOT, "honeypot"))
    if kind not in {k.value for k in ItemKind}:
        problems.append(_problem("kind", ERR_KIND, "kind"))
    for field, value in (("text", text), ("display_name", display_name or "")):
        found = find_forbidden_character(value)
        if found is not None:
            problems.append(
                _problem(field, ERR_CHARACTER.format(found=found.describe()), "forbidden_character")
            )
    stripped = text.strip()
    if not stripped:
        problems.append(_problem("text", ERR_TEXT_MISSING, "text_missing"))
    elif len(stripped) > ITEM_TEXT_MAX:
        msg = ERR_TEXT_TOO_LONG.format(length=len(stripped), limit=ITEM_TEXT_MAX)
        problems.append(_problem("text", msg, "text_too_long"))
    name = (display_name or "").strip()
    if len(name) > DISPLAY_NAME_MAX:
        msg = ERR_NAME_TOO_LONG.format(length=len(name), limit=DISPLAY_NAME_MAX)
        problems.append(_problem("display_name", msg, "name_too_long"))
    email = (contact_email or "").strip()
    if email and _checked_email(email) is None:
        problems.append(_problem("contact_email", ERR_EMAIL, "email"))
    return problems


def submit_item(
    session: Session,
    *,
    public_id: str,
    kind: str,
    text: str,
    contact_email: str | None = None,
    display_name: str | None = None,
    honeypot: str = "",
    duplicate_hours: int,
    now: datetime,
) -> Submitted:
    """Mask, check and store one item (awaiting moderation) and its contact address, with a
    private event holding hashes only. 404 unknown algorithm; 422 field problems; 409 duplicate."""
    algorithm = public_algorithm(session, public_id)
    problems = check_submission(
        kind=kind,
        text=text,
        contact_email=contact_email,
        display_name=display_name,
        honeypot=honeypot,
    )
    if problems:
        raise Invalid(ERR_INVALID, details=problems)
    masked = mask_personal_data(text.strip())
    name_text = (display_name or "").strip()
    masked_name = mask_personal_data(name_text) if name_text else None
    kinds = sorted(set(masked.kinds) | set(masked_name.kinds if masked_name else ()))
    text_sha = normalised_text_hash(masked.text)
    # Submissions are serialised from here (the ledger lock, held until the commit), so two
    # identical texts sent at the same moment cannot both pass the duplicate check.
    lock_ledger(session)
    if duplicate_hours > 0:
        since = now - timedelta(hours=duplicate_hours)
        repeated = session.exec(
            select(ParticipationItem.id).where(
                ParticipationItem.algorithm_id == algorithm.id,
                ParticipationItem.text_sha256 == text_sha,
                col(ParticipationItem.received_at) >= since,
            )
        ).first()
        if repeated is not None:
            raise Conflict(ERR_DUPLICATE, details=[_problem("text", ERR_DUPLICATE, "duplicate")])
    code = secrets.token_urlsafe(TRACKING_CODE_BYTES)
    item = ParticipationItem(
        public_id=new_item_id(),
        algorithm_id=algorithm.id or 0,
        kind=ItemKind(kind),
        text=masked.text,
        text_sha256=text_sha,
        masked_kinds=kinds,
        display_name=masked_name.text if masked_name else None,
        tracking_sha256=tracking_hash(code),
        received_at=now,
    )
    session.add(item)
    session.flush()
    email = (contact_email or "").strip()
    if email:
        checked = _checked_email(email)
        assert checked is not None  # check_submission refused it otherwise
        session.add(ParticipationContact(item_id=item.id or 0, email=checked, stored_at=now))
    record_event(
        session,
        at=now,
        actor_id=None,
        action="participation.submitted",
        subject_type="participation_item",
        subject_id=item.public_id,
        payload={
            "algorithm": algorithm.public_id,
            "kind": item.kind.value,
            "text_sha256": sha256_hex(masked.text),
            "masked_kinds": kinds,
            "contact_given": bool(email),
        },
    )
    session.commit()
    session.refresh(item)
    return Submitted(item=item, tracking_code=code, contact_stored=bool(email))


def item_by_tracking_code(session: Session, code: str) -> ParticipationItem:
    """The item a tracking code belongs to; 404 otherwise (the same answer for any wrong code)."""
    if not code or len(code) > TRACKING_CODE_MAX:
        raise NotFound(ERR_TRACKING_NOT_FOUND)
    item = session.exec(
        select(ParticipationItem).where(ParticipationItem.tracking_sha256 == tracking_hash(code))
    ).first()
    if item is None:
        raise NotFound(ERR_TRACKING_NOT_FOUND)
    return item


def has_contact(session: Session, item: ParticipationItem) -> bool:
    return (
        session.exec(
            select(ParticipationContact.id).where(ParticipationContact.item_id == item.id)
        ).first()
        is not None
    )


def erase_contact(
    session: Session, *, item: ParticipationItem, actor_id: int | None, now: datetime
) -> bool:
    """Delete the item's contact address (its submitter's request, or the agency's). Returns
    whether there was one; the event names the item only."""
    contact = session.exec(
        select(ParticipationContact).where(ParticipationContact.item_id == item.id)
    ).first()
    if contact is None:
        return False
    session.delete(contact)
    record_event(
        session,
        at=now,
        actor_id=actor_id,
        action="participation.contact_erased",
        subject_type="participation_item",
        subject_id=item.public_id,
        payload={},
    )
    session.commit()
    return True


def sweep_contacts(session: Session, *, retention_days: int, now: datetime) -> int:
    """Delete every contact address stored more than ``retention_days`` ago; one private event
    with the count. Returns how many were deleted."""
    cutoff = now - timedelta(days=retention_days)
    stale = col(ParticipationContact.stored_at) < cutoff
    count = session.exec(
        select(sa.func.count()).select_from(ParticipationContact).where(stale)
    ).one()
    if not count:
        return 0
    session.execute(sa.delete(ParticipationContact).where(stale))
    record_event(
        session,
        at=now,
        actor_id=None,
        action="participation.contacts_swept",
        subject_type="participation_contact",
        subject_id="retention",
        payload={"deleted": int(count), "retention_days": retention_days},
    )
    session.commit()
    return int(count)


def algorithm_of(session: Session, item: ParticipationItem) -> Algorithm:
    algorithm = session.get(Algorithm, item.algorithm_id)
    assert algorithm is not None  # a foreign key
    return algorithm


def sweep_contacts_at_start(engine: Engine, *, retention_days: int, now: datetime) -> int:
    """The app's start-up step: :func:`sweep_contacts` in a session of its own (0 when the
    database has no participation tables yet)."""
    from registry.db import session_scope

    if not sa.inspect(engine).has_table(ParticipationContact.__tablename__):
        return 0
    with session_scope(engine) as session:
        return sweep_contacts(session, retention_days=retention_days, now=now)
