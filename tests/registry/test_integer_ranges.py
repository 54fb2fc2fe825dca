"""Numbers beyond what a PostgreSQL INTEGER column holds.

schemathesis found on PostgreSQL that ``POST /api/v1/accounts/2147483648/deactivate`` and
``DELETE /api/v1/tokens/2147483648`` were 500s: comparing an INTEGER column with a larger value is
an error there (SQLite simply finds nothing). Numeric ids in API paths are now bounded in the
OpenAPI document and refused with 422 naming the parameter; an audit upload naming such a card
version is a 404 like any other version that does not exist.
"""

from __future__ import annotations

import pytest

from registry.db import MAX_INTEGER
from registry.models import Role
from tests.registry.audit_fixtures import make_world, upload
from tests.registry.factories import auth_headers, make_account, make_token

pytestmark = pytest.mark.db

TOO_LARGE = MAX_INTEGER + 1


@pytest.fixture
def admin_headers(session) -> dict[str, str]:
    return auth_headers(make_token(session, make_account(session, role=Role.admin)))


@pytest.mark.parametrize(
    ("method", "path", "name"),
    [
        ("POST", "/api/v1/accounts/{id}/deactivate", "account_id"),
        ("POST", "/api/v1/accounts/{id}/reactivate", "account_id"),
        ("DELETE", "/api/v1/tokens/{id}", "token_id"),
    ],
)
@pytest.mark.parametrize("value", [TOO_LARGE, 10**30, 0, -1])
def test_an_id_out_of_range_is_422_naming_the_parameter(
    client, admin_headers, method, path, name, value
) -> None:
    response = client.request(method, path.format(id=value), headers=admin_headers)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["details"][0]["loc"] == ["path", name]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/v1/accounts/{id}/deactivate"),
        ("DELETE", "/api/v1/tokens/{id}"),
    ],
)
def test_the_largest_id_is_still_looked_up(client, admin_headers, method, path) -> None:
    response = client.request(method, path.format(id=MAX_INTEGER), headers=admin_headers)
    assert response.status_code == 404, response.text


def test_the_bound_is_in_the_openapi_document(app) -> None:
    operation = app.openapi()["paths"]["/api/v1/tokens/{token_id}"]["delete"]
    schema = operation["parameters"][0]["schema"]
    assert (schema["minimum"], schema["maximum"]) == (1, MAX_INTEGER)


@pytest.mark.parametrize("version", [str(TOO_LARGE), str(10**30), "0", "-3"])
def test_an_upload_naming_a_version_out_of_range_is_404(client, session, version) -> None:
    world = make_world(session)
    response = upload(client, world, version=version)
    assert response.status_code == 404, response.text
    assert "has no version" in response.json()["error"]["message"]


def test_a_version_number_out_of_range_in_the_api_path_is_422(client, session) -> None:
    world = make_world(session)
    path = f"/api/v1/algorithms/{world.algorithm.public_id}/versions/{TOO_LARGE}"
    response = client.get(path)
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["loc"] == ["path", "number"]
