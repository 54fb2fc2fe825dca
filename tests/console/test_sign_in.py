"""Signing in: the form, the session cookie, rotation, safe redirects, no user enumeration, and
throttling per account and per client address."""

from __future__ import annotations

import hashlib
from http.cookies import SimpleCookie

import pytest
from sqlmodel import select

from registry.models import Role, StaffSession
from registry.services.staff import passwords
from registry.services.staff.throttle import RateLimits
from tests.console.conftest import (
    PASSWORD,
    PRE_COOKIE,
    SESSION_COOKIE,
    csrf_of,
    make_staff,
    sign_in,
    soup,
)
from tests.registry.factories import make_account

pytestmark = pytest.mark.db


def _set_cookies(response) -> dict[str, SimpleCookie]:  # type: ignore[no-untyped-def]
    found: dict[str, SimpleCookie] = {}
    for header in response.headers.get_list("set-cookie"):
        cookie: SimpleCookie = SimpleCookie()
        cookie.load(header)
        for name in cookie:
            found[name] = cookie
    return found


def _limits(app, *, account: str = "100/hour", address: str = "100/hour") -> None:  # type: ignore[no-untyped-def]
    """Give this test's app its own sign-in limits (fresh in-memory counters)."""
    app.state.rate_limits = RateLimits(
        "memory://",
        {
            "sign_in_account": account,
            "sign_in_address": address,
            "write_address": "1000/hour",
            "write_account": "1000/hour",
        },
    )


def test_sign_in_form_has_labels_a_csrf_field_and_sets_only_the_pre_sign_in_cookie(console):
    response = console.get("/console/sign-in")
    assert response.status_code == 200
    page = soup(response)
    assert page.select_one("label[for=email]").get_text() == "Email address"
    assert page.select_one("#email")["autocomplete"] == "username"
    assert page.select_one("#password")["type"] == "password"
    assert page.select_one("#password")["autocomplete"] == "current-password"
    assert csrf_of(response)
    cookies = _set_cookies(response)
    assert set(cookies) == {PRE_COOKIE}
    pre = cookies[PRE_COOKIE][PRE_COOKIE]
    assert pre["httponly"] and pre["secure"] and pre["samesite"].lower() == "lax"
    assert pre["path"] == "/"


def test_sign_in_form_in_chinese(console):
    page = soup(console.get("/console/sign-in?lang=zh-CN"))
    assert page.html["lang"] == "zh-CN"
    assert page.select_one("h1").get_text() == "登录工作人员控制台"
    assert page.select_one("label[for=password]").get_text() == "密码"


def test_successful_sign_in_sets_a_secure_httponly_lax_session_cookie(console, session):
    staff = make_staff(session)
    response = sign_in(console, staff.email)
    assert response.status_code == 303
    assert response.headers["location"] == "/console"
    cookies = _set_cookies(response)
    morsel = cookies[SESSION_COOKIE][SESSION_COOKIE]
    assert morsel["httponly"] is True
    assert morsel["secure"] is True
    assert morsel["samesite"].lower() == "lax"
    assert morsel["path"] == "/"
    assert not morsel["domain"]  # a __Host- cookie: this host only
    assert not morsel["max-age"] and not morsel["expires"]  # ends with the browser
    # The pre-sign-in cookie is dropped: CSRF tokens are now tied to the session.
    assert cookies[PRE_COOKIE][PRE_COOKIE]["max-age"] == "0"
    # Only the sha256 of the id is stored.
    plain = morsel.value
    rows = session.exec(select(StaffSession)).all()
    assert [r.token_hash for r in rows] == [hashlib.sha256(plain.encode()).hexdigest()]
    assert rows[0].account_id == staff.id
    assert rows[0].user_agent == "testclient"
    assert rows[0].client_address == "testclient"
    assert console.get("/console").status_code == 200


