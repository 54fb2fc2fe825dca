"""JSON bodies FastAPI's parser cannot read although they are within the size limit.

schemathesis found that a write whose JSON body was not UTF-8, or was nested deeper than
``json.loads`` can follow, was answered 400 "There was an error parsing the body": a status no
operation documents, naming nothing. The request guard now answers both with 422 naming the body.
"""

from __future__ import annotations

import json

import pytest

from registry.api.request_guard import (
    ERR_JSON_NOT_UTF8,
    ERR_JSON_TOO_DEEP,
    JSON_NESTING_CHECK_FROM,
    json_body_problem,
)
from registry.models import Role
from tests.registry.factories import auth_headers, make_account, make_token

NOT_UTF8 = b'{"name": "caf\xe9"}'  # Latin-1
DEEP = b"[" * 5000 + b"]" * 5000


@pytest.fixture
def admin_headers(session) -> dict[str, str]:
    return auth_headers(make_token(session, make_account(session, role=Role.admin)))


def _post(client, headers, body: bytes, content_type: str | None = "application/json"):
    sent = dict(headers)
    if content_type is not None:
        sent["Content-Type"] = content_type
    return client.post("/api/v1/tokens", content=body, headers=sent)


def _assert_body_refused(response, message: str) -> None:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["message"] == message
    assert error["details"] == [{"loc": ["body"], "msg": message, "type": "json_invalid"}]


@pytest.mark.db
@pytest.mark.parametrize("content_type", ["application/json", "application/merge-patch+json", None])
def test_a_json_body_that_is_not_utf8_is_422_naming_the_body(
    client, admin_headers, content_type
) -> None:
    """No Content-Type counts: FastAPI reads such a body as JSON."""
    response = _post(client, admin_headers, NOT_UTF8, content_type)
    _assert_body_refused(response, ERR_JSON_NOT_UTF8.format(position=NOT_UTF8.index(b"\xe9")))


@pytest.mark.db
def test_utf16_json_is_refused_as_rfc_8259_requires_utf8(client, admin_headers) -> None:
    body = json.dumps({"name": "laptop"}).encode("utf-16")  # with a byte-order mark
    response = _post(client, admin_headers, body)
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["loc"] == ["body"]


@pytest.mark.db
def test_a_json_body_nested_too_deep_to_parse_is_422_naming_the_body(client, admin_headers) -> None:
    _assert_body_refused(_post(client, admin_headers, DEEP), ERR_JSON_TOO_DEEP)


@pytest.mark.db
def test_a_deep_but_readable_body_reaches_the_route_validation(client, admin_headers) -> None:
    depth = JSON_NESTING_CHECK_FROM + 100  # checked, and json.loads can still follow it
    response = _post(client, admin_headers, b"[" * depth + b"]" * depth)
    assert response.status_code == 422
    detail = response.json()["error"]["details"][0]
    assert detail["loc"] == ["body"] and detail["type"] != "json_invalid"


@pytest.mark.db
def test_a_syntax_error_is_still_reported_by_fastapi_with_its_position(
    client, admin_headers
) -> None:
    response = _post(client, admin_headers, b'{"name": ')
    assert response.status_code == 422
    detail = response.json()["error"]["details"][0]
    assert detail["type"] == "json_invalid" and detail["loc"][0] == "body"
    assert detail["msg"] != ERR_JSON_TOO_DEEP


@pytest.mark.db
def test_a_non_json_body_with_any_bytes_is_left_to_the_route(client, admin_headers) -> None:
    response = _post(client, admin_headers, b"\xff\xfe", "text/plain")
    assert response.status_code == 422
    assert response.json()["error"]["message"] != ERR_JSON_NOT_UTF8


@pytest.mark.db
def test_a_good_body_still_works(client, admin_headers) -> None:
    response = _post(client, admin_headers, json.dumps({"name": "café"}).encode())
    assert response.status_code == 201, response.text


@pytest.mark.db
def test_the_guard_answers_before_the_token_is_looked_up(client) -> None:
    """A token-shaped but unknown token still meets the body check first: the guard never reads
    the database, and the route would answer 401 only after parsing."""
    headers = {"Authorization": "Bearer reg_" + "a" * 43}
    response = _post(client, headers, NOT_UTF8)
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("body", "content_type", "problem"),
    [
        (b"", "application/json", None),
        (b'{"a": 1}', "application/json", None),
        (b'{"a": "\xc3\xa9"}', "application/json; charset=utf-8", None),
        (b"\xff", "application/json", ERR_JSON_NOT_UTF8.format(position=0)),
        (b"\xff", "APPLICATION/JSON", ERR_JSON_NOT_UTF8.format(position=0)),
        (b"\xff", "text/plain", None),
        (b"\xff", "multipart/form-data; boundary=x", None),
        (DEEP, "application/ld+json", ERR_JSON_TOO_DEEP),
        (b"[" * 5000, None, ERR_JSON_TOO_DEEP),  # unclosed: the depth is reached first
        (b'"' + b"[" * 5000 + b'"', "application/json", None),  # brackets inside a string
        (b"[" + b"[1]," * 2000, "application/json", None),  # shallow syntax error: FastAPI's
    ],
)
def test_json_body_problem(body: bytes, content_type: str | None, problem: str | None) -> None:
    assert json_body_problem(body, content_type) == problem
