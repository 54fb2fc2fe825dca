"""Who may do what. See docs/permissions.md for the table these checks implement.

``actor`` None means the local operator at the command line, who is trusted; the JSON API always
passes an authenticated account to write services.
"""

from __future__ import annotations

from registry.errors import Forbidden
from registry.models import Account, Algorithm, Role

ERR_ADMIN_ONLY = "Only an admin may do this."
ERR_NOT_AGENCY_EDITOR = "Only an agency editor of this algorithm's agency may do this."
ERR_CANNOT_RETIRE = "Only an admin or an agency editor of this algorithm's agency may retire it."


def require_admin(actor: Account | None) -> None:
    if actor is not None and actor.role != Role.admin:
        raise Forbidden(ERR_ADMIN_ONLY)


def is_editor_of(actor: Account | None, agency_id: int) -> bool:
    return actor is not None and actor.role == Role.agency_editor and actor.agency_id == agency_id


def require_editor_of(actor: Account | None, agency_id: int) -> None:
    if actor is not None and not is_editor_of(actor, agency_id):
        raise Forbidden(ERR_NOT_AGENCY_EDITOR)


def require_can_retire(actor: Account | None, algorithm: Algorithm) -> None:
    if actor is None or actor.role == Role.admin or is_editor_of(actor, algorithm.agency_id):
        return
    raise Forbidden(ERR_CANNOT_RETIRE)


def can_see_unpublished(viewer: Account | None, algorithm: Algorithm) -> bool:
    """Never-published algorithms are visible to their agency's editors and to admins only."""
    if viewer is None:
        return False
    return viewer.role == Role.admin or is_editor_of(viewer, algorithm.agency_id)
