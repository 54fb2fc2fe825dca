"""The admins' account page (add, links, deactivate, reactivate), the API's deactivate and
reactivate endpoints, and "Your API tokens"."""

from __future__ import annotations

import pytest
from sqlmodel import select

from registry.models import Account, ApiToken, Event, Role
from tests.console.conftest import csrf_of, make_staff, signed_in, soup
from tests.registry.factories import auth_headers, make_account, make_agency, make_token

pytestmark = pytest.mark.db


def _post(console, page: str, action: str, data: dict | None = None):  # type: ignore[no-untyped-def]
    return console.post(action, data={"csrf_token": csrf_of(console.get(page)), **(data or {})})


@pytest.fixture
def admin_console(console, session):  # type: ignore[no-untyped-def]
    admin = make_staff(session, role=Role.admin)
    signed_in(console, admin)
    return console, admin


def test_accounts_page_lists_every_account_with_its_state(admin_console, session):
    console, admin = admin_console
    agency = make_agency(session, name="Parks department")
    make_account(session, role=Role.agency_editor, agency=agency, email="ed@parks.gov")
    page = soup(console.get("/console/accounts"))
    rows = {
        r.select_one("th").get_text(" ", strip=True): r.get_text(" ", strip=True)
        for r in page.select("tbody tr")
    }
    editor_row = next(v for k, v in rows.items() if "ed@parks.gov" in k)
    assert "Agency editor" in editor_row and "Parks department" in editor_row
    assert "No password yet" in editor_row
    admin_row = next(v for k, v in rows.items() if admin.email in k)
    assert "Password set" in admin_row and "This is you" in admin_row
    # No deactivate button for oneself.
    assert not page.select(f'form[action="/console/accounts/{admin.id}/deactivate"]')


def test_admin_adds_an_account_and_gets_its_link(admin_console, session):
    console, _admin = admin_console
    agency = make_agency(session)
    response = _post(
        console,
        "/console/accounts",
        "/console/accounts",
        {
            "email": "New.Person@Example.gov",
            "display_name": "New Person",
            "role": "agency_editor",
            "agency": agency.slug,
        },
    )
    assert response.status_code == 201
    page = soup(response)
    link = page.select_one("#link")["value"]
    assert "/console/set-password/" in link
    assert "has been added" in page.select_one("[role=status]").get_text()
    created = session.exec(select(Account).where(Account.email == "new.person@example.gov")).one()
    assert created.agency_id == agency.id
    actions = [e.action for e in session.exec(select(Event).order_by(Event.id)).all()][-2:]
    assert actions == ["account.created", "account.invitation_issued"]


@pytest.mark.parametrize(
    ("form", "problems"),
    [
        (
            {"email": "not-an-email", "display_name": "", "role": "", "agency": ""},
            {
                "email": "correct format",
                "display_name": "Enter the person's name",
                "role": "Choose a role",
            },
        ),
        (
            {"email": "x@example.gov", "display_name": "X", "role": "agency_editor", "agency": ""},
            {"agency": "Choose the agency of an agency editor"},
        ),
        (
            {"email": "x@example.gov", "display_name": "X", "role": "auditor", "agency": "SLUG"},
            {"agency": "Only agency editors belong to an agency"},
        ),
        (
            {
                "email": "x@example.gov",
                "display_name": "X",
                "role": "agency_editor",
                "agency": "no-such-agency",
            },
            {"agency": "Choose the agency of an agency editor"},
        ),
    ],
)
def test_adding_an_account_reports_each_problem_at_its_field(
    admin_console, session, form, problems
):
    console, _admin = admin_console
    agency = make_agency(session)
    form = {k: (agency.slug if v == "SLUG" else v) for k, v in form.items()}
    response = _post(console, "/console/accounts", "/console/accounts", form)
    assert response.status_code == 422
    page = soup(response)
    summary = {a["href"]: a.get_text() for a in page.select(".error-summary a")}
    assert set(summary) == {f"#{field}" for field in problems}
    for field, words in problems.items():
        assert words in page.select_one(f"#{field}-error").get_text()
    # What was typed is kept.
    assert page.select_one("#email")["value"] == form["email"]


def test_adding_a_duplicate_email_is_refused_at_the_email_field(admin_console, session):
    console, admin = admin_console
    response = _post(
        console,
        "/console/accounts",
        "/console/accounts",
        {"email": admin.email.upper(), "display_name": "Again", "role": "auditor"},
    )
    assert response.status_code == 422
    assert "already exists" in soup(response).select_one("#email-error").get_text()


def test_admin_makes_a_reset_link_for_an_account_with_a_password(admin_console, session):
    console, _admin = admin_console
    staff = make_staff(session)
    response = _post(console, "/console/accounts", f"/console/accounts/{staff.id}/invitation")
    assert response.status_code == 201
    assert "Password reset link" in soup(response).select_one("h1").get_text()
    listed = soup(console.get("/console/accounts")).get_text()
    assert "Open link until" in listed