def test_the_session_cookie_is_not_secure_in_development(app, console, session):
    app.state.settings = app.state.settings.model_copy(update={"environment": "development"})
    staff = make_staff(session)
    response = sign_in(console, staff.email)
    cookies = _set_cookies(response)
    assert "registry_session" in cookies
    assert not cookies["registry_session"]["registry_session"]["secure"]
    assert cookies["registry_session"]["registry_session"]["httponly"]


def test_signing_in_again_rotates_the_session_id_and_kills_the_old_one(console, session):
    staff = make_staff(session)
    sign_in(console, staff.email)
    first = console.cookies.get(SESSION_COOKIE)
    # Signing in while holding a session (e.g. as someone else) gives a new id.
    other = make_staff(session)
    response = console.post(
        "/console/sign-in",
        data={
            "csrf_token": csrf_of(console.get("/console")),
            "email": other.email,
            "password": PASSWORD,
        },
    )
    assert response.status_code == 303
    second = console.cookies.get(SESSION_COOKIE)
    assert second and first and second != first
    assert len(session.exec(select(StaffSession)).all()) == 1
    console.cookies.clear()
    console.cookies.set(SESSION_COOKIE, first)
    assert console.get("/console").status_code == 303


def test_a_session_id_chosen_by_an_attacker_is_never_adopted(console, session):
    staff = make_staff(session)
    console.cookies.set(SESSION_COOKIE, "attacker-chosen-value", domain="testserver.local")
    response = sign_in(console, staff.email)
    assert response.status_code == 303
    issued = _set_cookies(response)[SESSION_COOKIE][SESSION_COOKIE].value
    assert issued != "attacker-chosen-value"
    assert console.cookies.get(SESSION_COOKIE) == issued


@pytest.mark.parametrize(
    ("next_value", "expected"),
    [
        ("/console/tokens", "/console/tokens"),
        ("/console/accounts?done=reactivated", "/console/accounts?done=reactivated"),
        ("https://evil.example/console", "/console"),
        ("//evil.example/console", "/console"),
        ("/\\evil.example", "/console"),
        ("/console/../../elsewhere", "/console/../../elsewhere"),
        ("/algorithms", "/console"),
        ("", "/console"),
    ],
)
def test_sign_in_goes_on_only_to_console_paths(console, session, next_value, expected):
    staff = make_staff(session)
    response = sign_in(console, staff.email, next=next_value)
    assert response.headers["location"] == expected


def test_anonymous_visitor_is_sent_to_sign_in_and_brought_back(console, session):
    response = console.get("/console/tokens")
    assert response.status_code == 303
    assert response.headers["location"] == "/console/sign-in?next=%2Fconsole%2Ftokens"
    page = console.get(response.headers["location"])
    assert soup(page).select_one("input[name=next]")["value"] == "/console/tokens"
    staff = make_staff(session)
    response = sign_in(console, staff.email, next="/console/tokens")
    assert response.headers["location"] == "/console/tokens"


def test_empty_fields_get_an_error_summary_linking_to_each_field(console):
    response = console.post(
        "/console/sign-in",
        data={"csrf_token": csrf_of(console.get("/console/sign-in")), "email": " ", "password": ""},
    )
    assert response.status_code == 422
    page = soup(response)
    summary = page.select_one(".error-summary")
    assert summary["role"] == "alert"
    links = [(a["href"], a.get_text()) for a in summary.select("a")]
    assert links == [("#email", "Enter your email address"), ("#password", "Enter your password")]
    assert page.select_one("#email")["aria-invalid"] == "true"
    assert "email-error" in page.select_one("#email")["aria-describedby"]
    assert "Enter your password" in page.select_one("#password-error").get_text()
    assert page.title.get_text().startswith("Error:")


def _refusal(response) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    page = soup(response)
    return (
        response.status_code,
        page.select_one(".error-summary").get_text(" ", strip=True),
        page.select_one("#email-error").get_text(" ", strip=True),
    )


