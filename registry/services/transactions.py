"""Committing a service's single transaction."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from registry.errors import Conflict


def commit_or_conflict(session: Session, message: str) -> None:
    """Commit; if a uniqueness rule refuses the write, roll back and raise 409 with ``message``."""
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict(message) from exc
