"""CSRF: every state-changing console form is refused without this visitor's token (403 with a
clear page, nothing changed), while the JSON API with bearer tokens needs none."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.routing import APIRoute
from sqlmodel import select

from registry.console import routers
from registry.models import Algorithm, AlgorithmState, ApiToken, Role
from registry.services.staff.invitations import issue_invitation
from tests.console.conftest import PASSWORD, csrf_of, make_staff, signed_in, soup
from tests.console.test_audit_wizard import WIZARD_FORMS  # checked there, as an auditor
from tests.registry.factories import (
    T0,
    auth_headers,
    make_account,
    make_published_algorithm,
    make_token,
)

pytestmark = pytest.mark.db


def console_routes(method: str) -> set[str]:
    return {
        route.path
        for router in routers()
        for route in router.routes
        if isinstance(route, APIRoute) and method in route.methods
    }


@pytest.fixture
def targets(session):  # type: ignore[no-untyped-def]
    admin = make_staff(session, role=Role.admin)
    other = make_account(session, role=Role.auditor)
    make_token(session, admin, name="mine")
    token_id = session.exec(select(ApiToken.id).where(ApiToken.name == "mine")).one()
    link = issue_invitation(
        session, actor=None, account_id=other.id, valid_for=timedelta(days=1), now=T0
    )
    paths = {
        "/console/sign-in": {"email": admin.email, "password": PASSWORD},
        "/console/sign-out": {},
        "/console/set-password/{token}": {"password": "x" * 20, "confirm": "x" * 20},
        "/console/tokens": {"name": "new"},
        "/console/tokens/{token_id}/revoke": {},
        "/console/accounts": {"email": "n@example.gov", "display_name": "N", "role": "auditor"},
        "/console/accounts/{account_id}/invitation": {},
        "/console/accounts/{account_id}/deactivate": {},
        "/console/accounts/{account_id}/reactivate": {},
        # The four-eyes review forms (the token is checked before the request is looked up).
        "/console/reviews/{request_id}/publish": {"change_summary": "First."},
        "/console/reviews/{request_id}/return": {"comment": "No."},
        "/console/reviews/{request_id}/withdraw": {},
        "/console/algorithms/{public_id}/review": {"note": "Please."},
        "/console/algorithms/{public_id}/review/publish": {"change_summary": "First."},
        # The token is checked before the audit is even looked up.
        "/console/audits/{audit_id}/publish": {},
        "/console/audits/{audit_id}/withdraw": {"reason": "x"},
        "/console/audits/{audit_id}/rerun": {},
        "/console/audits/{audit_id}/response": {"response_en": "x", "response_zh": "x"},
        "/console/algorithms/new": {"name": "Refused", "action": "save"},
        "/console/algorithms/{public_id}/edit": {"name": "Refused", "action": "save"},
        "/console/algorithms/{public_id}/discard": {},
        "/console/algorithms/{public_id}/retire": {"reason": "Refused"},
        # Moderation (the token is checked before the item is looked up).
        "/console/participation/{item_id}/publish": {"answer": "x", "confirmed": "yes"},
        "/console/participation/{item_id}/answer": {"answer": "x", "confirmed": "yes"},
        "/console/participation/{item_id}/merge": {"into": "itm-00000000", "confirmed": "yes"},
        "/console/participation/{item_id}/decline": {"reason": "abusive", "confirmed": "yes"},
        "/console/participation/{item_id}/erase-contact": {},
        # Records import: the review (a dry run) and the confirmation.
        "/console/import": {"format": "nl_algoritmeregister"},
        "/console/import/confirm": {"format": "nl_algoritmeregister", "data": "W10="},
        "/console/import/review": {"format": "nl_algoritmeregister", "data": "W10="},
    }
    algorithm = make_published_algorithm(session, versions=1)
    values = {
        "token": link.token,
        "token_id": token_id,
        "account_id": other.id,
        "request_id": 1,
        "audit_id": "aud-0000000000",
        "public_id": algorithm.public_id,
        "item_id": "itm-00000000",
    }
    return admin, paths, values


def test_the_list_of_console_forms_is_complete(app, targets):
    _admin, paths, _values = targets
    assert console_routes("POST") == set(paths) | WIZARD_FORMS


@pytest.mark.parametrize("token", ["", "forged.token.value", "stolen"])
def test_every_console_form_refuses_a_missing_or_foreign_token(
    app, console, session, targets, token
):
    admin, paths, values = targets
    if token == "stolen":
        # A valid token, but issued to another visitor (another browser's session).
        from fastapi.testclient import TestClient

        with TestClient(app, base_url="https://testserver", follow_redirects=False) as other:
            other_staff = make_staff(session)
            signed_in(other, other_staff)
            token = csrf_of(other.get("/console"))
    signed_in(console, admin)
    for template, data in paths.items():
        path = template.format(**values)
        response = console.post(path, data={"csrf_token": token, **data} if token else data)
        assert response.status_code == 403, (path, response.status_code)
        page = soup(response)
        assert page.select_one("h1").get_text() == "The form could not be sent", path
        assert "Nothing was changed" in page.select_one("main").get_text()
    # Nothing happened: still signed in, no token or account created, nothing deactivated.
    assert console.get("/console").status_code == 200
    assert session.exec(select(ApiToken).where(ApiToken.name == "new")).first() is None
    session.expire_all()
    assert all(a.active for a in session.exec(select(type(admin))).all())
    algorithm = session.exec(
        select(Algorithm).where(Algorithm.public_id == values["public_id"])
    ).one()
    assert algorithm.state == AlgorithmState.published  # not retired


def test_a_form_from_a_signed_out_session_is_refused(console, session):
    staff = make_staff(session)
    signed_in(console, staff)
    old_token = csrf_of(console.get("/console/tokens"))
    console.post("/console/sign-out", data={"csrf_token": old_token})
    signed_in(console, staff)  # a new session: the old page's token no longer fits
    response = console.post("/console/tokens", data={"csrf_token": old_token, "name": "x"})
    assert response.status_code == 403


def test_a_browser_without_cookies_is_told_to_allow_them(app, session):
    from fastapi.testclient import TestClient

    staff = make_staff(session)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as browser:
        token = csrf_of(browser.get("/console/sign-in"))
        browser.cookies.clear()  # cookies blocked
        response = browser.post(
            "/console/sign-in",
            data={"csrf_token": token, "email": staff.email, "password": PASSWORD},
        )
    assert response.status_code == 403
    assert "did not send back this site's cookie" in soup(response).select_one("main").get_text()


def test_csrf_page_is_in_the_readers_language(console):
    response = console.post("/console/sign-in?lang=zh-CN", data={})
    assert response.status_code == 403
    assert soup(response).select_one("h1").get_text() == "表单无法提交"


def test_the_json_api_with_a_bearer_token_needs_no_csrf_token(client, console, session):
    staff = make_staff(session)
    token = make_token(session, staff)
    signed_in(console, staff)  # even with a console session cookie in the same client
    response = console.post("/api/v1/tokens", json={"name": "script"}, headers=auth_headers(token))
    assert response.status_code == 201
    response = client.post("/api/v1/tokens", json={"name": "script"}, headers=auth_headers(token))
    assert response.status_code == 201


def test_the_json_api_does_not_accept_the_console_session_cookie(console, session):
    staff = make_staff(session)
    signed_in(console, staff)
    assert console.get("/api/v1/accounts/me").status_code == 401
    assert console.post("/api/v1/tokens", json={"name": "x"}).status_code == 401
