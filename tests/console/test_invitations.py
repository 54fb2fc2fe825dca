"""Set-password links: printed by `registry account invite`, made by admins in the console; one
use, an expiry, stored hashed; the same flow resets a password and ends the account's sessions."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from registry.cli import app as cli_app
from registry.models import AccountInvitation, Event, InvitationPurpose, Role, StaffSession
from registry.services.staff.invitations import (
    InvitationNotUsable,
    issue_invitation,
    redeem_invitation,
)
from tests.console.conftest import PASSWORD, csrf_of, make_staff, sign_in, signed_in, soup
from tests.registry.factories import T0, make_account

pytestmark = pytest.mark.db
NEW_PASSWORD = "a brand new passphrase"


def _issue(session, account, *, hours: int = 72):  # type: ignore[no-untyped-def]
    return issue_invitation(
        session, actor=None, account_id=account.id, valid_for=timedelta(hours=hours), now=T0
    )


def _path(issued) -> str:  # type: ignore[no-untyped-def]
    return f"/console/set-password/{issued.token}"


def _set_password(console, path: str, password: str = NEW_PASSWORD, confirm: str | None = None):  # type: ignore[no-untyped-def]
    # The sign-in page gives the same visitor's token (a used link's page has no form).
    token = csrf_of(console.get("/console/sign-in"))
    return console.post(
        path,
        data={"csrf_token": token, "password": password, "confirm": confirm or password},
    )


def test_invitation_link_sets_a_password_once(console, session):
    account = make_account(session, role=Role.auditor)
    issued = _issue(session, account)
    assert issued.purpose == InvitationPurpose.invite
    page = console.get(_path(issued))
    assert page.status_code == 200
    assert page.headers["referrer-policy"] == "no-referrer"
    assert account.email in soup(page).select_one("main").get_text()
    assert soup(page).select_one("#password")["autocomplete"] == "new-password"
    response = _set_password(console, _path(issued))
    assert response.status_code == 303
    assert response.headers["location"] == "/console/sign-in?done=password_set"
    assert sign_in(console, account.email, NEW_PASSWORD).status_code == 303
    # Single use.
    console.cookies.clear()
    again = console.get(_path(issued))
    assert again.status_code == 410
    assert "already been used" in soup(again).select_one("main").get_text()
    assert _set_password(console, _path(issued), "another passphrase!").status_code == 410


def test_the_link_is_stored_hashed_and_the_ledger_names_no_email(session):
    account = make_account(session, role=Role.auditor)
    issued = _issue(session, account)
    row = session.exec(select(AccountInvitation)).one()
    assert row.token_hash == hashlib.sha256(issued.token.encode()).hexdigest()
    assert issued.token not in row.token_hash
    events = session.exec(select(Event).where(Event.action == "account.invitation_issued")).all()
    assert len(events) == 1
    assert account.email not in str(events[0].payload)
    assert events[0].payload["purpose"] == "invite"


def test_an_expired_link_is_refused(console, session, clock):
    account = make_account(session, role=Role.auditor)
    issued = _issue(session, account, hours=72)
    clock.advance(hours=71, minutes=59)
    assert console.get(_path(issued)).status_code == 200
    clock.advance(minutes=1)
    response = console.get(_path(issued))
    assert response.status_code == 410
    assert "expired" in soup(response).select_one("main").get_text()
    assert _set_password(console, _path(issued)).status_code == 410


def test_an_unknown_link_is_not_found(console):
    response = console.get("/console/set-password/not-a-real-token")
    assert response.status_code == 404
    assert "not valid" in soup(response).select_one("main").get_text()


def test_a_new_link_cancels_the_previous_one(console, session):
    account = make_account(session, role=Role.auditor)
    first = _issue(session, account)
    second = _issue(session, account)
    assert console.get(_path(first)).status_code == 404
    assert console.get(_path(second)).status_code == 200


def test_password_policy_problems_are_shown_next_to_the_field(console, session):
    account = make_account(session, role=Role.auditor, email="policy@example.gov")
    issued = _issue(session, account)
    short = _set_password(console, _path(issued), "short")
    assert short.status_code == 422
    assert "at least 12 characters" in soup(short).select_one("#password-error").get_text()
    assert soup(short).select_one(".error-summary a")["href"] == "#password"
    same = _set_password(console, _path(issued), "POLICY@example.gov")
    assert "not your email address" in soup(same).select_one("#password-error").get_text()
    mismatch = _set_password(console, _path(issued), NEW_PASSWORD, "something else entirely")
    assert mismatch.status_code == 422
    assert soup(mismatch).select_one("#confirm")["aria-invalid"] == "true"
    empty = _set_password(console, _path(issued), "", "")
    assert "Enter a new password" in soup(empty).select_one("#password-error").get_text()
    # The failed attempts did not use the link up.
    assert _set_password(console, _path(issued)).status_code == 303


def test_the_same_flow_resets_a_password_and_ends_every_session(app, console, session):
    from fastapi.testclient import TestClient

    staff = make_staff(session)
    signed_in(console, staff)
    issued = _issue(session, staff)
    assert issued.purpose == InvitationPurpose.reset
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as other:
        page = other.get(_path(issued))
        assert "Choose a new password" in soup(page).select_one("h1").get_text()
        assert _set_password(other, _path(issued)).status_code == 303
    assert session.exec(select(StaffSession)).all() == []
    assert console.get("/console").status_code == 303  # the old session is gone
    console.cookies.clear()
    assert sign_in(console, staff.email, PASSWORD).status_code == 400  # old password is dead
    assert sign_in(console, staff.email, NEW_PASSWORD).status_code == 303


def test_a_link_cannot_be_redeemed_twice_even_by_racing_requests(session):
    account = make_account(session, role=Role.auditor)
    issued = _issue(session, account)
    redeem_invitation(session, token=issued.token, password=NEW_PASSWORD, now=T0)
    with pytest.raises(InvitationNotUsable) as refused:
        redeem_invitation(session, token=issued.token, password="yet another passphrase", now=T0)
    assert refused.value.reason == "used"


def test_deactivating_an_account_cancels_its_links(console, session):
    from registry.services.staff.accounts import set_account_active

    account = make_account(session, role=Role.auditor)
    issued = _issue(session, account)
    set_account_active(session, actor=None, account_id=account.id, active=False, now=T0)
    assert console.get(_path(issued)).status_code == 404
    from registry.errors import Conflict

    with pytest.raises(Conflict):
        _issue(session, account)


@pytest.fixture
def run(settings, engine, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("REGISTRY_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("REGISTRY_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("REGISTRY_BASE_URL", "https://register.example.gov")
    from registry.config import get_settings

    get_settings.cache_clear()
    runner = CliRunner()
    yield lambda *args: runner.invoke(cli_app, list(args))
    get_settings.cache_clear()


def test_cli_invite_prints_a_working_link_and_resets_later(run, console, session):
    account = make_account(session, role=Role.auditor, email="cli@example.gov")
    result = run("account", "invite", "CLI@example.gov")
    assert result.exit_code == 0, result.output
    assert "set a password for cli@example.gov" in result.output
    url = result.output.strip().splitlines()[-1]
    assert url.startswith("https://register.example.gov/console/set-password/")
    path = url.removeprefix("https://register.example.gov")
    assert _set_password(console, path).status_code == 303
    again = run("account", "invite", "cli@example.gov")
    assert "reset the password of cli@example.gov" in again.output
    assert account.id is not None


def test_cli_invite_explains_an_unknown_email(run):
    result = run("account", "invite", "nobody@example.gov")
    assert result.exit_code == 1
    assert "No account with email 'nobody@example.gov'" in result.output


def test_cli_deactivate_and_reactivate(run, session):
    account = make_account(session, role=Role.auditor, email="temp@example.gov")
    assert run("account", "deactivate", "temp@example.gov").exit_code == 0
    session.refresh(account)
    assert account.active is False
    twice = run("account", "deactivate", "temp@example.gov")
    assert twice.exit_code == 1
    assert "already deactivated" in twice.output
    assert run("account", "reactivate", "temp@example.gov").exit_code == 0
    session.refresh(account)
    assert account.active is True
    actions = [e.action for e in session.exec(select(Event).order_by(Event.id)).all()]
    assert actions[-2:] == ["account.deactivated", "account.reactivated"]
