"""View-models of the sign-in and set-password pages, and their form checks."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from sqlmodel import Session

from registry.console import words
from registry.console.forms import FormErrors
from registry.errors import DomainError
from registry.services.staff.invitations import InvitationNotUsable, find_invitation
from registry.services.staff.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from registry.services.staff.sign_in import AccountDeactivated
from registry.services.staff.throttle import TooManyRequests


def sign_in_page(
    *,
    lang: str,
    email: str = "",
    next_path: str = "/console",
    errors: FormErrors | None = None,
    notice: str | None = None,
) -> dict[str, Any]:
    return {
        "email": email,
        "next": next_path,
        "notice": words.text(lang, words.NOTICES[notice]) if notice in words.NOTICES else None,
        **(errors or FormErrors()).view(),
    }


def sign_in_form_errors(email: str, password: str, *, lang: str) -> FormErrors:
    errors = FormErrors()
    if not email.strip():
        errors.add("email", words.text(lang, words.EMAIL_MISSING))
    if not password:
        errors.add("password", words.text(lang, words.PASSWORD_MISSING))
    return errors


def sign_in_refusal(exc: DomainError, *, lang: str) -> tuple[FormErrors, int, dict[str, str]]:
    """The form problem, status and headers for a refused sign-in. The same for an unknown email
    and a wrong password."""
    errors = FormErrors()
    headers: dict[str, str] = {}
    if isinstance(exc, TooManyRequests):
        minutes = max(1, math.ceil(exc.retry_after / 60))
        errors.add("email", words.text(lang, words.SIGN_IN_THROTTLED, minutes=minutes))
        headers["Retry-After"] = str(exc.retry_after)
        return errors, 429, headers
    if isinstance(exc, AccountDeactivated):
        errors.add("email", words.text(lang, words.ACCOUNT_DEACTIVATED))
        return errors, 403, headers
    errors.add("email", words.text(lang, words.SIGN_IN_FAILED))
    return errors, 400, headers


def password_form_errors(password: str, confirm: str, *, lang: str) -> FormErrors:
    errors = FormErrors()
    if not password:
        errors.add("password", words.text(lang, words.NEW_PASSWORD_MISSING))
    elif password != confirm:
        errors.add("confirm", words.text(lang, words.CONFIRM_MISMATCH))
    return errors


def password_policy_errors(details: list[dict[str, Any]], *, lang: str) -> FormErrors:
    errors = FormErrors()
    for detail in details:
        message = words.PASSWORD_PROBLEMS.get(str(detail.get("type")))
        if message is not None:
            errors.add(
                "password",
                words.text(lang, message, min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH),
            )
    return errors


def set_password_page(
    session: Session,
    *,
    token: str,
    lang: str,
    now: datetime,
    errors: FormErrors | None = None,
) -> tuple[dict[str, Any], int]:
    """The form for a usable link, or the reason the link cannot be used (404/410)."""
    try:
        invitation, account = find_invitation(session, token, now=now)
    except InvitationNotUsable as exc:
        vm = {
            "problem": words.text(lang, words.LINK_PROBLEMS[exc.reason]),
            "email": None,
            "purpose": None,
            "expires_at": None,
            "min_length": MIN_PASSWORD_LENGTH,
            **FormErrors().view(),
        }
        return vm, exc.status
    vm = {
        "problem": None,
        "email": account.email,
        "purpose": invitation.purpose.value,
        "expires_at": invitation.expires_at.isoformat(),
        "min_length": MIN_PASSWORD_LENGTH,
        **(errors or FormErrors()).view(),
    }
    return vm, 422 if errors else 200
