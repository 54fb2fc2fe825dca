"""Citizen participation in the registry's export: what is public, and nothing else.

* **Published** items travel whole: the masked text, the display name, the answer, the dates,
  the tracking code's hash (so the submitter's status page works after a restore; the hash of a
  random code is not personal data).
* **Declined** and **merged** items travel as traces: their state, reason or the item they were
  merged into and their dates, so the public counts by reason survive a restore, but with the text
  and name emptied, as those were never public.
* Items **awaiting moderation** are not exported (never public), and contact addresses
  (``participation_contact``) never are.

The ledger's participation events are exported with the rest of the ledger: they never held a
contact address or an unmasked text (docs/participation.md).
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from registry.models.participation import ItemState, ParticipationItem

EXPORTED_STATES = (ItemState.published, ItemState.declined, ItemState.merged)


def participation_export_rows(session: Session) -> list[dict[str, Any]]:
    """The exported rows of ``participation_item``, by id."""
    rows = []
    query = (
        select(ParticipationItem)
        .where(col(ParticipationItem.state).in_(EXPORTED_STATES))
        .order_by(col(ParticipationItem.id))
    )
    for item in session.exec(query):
        row = item.model_dump(mode="json")
        if item.state != ItemState.published:
            row.update(text="", display_name=None, masked_kinds=[])
        rows.append(row)
    return rows
