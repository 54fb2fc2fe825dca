"""Agencies, accounts and tokens over the JSON API."""

from __future__ import annotations

import pytest

from registry.models import Role
from registry.services.cards.accounts import ERR_AGENCY_ONLY_FOR_EDITORS, ERR_EDITOR_NEEDS_AGENCY
from tests.registry.factories import (
    T0,
    auth_headers,
    make_account,
    make_agency,
    make_token,
    use_clock,
)

pytestmark = pytest.mark.db


@pytest.fixture
def admin_headers(session):
    return auth_headers(make_token(session, make_account(session, role=Role.admin)))


def test_agencies_are_public_and_slugs_unique(client, admin_headers):
    body = {"slug": "tax-office", "name": "Tax office", "name_translations": {"zh-CN": "税务局"}}
    assert client.post("/api/v1/agencies", json=body, headers=admin_headers).status_code == 201
    assert client.post("/api/v1/agencies", json=body, headers=admin_headers).status_code == 409
    assert client.get("/api/v1/agencies/tax-office").json()["name_translations"] == {
        "zh-CN": "税务局"
    }
    assert [a["slug"] for a in client.get("/api/v1/agencies").json()] == ["tax-office"]
    assert client.get("/api/v1/agencies/nope").status_code == 404


@pytest.mark.parametrize("slug", ["Tax", "-x", "x" * 65, "a b", ""])
def test_agency_slug_must_be_url_safe(client, admin_headers, slug):
    response = client.post(
        "/api/v1/agencies", json={"slug": slug, "name": "X"}, headers=admin_headers
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["loc"] == ["body", "slug"]


def test_editor_accounts_need_exactly_one_agency(client, session, admin_headers):
    make_agency(session, slug="schools")
    base = {"email": "E@Schools.gov", "display_name": "Editor"}
    no_agency = client.post(
        "/api/v1/accounts", json={**base, "role": "agency_editor"}, headers=admin_headers
    )
    assert no_agency.status_code == 422
    assert no_agency.json()["error"]["message"] == ERR_EDITOR_NEEDS_AGENCY
    auditor = client.post(
        "/api/v1/accounts",
        json={**base, "role": "auditor", "agency": "schools"},
        headers=admin_headers,
    )
    assert auditor.status_code == 422
    assert auditor.json()["error"]["message"] == ERR_AGENCY_ONLY_FOR_EDITORS
    ok = client.post(
        "/api/v1/accounts",
        json={**base, "role": "agency_editor", "agency": "schools"},
        headers=admin_headers,
    )
    assert ok.status_code == 201
    assert ok.json()["email"] == "e@schools.gov"
    assert ok.json()["agency"] == "schools"
    dup = client.post("/api/v1/accounts", json={**base, "role": "auditor"}, headers=admin_headers)
    assert dup.status_code == 409
    bad_role = client.post("/api/v1/accounts", json={**base, "role": "king"}, headers=admin_headers)
    assert bad_role.status_code == 422


def test_me_and_token_lifecycle(client, app, session):
    clock = use_clock(app, T0)
    editor = make_account(session, role=Role.agency_editor)
    headers = auth_headers(make_token(session, editor))
    me = client.get("/api/v1/accounts/me", headers=headers).json()
    assert me["id"] == editor.id and me["role"] == "agency_editor"

    created = client.post("/api/v1/tokens", json={"name": "ci"}, headers=headers).json()
    assert created["token"].startswith(created["prefix"])
    listed = client.get("/api/v1/tokens", headers=headers).json()
    assert {t["name"] for t in listed} == {"test", "ci"}
    assert all("token" not in t and "token_hash" not in t for t in listed)
    assert listed[0]["last_used_at"] is not None  # the token used for these requests

    new_headers = auth_headers(created["token"])
    assert client.get("/api/v1/accounts/me", headers=new_headers).status_code == 200
    clock.advance(minutes=5)
    assert client.delete(f"/api/v1/tokens/{created['id']}", headers=headers).status_code == 200
    assert client.delete(f"/api/v1/tokens/{created['id']}", headers=headers).status_code == 409
    revoked = client.get("/api/v1/accounts/me", headers=new_headers)
    assert revoked.status_code == 401
    assert revoked.headers["WWW-Authenticate"] == "Bearer"
    assert client.delete("/api/v1/tokens/99999", headers=headers).status_code == 404


@pytest.mark.parametrize(
    "header", ["Bearer nonsense", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer " + "x" * 10_000]
)
def test_bad_credentials_are_401(client, header):
    response = client.get("/api/v1/accounts/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_only_admins_list_accounts(client, session, admin_headers):
    auditor = auth_headers(make_token(session, make_account(session, role=Role.auditor)))
    assert client.get("/api/v1/accounts", headers=auditor).status_code == 403
    assert len(client.get("/api/v1/accounts", headers=admin_headers).json()) == 2
