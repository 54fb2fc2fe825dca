"""Sessions: sign-out, idle and absolute timeouts (moved by the app's clock), deactivation and
password resets ending sessions at once, and no caching of anything under /console."""

from __future__ import annotations

import pytest
from sqlmodel import select

from registry.models import Role, StaffSession
from tests.console.conftest import SESSION_COOKIE, csrf_of, make_staff, signed_in, soup
from tests.registry.factories import auth_headers, make_token

pytestmark = pytest.mark.db


def test_sign_out_deletes_the_session_and_the_old_cookie_is_worthless(console, session):
    staff = make_staff(session)
    signed_in(console, staff)
    old = console.cookies.get(SESSION_COOKIE)
    token = csrf_of(console.get("/console"))
    response = console.post("/console/sign-out", data={"csrf_token": token})
    assert response.status_code == 303
    assert response.headers["location"] == "/console/sign-in?done=signed_out"
    assert any(
        h.startswith(f"{SESSION_COOKIE}=") and "Max-Age=0" in h
        for h in response.headers.get_list("set-cookie")
    )
    assert session.exec(select(StaffSession)).all() == []
    notice = soup(console.get(response.headers["location"])).select_one("[role=status]")
    assert notice.get_text(strip=True) == "You have signed out."
    # Replaying the old cookie gets nowhere.
    console.cookies.clear()
    console.cookies.set(SESSION_COOKIE, old)
    assert console.get("/console").status_code == 303


def test_sign_out_needs_the_csrf_token(console, session):
    staff = make_staff(session)
    signed_in(console, staff)
    response = console.post("/console/sign-out", data={})
    assert response.status_code == 403
    assert console.get("/console").status_code == 200  # still signed in


def test_sign_out_without_a_session_just_goes_to_sign_in(console):
    response = console.post("/console/sign-out", data={})
    assert response.status_code == 303
    assert response.headers["location"] == "/console/sign-in"


def test_idle_timeout_ends_the_session(console, session, clock):
    staff = make_staff(session)
    signed_in(console, staff)
    clock.advance(minutes=29)
    assert console.get("/console").status_code == 200  # activity moves the idle deadline
    clock.advance(minutes=29)
    assert console.get("/console").status_code == 200
    clock.advance(minutes=30)
    response = console.get("/console/tokens")
    assert response.status_code == 303
    assert response.headers["location"] == (
        "/console/sign-in?next=%2Fconsole%2Ftokens&done=session_ended"
    )
    assert any(h.startswith(f"{SESSION_COOKIE}=") for h in response.headers.get_list("set-cookie"))
    assert session.exec(select(StaffSession)).all() == []
    page = soup(console.get(response.headers["location"]))
    assert "Your session has ended" in page.select_one("[role=status]").get_text()


def test_absolute_timeout_ends_even_a_busy_session(console, session, clock):
    staff = make_staff(session)
    signed_in(console, staff)
    for _ in range(35):  # 35 x 20 minutes = 11 h 40 min of steady work
        clock.advance(minutes=20)
        assert console.get("/console").status_code == 200
    clock.advance(minutes=20)  # 12 h after sign-in
    assert console.get("/console").status_code == 303


def test_timeouts_follow_the_settings(app, console, session, clock):
    app.state.settings = app.state.settings.model_copy(
        update={"session_idle_minutes": 5, "session_absolute_hours": 1}
    )
    staff = make_staff(session)
    signed_in(console, staff)
    clock.advance(minutes=4)
    assert console.get("/console").status_code == 200
    clock.advance(minutes=6)
    assert console.get("/console").status_code == 303


def test_home_page_says_when_the_session_ends(console, session):
    staff = make_staff(session)
    signed_in(console, staff)
    text = soup(console.get("/console")).select_one("main").get_text(" ", strip=True)
    text = text.replace("\u202f", " ")  # CLDR puts a narrow no-break space before "PM"
    assert "Ends after 30 minutes without activity" in text
    assert "Jan 15, 2024, 9:00:00 PM UTC" in text  # 12 hours after sign-in at T0


def test_deactivation_ends_sessions_and_tokens_at_once(client, console, session):
    staff = make_staff(session)
    admin = make_staff(session, role=Role.admin)
    staff_token = make_token(session, staff)
    signed_in(console, staff)
    assert console.get("/console").status_code == 200
    assert client.get("/api/v1/accounts/me", headers=auth_headers(staff_token)).status_code == 200
    admin_token = make_token(session, admin)
    response = client.post(
        f"/api/v1/accounts/{staff.id}/deactivate", headers=auth_headers(admin_token)
    )
    assert response.status_code == 200
    assert response.json()["active"] is False
    assert console.get("/console").status_code == 303
    me = client.get("/api/v1/accounts/me", headers=auth_headers(staff_token))
    assert me.status_code == 401
    assert session.exec(select(StaffSession)).all() == []


def test_a_deactivated_accounts_surviving_session_row_is_refused(console, session):
    """Even if a session row were left behind, every request checks the account is active."""
    staff = make_staff(session)
    signed_in(console, staff)
    staff.active = False
    session.add(staff)
    session.commit()
    assert console.get("/console").status_code == 303


def test_every_console_response_is_private_and_not_stored(console, session, client):
    staff = make_staff(session, role=Role.admin)
    responses = [
        console.get("/console"),  # redirect for an anonymous visitor
        console.get("/console/sign-in"),
        console.post("/console/sign-in", data={}),  # CSRF refusal
        console.get("/console/set-password/nope"),
    ]
    signed_in(console, staff)
    responses += [
        console.get("/console"),
        console.get("/console/tokens"),
        console.get("/console/accounts"),
        console.get("/console/no-such-page"),
    ]
    for response in responses:
        assert response.headers["cache-control"] == "private, no-store", response.url
        assert "cookie" in response.headers["vary"].lower(), response.url
    assert client.get("/about").headers.get("cache-control") != "private, no-store"
