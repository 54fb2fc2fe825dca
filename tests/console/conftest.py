"""Fixtures for console tests: an HTTPS test client (the session cookie is Secure outside
development), staff accounts with passwords, and helpers that fill forms like a browser does."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from registry.models import Account, Agency, Role
from registry.services.staff import passwords
from registry.services.staff.passwords import stage_password
from tests.registry.factories import T0, make_account, use_clock

PASSWORD = "correct horse battery staple"
SESSION_COOKIE = "__Host-registry_session"
PRE_COOKIE = "__Host-registry_pre"


_FAST_HASHER = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=8 * 1024, parallelism=1),))
_FAST_DUMMY = _FAST_HASHER.hash("a throw-away password")


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch):  # type: ignore[no-untyped-def]
    """Argon2id with small parameters, for speed only: the code paths are the same (a separate
    test checks the real parameters). The machine running the suite is small and shared."""
    monkeypatch.setattr(passwords, "_hasher", lambda: _FAST_HASHER)
    monkeypatch.setattr(passwords, "_dummy_hash", lambda: _FAST_DUMMY)


@pytest.fixture
def clock(app):  # type: ignore[no-untyped-def]
    return use_clock(app, T0)


@pytest.fixture
def console(app, clock) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    """A browser-like client on https://testserver that does not follow redirects."""
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as c:
        yield c


def make_staff(
    session,  # type: ignore[no-untyped-def]
    *,
    role: Role = Role.agency_editor,
    agency: Agency | None = None,
    email: str | None = None,
    password: str = PASSWORD,
) -> Account:
    account = make_account(session, role=role, agency=agency, email=email)
    stage_password(session, account=account, password=password, now=T0)
    session.commit()
    return account


def soup(response) -> BeautifulSoup:  # type: ignore[no-untyped-def]
    return BeautifulSoup(response.text, "html.parser")


def csrf_of(response) -> str:  # type: ignore[no-untyped-def]
    field = soup(response).select_one("input[name=csrf_token]")
    assert field is not None, response.text[:1500]
    return str(field["value"])


def submit(client: TestClient, page: str, action: str, data: dict[str, Any]):  # type: ignore[no-untyped-def]
    """GET ``page`` for its CSRF token, then POST ``data`` with it to ``action``."""
    token = csrf_of(client.get(page))
    return client.post(action, data={"csrf_token": token, **data})


def sign_in(client: TestClient, email: str, password: str = PASSWORD, **extra: str):  # type: ignore[no-untyped-def]
    return submit(
        client,
        "/console/sign-in",
        "/console/sign-in",
        {"email": email, "password": password, **extra},
    )


def signed_in(client: TestClient, account: Account, password: str = PASSWORD) -> TestClient:
    response = sign_in(client, account.email, password)
    assert response.status_code == 303, response.text[:2000]
    return client