def test_unknown_email_and_wrong_password_get_the_same_answer(console, session, monkeypatch):
    staff = make_staff(session)
    invited = make_account(session, role=Role.auditor)  # no password yet
    dummy_uses = []
    real_dummy = passwords._dummy_hash

    def counting_dummy() -> str:
        dummy_uses.append(1)
        return real_dummy()

    monkeypatch.setattr(passwords, "_dummy_hash", counting_dummy)
    wrong = sign_in(console, staff.email, "not the right password")
    assert dummy_uses == []  # a real hash was checked
    unknown = sign_in(console, "nobody@example.gov", "not the right password")
    assert dummy_uses == [1]  # the same work, against the dummy hash
    no_password = sign_in(console, invited.email, "not the right password")
    assert dummy_uses == [1, 1]
    assert _refusal(wrong) == _refusal(unknown) == _refusal(no_password)
    status, summary, _ = _refusal(wrong)
    assert status == 400
    assert "The email address or password is not correct" in summary
    assert SESSION_COOKIE not in console.cookies


def test_a_deactivated_account_is_told_so_only_with_the_right_password(console, session):
    staff = make_staff(session)
    from registry.services.staff.accounts import set_account_active
    from tests.registry.factories import T0

    set_account_active(session, actor=None, account_id=staff.id, active=False, now=T0)
    wrong = sign_in(console, staff.email, "not the right password")
    assert wrong.status_code == 400
    right = sign_in(console, staff.email)
    assert right.status_code == 403
    assert "deactivated" in soup(right).select_one(".error-summary").get_text()
    assert SESSION_COOKIE not in console.cookies


def test_email_is_matched_without_case_or_surrounding_spaces(console, session):
    staff = make_staff(session, email="Case.Person@example.gov")
    assert sign_in(console, "  CASE.person@EXAMPLE.gov ").status_code == 303
    assert staff.email == "case.person@example.gov"


def test_repeated_failures_for_one_account_are_throttled_with_a_clear_message(
    app, console, session
):
    _limits(app, account="3/hour")
    staff = make_staff(session)
    bystander = make_staff(session)
    for _ in range(3):
        assert sign_in(console, staff.email, "wrong password 123").status_code == 400
    # Even the right password is refused now, before any password is checked.
    throttled = sign_in(console, staff.email)
    assert throttled.status_code == 429
    assert 3500 <= int(throttled.headers["retry-after"]) <= 3600
    message = soup(throttled).select_one(".error-summary").get_text(" ", strip=True)
    assert "Too many failed sign-in attempts" in message
    assert "60 min" in message
    # The limit is per account: another account from the same address still signs in.
    assert sign_in(console, bystander.email).status_code == 303


def test_unknown_emails_are_throttled_like_real_ones(app, console, session):
    _limits(app, account="2/hour")
    for _ in range(2):
        assert sign_in(console, "ghost@example.gov", "whatever 12345").status_code == 400
    assert sign_in(console, "ghost@example.gov", "whatever 12345").status_code == 429


def test_failures_from_one_address_are_throttled_across_accounts(app, console, session):
    _limits(app, address="3/hour")
    victims = [make_staff(session) for _ in range(4)]
    for victim in victims[:3]:
        assert sign_in(console, victim.email, "guess guess guess").status_code == 400
    response = sign_in(console, victims[3].email)
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0


def test_a_successful_sign_in_clears_the_accounts_failure_count(app, console, session):
    _limits(app, account="3/hour")
    staff = make_staff(session)
    for _ in range(2):
        sign_in(console, staff.email, "wrong password 123")
    assert sign_in(console, staff.email).status_code == 303
    console.cookies.clear()
    for _ in range(2):
        assert sign_in(console, staff.email, "wrong password 123").status_code == 400
    assert sign_in(console, staff.email).status_code == 303


def test_signed_in_staff_visiting_sign_in_go_straight_on(console, session):
    staff = make_staff(session)
    sign_in(console, staff.email)
    response = console.get("/console/sign-in?next=/console/tokens")
    assert response.status_code == 303
    assert response.headers["location"] == "/console/tokens"
