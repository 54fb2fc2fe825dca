"""Passwords: argon2id hashes through pwdlib, a length-based policy, and a dummy hash for timing.

The policy follows NIST SP 800-63B: a minimum length and no composition rules; any character may
be used and the text is NFKC-normalised before hashing, so the same password typed on another
keyboard still matches.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from functools import lru_cache

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlmodel import Session

from registry.errors import Invalid
from registry.models import Account, AccountCredential

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256

ERR_PASSWORD_TOO_SHORT = f"A password needs at least {MIN_PASSWORD_LENGTH} characters."
ERR_PASSWORD_TOO_LONG = f"A password may have at most {MAX_PASSWORD_LENGTH} characters."
ERR_PASSWORD_IS_EMAIL = "A password must not be the account's email address."
# The ``type`` of each problem in an Invalid error's details; the console translates by type.
PASSWORD_TOO_SHORT = "password_too_short"
PASSWORD_TOO_LONG = "password_too_long"
PASSWORD_IS_EMAIL = "password_is_email"


@lru_cache(maxsize=1)
def _hasher() -> PasswordHash:
    # pwdlib's recommended argon2id parameters (m=64 MiB, t=3, p=4).
    return PasswordHash((Argon2Hasher(),))


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash of a random throw-away password, made with the same parameters as real ones."""
    import secrets

    return _hasher().hash(secrets.token_urlsafe(24))


def normalise_password(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


def password_problems(password: str, *, email: str) -> list[dict[str, object]]:
    """Every way ``password`` breaks the policy, as error details on the ``password`` field."""
    text = normalise_password(password)
    problems: list[tuple[str, str]] = []
    if len(text) < MIN_PASSWORD_LENGTH:
        problems.append((PASSWORD_TOO_SHORT, ERR_PASSWORD_TOO_SHORT))
    elif len(text) > MAX_PASSWORD_LENGTH:
        problems.append((PASSWORD_TOO_LONG, ERR_PASSWORD_TOO_LONG))
    if text.strip().lower() == email.strip().lower():
        problems.append((PASSWORD_IS_EMAIL, ERR_PASSWORD_IS_EMAIL))
    return [{"loc": ["password"], "msg": msg, "type": kind} for kind, msg in problems]


def check_password_policy(password: str, *, email: str) -> None:
    """Raise Invalid (422) naming every problem with ``password``."""
    details = password_problems(password, email=email)
    if details:
        raise Invalid(str(details[0]["msg"]), details=details)


def hash_password(password: str) -> str:
    return _hasher().hash(normalise_password(password))


def verify_password(password: str, password_hash: str | None) -> tuple[bool, str | None]:
    """``(matches, new_hash)``. Without a hash, a dummy hash is checked so the time is the same.

    ``new_hash`` is set when the stored hash used older parameters and should be replaced.
    """
    if len(password) > MAX_PASSWORD_LENGTH * 4:  # refuse before hashing megabytes
        _hasher().verify("x", _dummy_hash())
        return False, None
    text = normalise_password(password)
    if password_hash is None:
        _hasher().verify(text, _dummy_hash())
        return False, None
    return _hasher().verify_and_update(text, password_hash)


def credential_of(session: Session, account: Account) -> AccountCredential | None:
    return session.get(AccountCredential, account.id)


def stage_password(session: Session, *, account: Account, password: str, now: datetime) -> None:
    """Check the policy and store the new hash (no commit)."""
    check_password_policy(password, email=account.email)
    credential = credential_of(session, account)
    if credential is None:
        credential = AccountCredential(
            account_id=account.id,  # type: ignore[arg-type]
            password_hash=hash_password(password),
            updated_at=now,
        )
    else:
        credential.password_hash = hash_password(password)
        credential.updated_at = now
    session.add(credential)
    session.flush()
