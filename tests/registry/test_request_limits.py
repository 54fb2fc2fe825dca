"""Limits on what a client can make the server read and answer.

An anonymous 200 MB POST used to be parsed in full before the 401; a card could hold millions of
list items; an error could list hundreds of thousands of problems. The requests here are driven
through the ASGI interface directly so the test can see how much of a body the server consumed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import anyio
import pytest
from fastapi import FastAPI

from registry.api.deps import ERR_TOKEN_REQUIRED
from registry.api.request_guard import ERR_JSON_TOO_LARGE, TOKEN_SHAPE, token_problem
from registry.app import MAX_ERROR_DETAILS, create_app
from registry.cards import ModelCard, model_card_json_schema, validate_draft
from registry.cards.crosswalk import limits_markdown
from registry.config import Settings
from registry.errors import Invalid
from registry.models import Role
from registry.pages.security import CONTENT_SECURITY_POLICY
from registry.services.cards.tokens import ERR_INVALID_TOKEN
from tests.registry.audit_fixtures import SMALL_SPEC, make_world, upload
from tests.registry.factories import auth_headers, card, make_account, make_agency, make_token

MIB = 1024 * 1024


@dataclass
class Exchange:
    """What the app answered, and how many body bytes it pulled from the client."""

    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    consumed: int = 0

    def json(self) -> Any:
        return json.loads(self.body)


def call(
    app: FastAPI,
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    chunks: Iterator[bytes] = iter(()),
) -> Exchange:
    """One request through the ASGI interface; ``chunks`` is pulled lazily, one per receive()."""
    result = Exchange()
    raw_headers = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *raw_headers],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }

    async def run() -> None:
        done = anyio.Event()
        pending = iter(chunks)
        exhausted = False

        async def receive() -> dict[str, Any]:
            nonlocal exhausted
            if exhausted:
                await done.wait()
                return {"type": "http.disconnect"}
            chunk = next(pending, None)
            if chunk is None:
                exhausted = True
                return {"type": "http.request", "body": b"", "more_body": False}
            result.consumed += len(chunk)
            return {"type": "http.request", "body": chunk, "more_body": True}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                result.status = message["status"]
                result.headers = {k.decode(): v.decode() for k, v in message["headers"]}
            elif message["type"] == "http.response.body":
                result.body += message.get("body", b"")
                if not message.get("more_body"):
                    done.set()

        await app(scope, receive, send)

    anyio.run(run)
    return result


def megabytes(n: int, piece: bytes = b"[" + b"1," * (MIB // 2 - 1) + b"1]") -> Iterator[bytes]:
    """``n`` MiB of body, produced one MiB at a time as the server asks for it."""
    for _ in range(n):
        yield piece


def json_chunks(body: Any, size: int = 64 * 1024) -> Iterator[bytes]:
    data = json.dumps(body).encode()
    for start in range(0, len(data), size):
        yield data[start : start + size]


@pytest.fixture
def small_app(settings, engine) -> FastAPI:
    """The app with a JSON body limit of 64 KiB."""
    return create_app(settings.model_copy(update={"max_json_kb": 64}), engine=engine)


@pytest.fixture
def editor_token(session) -> str:
    agency = make_agency(session, slug="city")
    return make_token(session, make_account(session, role=Role.agency_editor, agency=agency))


# --- authentication before the body -----------------------------------------------------------


@pytest.mark.db
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/v1/algorithms"),
        ("PUT", "/api/v1/algorithms/alg-00000000/draft"),
        ("POST", "/api/v1/agencies"),
        ("POST", "/api/v1/tokens"),
        ("POST", "/api/v1/algorithms/alg-00000000/audits"),
        ("DELETE", "/api/v1/tokens/1"),
    ],
)
def test_an_anonymous_write_is_refused_before_a_byte_of_its_body_is_read(app, method, path):
    sent = call(
        app,
        method,
        path,
        headers={"Content-Type": "application/json", "Content-Length": str(200 * MIB)},
        chunks=megabytes(200),
    )
    assert sent.status == 401
    assert sent.consumed == 0
    assert sent.headers["www-authenticate"] == "Bearer"
    assert sent.json() == {
        "error": {"code": "unauthorized", "message": ERR_TOKEN_REQUIRED, "details": []}
    }
    assert sent.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert sent.headers["x-content-type-options"] == "nosniff"


@pytest.mark.db
@pytest.mark.parametrize(
    "authorization",
    ["Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer not-a-token", "Bearer reg_short", "reg_x"],
)
def test_a_write_with_a_malformed_token_is_refused_before_its_body_is_read(app, authorization):
    sent = call(
        app,
        "POST",
        "/api/v1/algorithms",
        headers={"Authorization": authorization, "Content-Type": "application/json"},
        chunks=megabytes(200),
    )
    assert sent.status == 401
    assert sent.consumed == 0
    assert sent.json()["error"]["message"] in (ERR_TOKEN_REQUIRED, ERR_INVALID_TOKEN)


@pytest.mark.db
def test_an_unknown_but_well_formed_token_costs_at_most_the_json_limit(small_app):
    fake = "Bearer reg_" + "A" * 43
    sent = call(
        small_app,
        "POST",
        "/api/v1/algorithms",
        headers={"Authorization": fake, "Content-Type": "application/json"},
        chunks=megabytes(200),
    )
    assert sent.status == 413
    assert sent.consumed <= 64 * 1024 + MIB  # the limit, plus the chunk that crossed it


@pytest.mark.db
def test_tokens_the_registry_makes_have_the_shape_the_guard_lets_through(editor_token):
    assert TOKEN_SHAPE.fullmatch(editor_token)
    assert token_problem(f"Bearer {editor_token}") is None
    assert token_problem(f"bearer {editor_token}") is None  # the scheme is case-insensitive
    assert token_problem(f"Bearer {editor_token}x") == ERR_INVALID_TOKEN


@pytest.mark.db
def test_reads_stay_anonymous(client):
    assert client.get("/api/v1/algorithms").status_code == 200
    assert client.get("/api/v1/agencies").status_code == 200


# --- the JSON body limit ----------------------------------------------------------------------


@pytest.mark.db
def test_a_declared_length_over_the_limit_is_refused_before_reading(small_app, editor_token):
    sent = call(
        small_app,
        "POST",
        "/api/v1/algorithms",
        headers={
            **auth_headers(editor_token),
            "Content-Type": "application/json",
            "Content-Length": str(65 * 1024),
        },
        chunks=json_chunks({"card": {"name": "x" * 66_000}}),
    )
    assert sent.status == 413
    assert sent.consumed == 0
    assert sent.json() == {
        "error": {
            "code": "payload_too_large",
            "message": ERR_JSON_TOO_LARGE.format(limit_kb=64),
            "details": [],
        }
    }
    assert sent.headers["x-content-type-options"] == "nosniff"


@pytest.mark.db
def test_a_body_without_a_length_is_cut_off_at_the_limit(small_app, editor_token):
    sent = call(
        small_app,
        "POST",
        "/api/v1/algorithms",
        headers={**auth_headers(editor_token), "Content-Type": "application/json"},
        chunks=megabytes(200),
    )
    assert sent.status == 413
    assert sent.consumed <= 64 * 1024 + MIB


@pytest.mark.db
def test_a_body_longer_than_its_declared_length_is_cut_off_at_the_limit(small_app, editor_token):
    sent = call(
        small_app,
        "PUT",
        "/api/v1/algorithms/alg-00000000/draft",
        headers={
            **auth_headers(editor_token),
            "Content-Type": "application/json",
            "Content-Length": "100",
        },
        chunks=megabytes(200),
    )
    assert sent.status == 413
    assert sent.consumed <= 64 * 1024 + MIB


@pytest.mark.db
def test_a_body_under_the_limit_reaches_the_handler_intact(small_app, editor_token):
    body = {"card": card(purpose_and_impact="y" * 3000)}
    sent = call(
        small_app,
        "POST",
        "/api/v1/algorithms",
        headers={**auth_headers(editor_token), "Content-Type": "application/json"},
        chunks=json_chunks(body, size=1000),
    )
    assert sent.status == 201, sent.body
    assert sent.json()["name"] == body["card"]["name"]


@pytest.mark.db
def test_the_limit_applies_whatever_the_content_type_says(small_app, editor_token):
    sent = call(
        small_app,
        "POST",
        "/api/v1/algorithms",
        headers={
            **auth_headers(editor_token),
            "Content-Type": "multipart/form-data; boundary=x",
        },
        chunks=megabytes(200),
    )
    assert sent.status == 413
    assert sent.consumed <= 64 * 1024 + MIB


@pytest.mark.db
def test_audit_uploads_keep_their_own_larger_limit(settings, engine, session):
    from fastapi.testclient import TestClient

    app = create_app(settings.model_copy(update={"max_json_kb": 1}), engine=engine)
    world = make_world(session)
    rows = "f,young,1,1\nm,old,0,1\n" * 2000
    data = ("sex,age_band,pred,label\n" + rows).encode()
    assert len(data) > 10 * 1024
    with TestClient(app) as client:
        response = upload(client, world, data=data, spec=SMALL_SPEC)
    assert response.status_code == 202, response.text


def test_the_json_limit_is_a_setting(monkeypatch):
    assert Settings().max_json_kb == 1024
    monkeypatch.setenv("REGISTRY_MAX_JSON_KB", "256")
    assert Settings().max_json_kb == 256
    with pytest.raises(ValueError):
        Settings(max_json_kb=0)


# --- list and string limits in the card -------------------------------------------------------


def _arrays_and_strings(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    defs = schema.get("$defs", {})

    def walk(node: dict[str, Any], path: str) -> Iterator[tuple[str, dict[str, Any]]]:
        while "$ref" in node:
            node = defs[node["$ref"].rsplit("/", 1)[1]]
        for option in node.get("anyOf", []):
            yield from walk(option, path)
        if node.get("type") in ("array", "string"):
            yield path, node
        if node.get("type") == "array":
            yield from walk(node["items"], path + "[]")
        for name, sub in node.get("properties", {}).items():
            yield from walk(sub, f"{path}.{name}" if path else name)
        if isinstance(node.get("additionalProperties"), dict):
            yield from walk(node["additionalProperties"], path + ".*")

    yield from walk(schema, "")


def test_every_list_and_every_free_text_in_the_card_schema_has_a_documented_limit():
    schema = model_card_json_schema()
    for path, node in _arrays_and_strings(schema):
        if node["type"] == "array":
            assert 0 < node.get("maxItems", 0) <= 500, path
        elif "enum" not in node and node.get("format") != "date" and path.count(".*") == 0:
            assert 0 < node.get("maxLength", 0) <= 4000, path
    assert schema["properties"]["translations"]["maxProperties"] <= 20


def test_the_limits_table_in_the_docs_is_generated_from_the_schema():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "model-card.md").read_text("utf-8")
    table = limits_markdown()
    assert "| `inputs` | 200 items |" in table
    assert "| `name` | 100 characters |" in table
    assert table in doc, "regenerate: python -m registry.cards.crosswalk"


@pytest.mark.parametrize(
    ("data", "loc"),
    [
        ({"inputs": ["x"] * 201}, ["card", "inputs"]),
        ({"risks": [{"name": "r"}] * 101}, ["card", "risks"]),
        ({"evaluation": {"metrics": [{"name": "m", "value": 1}] * 501}}, None),
        (
            {
                "data_sources": [
                    {"name": "d", "role": "training", "sensitive_attributes": ["a"] * 51}
                ]
            },
            None,
        ),
    ],
)
def test_a_card_over_a_list_limit_is_refused_naming_the_list(data, loc):
    with pytest.raises(Invalid) as info:
        validate_draft(data)
    detail = info.value.details[0]
    assert detail["type"] == "too_long"
    if loc:
        assert detail["loc"] == loc


def test_a_card_at_every_list_limit_is_accepted():
    limits = {
        path: node["maxItems"]
        for path, node in _arrays_and_strings(ModelCard.model_json_schema())
        if node["type"] == "array" and "." not in path
    }
    assert validate_draft({"inputs": [f"input {i}" for i in range(limits["inputs"])]})


# --- the number of error details --------------------------------------------------------------


@pytest.mark.db
def test_an_error_lists_at_most_the_first_problems_and_says_how_many_there_were(
    client, editor_token
):
    bad_card = {f"unknown_{i}": i for i in range(300)}
    response = client.post(
        "/api/v1/algorithms", json={"card": bad_card}, headers=auth_headers(editor_token)
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert len(error["details"]) == MAX_ERROR_DETAILS == 50
    assert error["details"][0]["loc"] == ["body", "card", "unknown_0"]
    assert "300" in error["message"] and "first 50" in error["message"]


@pytest.mark.db
def test_request_validation_errors_are_capped_too(app, editor_token):
    from fastapi.testclient import TestClient

    def numbers(body: list[int]) -> int:
        return len(body)

    app.add_api_route("/api/v1/test-numbers", numbers, methods=["POST"])
    with TestClient(app) as client:
        response = client.post(
            "/api/v1/test-numbers", json=["x"] * 400, headers=auth_headers(editor_token)
        )
    assert response.status_code == 422
    error = response.json()["error"]
    assert len(error["details"]) == 50
    assert "400" in error["message"]


@pytest.mark.db
def test_a_console_form_body_over_the_limit_is_refused_while_streaming(small_app):
    """Console forms are signed in by cookie, so the guard asks no token of them, but their size is
    capped like JSON: an anonymous 200 MiB sign-in POST is cut off at the limit."""
    sent = call(
        small_app,
        "POST",
        "/console/sign-in",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        chunks=megabytes(200),
    )
    assert sent.status == 413
    assert sent.consumed <= 64 * 1024 + MIB


@pytest.mark.db
def test_a_console_form_is_not_asked_for_a_bearer_token(small_app):
    sent = call(
        small_app,
        "POST",
        "/console/sign-in",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        chunks=iter([b"email=a%40b.example&password=x"]),
    )
    assert sent.status not in (401, 413)
