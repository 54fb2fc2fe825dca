"""Checking a staff member's email and password, with throttling and without user enumeration.

An unknown email, an account without a password and a wrong password get the same error, after
the same work: a password hash is verified in every case (a dummy one when there is no account).
Failures are counted per email address and per client address; once either count reaches its
limit, further attempts are refused before any password is checked, until the window moves on.
A correct password clears the email address's count (not the client address's, so one valid
account cannot be used to keep guessing at others).
"""

from __future__ import annotations

import math
from datetime import datetime

from sqlmodel import Session, select

from registry.errors import DomainError
from registry.models import Account
from registry.services.staff.passwords import credential_of, verify_password
from registry.services.staff.sessions import SessionPolicy, start_session
from registry.services.staff.throttle import (
    SIGN_IN_ACCOUNT,
    SIGN_IN_ADDRESS,
    RateLimits,
    TooManyRequests,
    hashed_key,
)

ERR_SIGN_IN_FAILED = "The email address or password is not correct."
ERR_SIGN_IN_THROTTLED = (
    "Too many failed sign-in attempts. Try again in {minutes} minutes, or ask an admin for a "
    "set-password link."
)
ERR_ACCOUNT_DEACTIVATED = "This account is deactivated. Ask an admin if you need access again."
UNKNOWN_ADDRESS = "unknown"


class SignInFailed(DomainError):
    """Wrong email or password (deliberately not saying which)."""

    status = 400
    code = "sign_in_failed"


class AccountDeactivated(DomainError):
    """The password was right but the account is deactivated."""

    status = 403
    code = "account_deactivated"


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_account(session: Session, email: str) -> Account | None:
    return session.exec(select(Account).where(Account.email == normalise_email(email))).first()


def _refuse_if_throttled(limits: RateLimits, keys: list[tuple[str, str]]) -> None:
    waits = [v.retry_after for rule, key in keys if not (v := limits.check(rule, key)).allowed]
    if waits:
        wait = max(waits)
        raise TooManyRequests(
            ERR_SIGN_IN_THROTTLED.format(minutes=max(1, math.ceil(wait / 60))), retry_after=wait
        )


def sign_in(
    session: Session,
    *,
    email: str,
    password: str,
    client_address: str | None,
    limits: RateLimits,
    now: datetime,
) -> Account:
    """The account whose email and password these are. Raises SignInFailed, AccountDeactivated
    or TooManyRequests (429, with ``retry_after`` seconds)."""
    keys = [
        (SIGN_IN_ACCOUNT, hashed_key(normalise_email(email))),
        (SIGN_IN_ADDRESS, client_address or UNKNOWN_ADDRESS),
    ]
    _refuse_if_throttled(limits, keys)
    account = find_account(session, email) if email.strip() else None
    credential = credential_of(session, account) if account is not None else None
    matches, new_hash = verify_password(password, credential.password_hash if credential else None)
    if not matches or account is None or credential is None:
        for rule, key in keys:
            limits.hit(rule, key)
        raise SignInFailed(ERR_SIGN_IN_FAILED)
    if not account.active:
        raise AccountDeactivated(ERR_ACCOUNT_DEACTIVATED)
    if new_hash is not None:  # stored with older parameters: keep the stronger hash
        credential.password_hash = new_hash
        credential.updated_at = now
        session.add(credential)
        session.commit()
    limits.reset(*keys[0])
    return account


def open_session(
    session: Session,
    *,
    email: str,
    password: str,
    client_address: str | None,
    user_agent: str | None,
    replaces: str | None,
    limits: RateLimits,
    policy: SessionPolicy,
    now: datetime,
) -> tuple[Account, str]:
    """Sign in and start a new session (deleting the one the browser held, if any).

    Returns the account and the new session id for the cookie.
    """
    account = sign_in(
        session,
        email=email,
        password=password,
        client_address=client_address,
        limits=limits,
        now=now,
    )
    plain = start_session(
        session,
        account=account,
        policy=policy,
        now=now,
        replaces=replaces,
        client_address=client_address,
        user_agent=user_agent,
    )
    return account, plain
