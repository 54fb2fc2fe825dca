"""The OpenAPI document lists, per operation, the error statuses it can answer (in the registry's
error shape) and whether a token is optional or required. schemathesis checks the answers against
it (test_api_schemathesis.py); these tests pin the declarations themselves."""

from __future__ import annotations

from typing import Any

import pytest

from registry.api.responses import ERROR_DESCRIPTIONS, errors

ERROR_SCHEMA = {"$ref": "#/components/schemas/ErrorResponse"}
BEARER = {"HTTPBearer": []}
WRITES = {"post", "put", "patch", "delete"}
#: The reads anyone may make; a token is optional (it may show its owner more).
PUBLIC_READS = {
    "/api/v1/agencies",
    "/api/v1/agencies/{slug}",
    "/api/v1/algorithms",
    "/api/v1/algorithms/{public_id}",
    "/api/v1/algorithms/{public_id}/versions",
    "/api/v1/algorithms/{public_id}/versions/live",
    "/api/v1/algorithms/{public_id}/versions/{number}",
    "/api/v1/algorithms/{public_id}/audits",
    "/api/v1/audits/{audit_id}",
    "/api/v1/log/checkpoint",
    "/api/v1/log/keys",
    "/api/v1/log/entries",
    "/api/v1/log/proof/inclusion",
    "/api/v1/log/proof/consistency",
    "/api/v1/audits/{audit_id}/page",
    "/api/v1/schema/model-card",
    "/api/v1/schema/pages",
    "/api/v1/schema/pages/{page}.json",
    "/api/v1/algorithms/{public_id}/participation",
    "/api/v1/participation/status/{code}",
}


@pytest.fixture
def operations(app) -> list[tuple[str, str, dict[str, Any]]]:
    paths = app.openapi()["paths"]
    found = [
        (method, path, operation)
        for path, by_method in paths.items()
        if path.startswith("/api/v1/")
        for method, operation in by_method.items()
    ]
    assert len(found) > 30
    return found


def _errors(operation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in operation["responses"].items() if not k.startswith("2")}


def test_every_error_status_is_listed_one_by_one_in_the_error_shape(operations) -> None:
    for method, path, operation in operations:
        listed = _errors(operation)
        assert listed, f"{method} {path} documents no error"
        for status, response in listed.items():
            assert status.isdigit(), f"{method} {path}: catch-all {status} hides which apply"
            schema = response["content"]["application/json"]["schema"]
            assert schema == ERROR_SCHEMA, f"{method} {path} {status}"
            assert response["description"], f"{method} {path} {status}"


def test_every_operation_documents_422_for_a_bad_parameter(operations) -> None:
    """Any query parameter holding a control character is refused before routing."""
    assert [f"{m} {p}" for m, p, op in operations if "422" not in op["responses"]] == []


#: The one write that needs no token (``registry.api.request_guard.PUBLIC_WRITE_ROUTE``).
PUBLIC_WRITE = "/api/v1/algorithms/{public_id}/participation"


def test_every_write_documents_the_guard_and_the_rate_limit(operations) -> None:
    for method, path, operation in operations:
        if method not in WRITES:
            continue
        listed = _errors(operation)
        if path == PUBLIC_WRITE:  # the public's questions: no token, rate limited, capped
            assert {"413", "422", "429"} <= set(listed) and "401" not in listed
            assert "Retry-After" in listed["429"]["headers"]
            assert operation["security"] == [{}], f"{method} {path} needs no token"
            continue
        assert {"401", "413", "422", "429"} <= set(listed), f"{method} {path}"
        assert "WWW-Authenticate" in listed["401"]["headers"]
        assert "Retry-After" in listed["429"]["headers"]
        assert operation["security"] == [BEARER], f"{method} {path} must require a token"


def test_public_reads_declare_the_token_optional_and_the_rest_require_it(operations) -> None:
    reads = {path for method, path, _ in operations if method == "get"}
    assert reads >= PUBLIC_READS
    for method, path, operation in operations:
        security = operation.get("security")
        if method == "get" and path in PUBLIC_READS:
            assert security is not None and len(security) == 2, f"{path}: {security}"
            assert {} in security and BEARER in security, f"{path}: {security}"
        elif method == "post" and path == PUBLIC_WRITE:
            assert security == [{}], f"{method} {path}: {security}"
        else:
            assert security == [BEARER], f"{method} {path}: {security}"


def test_a_read_that_checks_the_token_documents_401_and_one_that_ignores_it_does_not(
    operations,
) -> None:
    by_route = {(m, p): set(_errors(op)) for m, p, op in operations}
    assert "401" in by_route[("get", "/api/v1/audits/{audit_id}")]
    assert "401" in by_route[("get", "/api/v1/algorithms")]
    assert "401" not in by_route[("get", "/api/v1/agencies")]
    assert "401" not in by_route[("get", "/api/v1/schema/model-card")]


@pytest.mark.parametrize(
    ("method", "path", "statuses"),
    [
        ("post", "/api/v1/algorithms/{public_id}/publish", {"403", "404", "409", "412", "428"}),
        ("put", "/api/v1/algorithms/{public_id}/draft", {"403", "404", "409", "412"}),
        ("post", "/api/v1/algorithms/{public_id}/audits", {"400", "403", "404", "409", "415"}),
        ("post", "/api/v1/algorithms/{public_id}/audits/counts", {"400", "415"}),
        ("post", "/api/v1/algorithms", {"403", "404", "409"}),
        ("get", "/api/v1/algorithms", {"401", "404"}),
        ("delete", "/api/v1/tokens/{token_id}", {"403", "404", "409"}),
        ("get", "/api/v1/accounts", {"401", "403"}),
    ],
)
def test_specific_statuses_are_listed_where_they_apply(app, method, path, statuses) -> None:
    operation = app.openapi()["paths"][path][method]
    assert statuses <= set(_errors(operation))


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/api/v1/agencies", "404"),  # a collection without a path parameter
        ("get", "/api/v1/schema/model-card", "404"),
        ("post", "/api/v1/tokens", "403"),  # anyone may make a token for themselves
        ("get", "/api/v1/audits/{audit_id}", "412"),
        ("post", "/api/v1/audits/{audit_id}/publish", "415"),  # JSON routes never answer 415
    ],
)
def test_statuses_that_cannot_happen_are_not_listed(app, method, path, status) -> None:
    assert status not in app.openapi()["paths"][path][method]["responses"]


def test_an_operation_specific_description_replaces_the_general_one(app) -> None:
    operation = app.openapi()["paths"]["/api/v1/algorithms"]["post"]
    assert "agency" in operation["responses"]["404"]["description"]
    assert operation["responses"]["404"]["description"] != ERROR_DESCRIPTIONS[404]


def test_errors_refuses_a_status_it_cannot_describe() -> None:
    with pytest.raises(ValueError, match=r"\[418\]"):
        errors(404, 418)


def test_errors_adds_the_write_statuses_only_to_writes() -> None:
    assert set(errors(404)) == {404, 422}
    assert set(errors(404, write=True)) == {401, 404, 413, 422, 429}
