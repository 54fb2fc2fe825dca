"""Readiness of the service for ``/health/ready``: the database answers and the search index
(the public pages' stamp) has been built. Reads only; errors are logged, never shown."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from registry.db import session_scope
from registry.services.public import search_index

log = logging.getLogger("registry.health")


def readiness(engine: Engine) -> dict[str, str]:
    """``{"database": "ok" | "unreachable", "search_index": "ok" | "not built" | "unknown"}``."""
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except SQLAlchemyError:
        log.exception("readiness: the database does not answer")
        return {"database": "unreachable", "search_index": "unknown"}
    try:
        with session_scope(engine) as session:
            stamp = search_index.public_stamp(session)
    except SQLAlchemyError:
        log.exception("readiness: no search index table (run `registry db upgrade`)")
        return {"database": "ok", "search_index": "not built"}
    return {"database": "ok", "search_index": "ok" if stamp is not None else "not built"}
