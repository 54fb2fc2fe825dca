"""View-models of the admins' account list and of the page showing a new set-password link."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session

from registry.console import words
from registry.console.forms import FormErrors
from registry.errors import Conflict, DomainError, Invalid, NotFound
from registry.i18n import gettext
from registry.models import Account, AccountCreate, Agency, Role
from registry.services.cards.agencies import list_agencies
from registry.services.staff.accounts import accounts_overview
from registry.services.staff.invitations import IssuedInvitation

ROLE_ORDER = ("agency_editor", "auditor", "admin")


def _agency_name(agency: Agency, lang: str) -> str:
    name = (agency.name_translations or {}).get(lang) if lang != "en" else None
    return name or agency.name


def accounts_page(
    session: Session,
    *,
    actor: Account,
    lang: str,
    now: datetime,
    notice: str | None = None,
    form: dict[str, str] | None = None,
    errors: FormErrors | None = None,
) -> dict[str, Any]:
    rows = []
    for row in accounts_overview(session, actor=actor, now=now):
        account = row.account
        rows.append(
            {
                "id": account.id,
                "name": account.display_name,
                "email": account.email,
                "role_text": words.role_name(account.role.value, lang),
                "agency": _agency_name(row.agency, lang) if row.agency else None,
                "active": account.active,
                "has_password": row.has_password,
                "link_expires_at": row.link_expires_at.isoformat() if row.link_expires_at else None,
                "is_self": account.id == actor.id,
            }
        )
    agencies = sorted(list_agencies(session), key=lambda a: _agency_name(a, lang))
    return {
        "accounts": rows,
        "notice": words.text(lang, words.NOTICES[notice]) if notice in words.NOTICES else None,
        "roles": [
            {
                "value": role,
                "text": words.role_name(role, lang),
                "hint": gettext(lang, words.ROLE_HINTS[role]),
            }
            for role in ROLE_ORDER
        ],
        "agencies": [{"slug": a.slug, "name": _agency_name(a, lang)} for a in agencies],
        "form": {"email": "", "display_name": "", "role": "", "agency": "", **(form or {})},
        **(errors or FormErrors()).view(),
    }


def parse_new_account(
    form: dict[str, str], *, lang: str
) -> tuple[AccountCreate | None, FormErrors]:
    """The account to create from the form, or the problems with each field."""
    errors = FormErrors()
    if not form["display_name"].strip():
        errors.add("display_name", words.text(lang, words.NEW_NAME_MISSING))
    if form["role"] not in {r.value for r in Role}:
        errors.add("role", words.text(lang, words.ROLE_MISSING))
    elif form["role"] == Role.agency_editor.value and not form["agency"]:
        errors.add("agency", words.text(lang, words.AGENCY_MISSING))
    elif form["role"] != Role.agency_editor.value and form["agency"]:
        errors.add("agency", words.text(lang, words.AGENCY_NOT_FOR_ROLE))
    try:
        data = AccountCreate(
            email=form["email"].strip(),
            display_name=form["display_name"].strip() or "-",
            role=form["role"] if form["role"] in {r.value for r in Role} else Role.auditor,  # type: ignore[arg-type]
            agency=form["agency"] or None,
        )
    except ValidationError as exc:
        for err in exc.errors():
            name = str(err["loc"][0]) if err["loc"] else ""
            if name == "email":
                errors.add("email", words.text(lang, words.NEW_EMAIL_INVALID))
            elif name == "display_name":
                errors.add("display_name", words.text(lang, words.NEW_NAME_MISSING))
            elif name == "agency":
                errors.add("agency", words.text(lang, words.AGENCY_MISSING))
        return None, errors
    return (None if errors else data), errors


def creation_refusal(exc: DomainError, *, lang: str) -> FormErrors:
    """Translate a refusal of the account service into form problems."""
    errors = FormErrors()
    if isinstance(exc, Conflict):
        errors.add("email", words.text(lang, words.EMAIL_TAKEN))
    elif isinstance(exc, NotFound | Invalid):
        errors.add("agency", words.text(lang, words.AGENCY_MISSING))
    else:
        raise exc
    return errors


def invitation_page(
    issued: IssuedInvitation, *, base_url: str, valid_hours: int, created: bool
) -> dict[str, Any]:
    return {
        "name": issued.account.display_name,
        "email": issued.account.email,
        "purpose": issued.purpose.value,
        "url": issued.url(base_url),
        "expires_at": issued.expires_at.isoformat(),
        "valid_hours": valid_hours,
        "created": created,
    }
