"""Rate limits on the JSON API's writes, per client address and per account: 429 in the JSON error
shape with Retry-After; reads and public pages are never limited. Each test sets its own limits."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from registry.config import Settings
from registry.models import Role
from registry.pages.security import CONTENT_SECURITY_POLICY
from registry.services.staff.throttle import RateLimits
from tests.pages.world import build_world
from tests.registry.factories import auth_headers, make_account, make_token

pytestmark = pytest.mark.db


def _limits(app, *, address: str = "1000/hour", account: str = "1000/hour") -> None:  # type: ignore[no-untyped-def]
    app.state.rate_limits = RateLimits(
        "memory://",
        {
            "sign_in_account": "5/hour",
            "sign_in_address": "5/hour",
            "write_address": address,
            "write_account": account,
        },
    )


def _write(client, token: str | None = None):  # type: ignore[no-untyped-def]
    headers = auth_headers(token) if token else {}
    return client.post("/api/v1/tokens", json={"name": "flood"}, headers=headers)


def test_writes_beyond_the_address_limit_get_429_with_retry_after(app, client, session):
    _limits(app, address="3/hour")
    token = make_token(session, make_account(session, role=Role.auditor))
    assert [_write(client, token).status_code for _ in range(3)] == [201, 201, 201]
    refused = _write(client, token)
    assert refused.status_code == 429
    assert 3590 <= int(refused.headers["retry-after"]) <= 3600
    error = refused.json()["error"]
    assert error["code"] == "rate_limited"
    assert error["message"].startswith("Too many write requests from this client address.")
    assert error["details"] == []
    # The refusal carries the same security headers as every response.
    assert refused.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert refused.headers["x-content-type-options"] == "nosniff"


def test_anonymous_and_bad_token_writes_count_against_the_address(app, client):
    _limits(app, address="2/hour")
    assert _write(client).status_code == 401
    assert _write(client, "reg_not-a-real-token").status_code == 401
    assert _write(client).status_code == 429


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_every_write_method_is_limited(app, client, method):
    _limits(app, address="1/hour")
    client.request(method, "/api/v1/agencies/x")
    assert client.request(method, "/api/v1/agencies/x").status_code == 429


def test_the_account_limit_counts_every_token_of_the_account(app, client, session):
    _limits(app, account="3/hour")
    owner = make_account(session, role=Role.auditor)
    first, second = make_token(session, owner), make_token(session, owner)
    other = make_token(session, make_account(session, role=Role.auditor))
    assert _write(client, first).status_code == 201
    assert _write(client, second).status_code == 201
    assert _write(client, first).status_code == 201
    refused = _write(client, second)
    assert refused.status_code == 429
    assert refused.json()["error"]["message"].startswith(
        "Too many write requests for this account."
    )
    assert int(refused.headers["retry-after"]) > 0
    # Another account from the same address is not affected.
    assert _write(client, other).status_code == 201


def test_reads_and_public_pages_are_unaffected_by_a_flood_of_writes(app, client, session):
    world = build_world(session)
    _limits(app, address="5/hour", account="5/hour")
    token = make_token(session, make_account(session, role=Role.auditor))
    statuses = [_write(client, token).status_code for _ in range(20)]
    assert statuses.count(429) == 15
    for path in ("/", f"/algorithms/{world.main.public_id}", "/about", "/index.json"):
        assert client.get(path).status_code == 200, path
    assert client.get("/api/v1/algorithms").status_code == 200
    assert client.get("/api/v1/accounts/me", headers=auth_headers(token)).status_code == 200


def test_default_limits_come_from_the_settings(app):
    rules = app.state.rate_limits.rules
    assert (rules["write_address"].amount, rules["write_address"].get_expiry()) == (120, 60)
    assert (rules["write_account"].amount, rules["write_account"].get_expiry()) == (60, 60)
    assert (rules["sign_in_account"].amount, rules["sign_in_account"].get_expiry()) == (5, 900)
    assert (rules["sign_in_address"].amount, rules["sign_in_address"].get_expiry()) == (20, 900)


@pytest.mark.parametrize(
    "name",
    [
        "sign_in_limit_per_account",
        "sign_in_limit_per_address",
        "write_limit_per_address",
        "write_limit_per_account",
    ],
)
def test_a_malformed_limit_setting_is_refused_with_its_name(name):
    with pytest.raises(ValidationError) as caught:
        Settings(**{name: "lots"})
    error = caught.value.errors()[0]
    assert error["loc"] == (name,)
    assert "'lots' is not a rate limit; write it as COUNT/PERIOD" in error["msg"]


def test_an_unknown_counter_storage_is_refused_at_start(settings):
    from limits.errors import ConfigurationError

    from registry.app import create_app

    with pytest.raises(ConfigurationError):
        create_app(settings.model_copy(update={"rate_limit_storage_url": "nowhere://x"}))
