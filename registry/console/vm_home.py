"""View-model of the console's home page: who you are, your role and agency, where to go next."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Session

from registry.console import words
from registry.i18n import gettext
from registry.models import Role
from registry.services.cards import worklist
from registry.services.participation import timeliness
from registry.services.participation.timeliness import DEFAULT_CLOCK, ResponseClock
from registry.services.staff.accounts import agency_of
from registry.services.staff.sessions import ActiveSession, SessionPolicy, ends_at


def home_page(
    session: Session,
    *,
    active: ActiveSession,
    policy: SessionPolicy,
    lang: str,
    today: dt.date | None = None,
    clock: ResponseClock = DEFAULT_CLOCK,
) -> dict[str, Any]:
    from registry.console import vm_cards

    account = active.account
    work = None
    if account.role == Role.agency_editor and today is not None:
        work = vm_cards.worklist(worklist.algorithms_of(session, viewer=account), lang, today)
    agency = agency_of(session, account)
    if work is not None and agency is not None and today is not None:
        waiting = timeliness.agency_waiting(
            session, clock=clock, today=today, agency_id=agency.id or 0
        )
        work["participation"] = {
            "in_moderation": waiting.in_moderation,
            "past_target": waiting.past_target,
            "target_days": clock.target_days,
        }
    agency_view = None
    if agency is not None:
        name = (agency.name_translations or {}).get(lang) if lang != "en" else None
        agency_view = {"slug": agency.slug, "name": name or agency.name}
    return {
        "name": account.display_name,
        "email": account.email,
        "role": account.role.value,
        "role_text": words.role_name(account.role.value, lang),
        "role_hint": gettext(lang, words.ROLE_HINTS[account.role.value]),
        "agency": agency_view,
        "signed_in_at": active.row.created_at.isoformat(),
        "session_ends_at": ends_at(active.row, policy).isoformat(),
        "absolute_end": active.row.expires_at.isoformat(),
        "idle_minutes": int(policy.idle.total_seconds() // 60),
        "work": work,  # what awaits an agency editor (None for other roles)
    }