def test_admin_deactivates_and_reactivates_in_the_console(admin_console, session):
    console, _admin = admin_console
    staff = make_staff(session)
    response = _post(console, "/console/accounts", f"/console/accounts/{staff.id}/deactivate")
    assert response.status_code == 303
    assert response.headers["location"] == "/console/accounts?done=deactivated"
    notice = soup(console.get(response.headers["location"])).select_one("[role=status]")
    assert "deactivated" in notice.get_text()
    session.refresh(staff)
    assert staff.active is False
    response = _post(console, "/console/accounts", f"/console/accounts/{staff.id}/reactivate")
    assert response.headers["location"] == "/console/accounts?done=reactivated"
    session.refresh(staff)
    assert staff.active is True


def test_an_admin_cannot_deactivate_themselves(admin_console):
    console, admin = admin_console
    response = _post(console, "/console/accounts", f"/console/accounts/{admin.id}/deactivate")
    assert response.status_code == 409
    assert console.get("/console").status_code == 200


def test_deactivating_an_unknown_account_is_not_found(admin_console):
    console, _admin = admin_console
    response = _post(console, "/console/accounts", "/console/accounts/9999/deactivate")
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("role", "expected"),
    [(None, 401), (Role.admin, 200), (Role.agency_editor, 403), (Role.auditor, 403)],
)
def test_api_deactivate_is_for_admins(client, session, role, expected):
    target = make_account(session, role=Role.auditor)
    headers = auth_headers(make_token(session, make_account(session, role=role))) if role else {}
    response = client.post(f"/api/v1/accounts/{target.id}/deactivate", headers=headers)
    assert response.status_code == expected
    if expected == 200:
        assert response.json()["active"] is False
        again = client.post(f"/api/v1/accounts/{target.id}/deactivate", headers=headers)
        assert again.status_code == 409
        assert again.json()["error"]["message"] == "This account is already deactivated."
        back = client.post(f"/api/v1/accounts/{target.id}/reactivate", headers=headers)
        assert back.status_code == 200 and back.json()["active"] is True
        missing = client.post("/api/v1/accounts/99999/deactivate", headers=headers)
        assert missing.status_code == 404
        event = session.exec(select(Event).where(Event.action == "account.deactivated")).one()
        assert event.subject_id == str(target.id)
        assert target.email not in str(event.payload)


def test_reactivation_restores_unrevoked_tokens(client, session):
    admin_token = make_token(session, make_account(session, role=Role.admin))
    target = make_account(session, role=Role.auditor)
    token = make_token(session, target)
    client.post(f"/api/v1/accounts/{target.id}/deactivate", headers=auth_headers(admin_token))
    assert client.get("/api/v1/accounts/me", headers=auth_headers(token)).status_code == 401
    client.post(f"/api/v1/accounts/{target.id}/reactivate", headers=auth_headers(admin_token))
    assert client.get("/api/v1/accounts/me", headers=auth_headers(token)).status_code == 200


def test_create_a_token_shown_once_then_revoke_it(console, client, session):
    staff = make_staff(session)
    signed_in(console, staff)
    assert "You have no tokens yet." in console.get("/console/tokens").text
    response = _post(console, "/console/tokens", "/console/tokens", {"name": " nightly sync "})
    assert response.status_code == 201
    plain = soup(response).select_one("#token")["value"]
    assert plain.startswith("reg_")
    me = client.get("/api/v1/accounts/me", headers=auth_headers(plain))
    assert me.status_code == 200 and me.json()["email"] == staff.email
    listing = console.get("/console/tokens")
    assert plain not in listing.text  # never shown again
    row = soup(listing).select_one("tbody tr")
    assert row.select_one("th").get_text() == "nightly sync"
    assert plain[:12] in row.get_text()
    token_id = session.exec(select(ApiToken.id).where(ApiToken.account_id == staff.id)).one()
    revoked = _post(console, "/console/tokens", f"/console/tokens/{token_id}/revoke")
    assert revoked.status_code == 303
    assert revoked.headers["location"] == "/console/tokens?done=token_revoked"
    assert "Revoked" in console.get("/console/tokens").text
    assert client.get("/api/v1/accounts/me", headers=auth_headers(plain)).status_code == 401


@pytest.mark.parametrize(("name", "message"), [("  ", "Enter a name"), ("x" * 101, "at most 100")])
def test_token_name_problems_are_shown_at_the_field(console, session, name, message):
    signed_in(console, make_staff(session))
    response = _post(console, "/console/tokens", "/console/tokens", {"name": name})
    assert response.status_code == 422
    assert message in soup(response).select_one("#name-error").get_text()


def test_revoking_someone_elses_token_is_forbidden(console, session):
    signed_in(console, make_staff(session))
    other = make_account(session, role=Role.auditor)
    make_token(session, other)
    token_id = session.exec(select(ApiToken.id).where(ApiToken.account_id == other.id)).one()
    response = _post(console, "/console/tokens", f"/console/tokens/{token_id}/revoke")
    assert response.status_code == 403
