"""Characters no text on the register may hold: NUL and the other control characters (except tab,
line feed and carriage return), U+FFFE, U+FFFF and lone surrogates.

They crashed PostgreSQL lookups (a NUL byte in a query or path was a 500 for anyone) and made the
Atom feeds ill-formed XML. Every text input refuses them with a 422 naming the field; a path holding
one is an id that cannot exist (404).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from registry.cards import ModelCard, model_card_json_schema, validate_draft
from registry.cards.value_types import (
    ERR_FORBIDDEN_CHARACTER,
    find_forbidden_character,
    refuse_forbidden_characters,
)
from registry.errors import Invalid
from registry.models import AccountCreate, AgencyCreate, Role
from tests.registry.audit_fixtures import make_world, upload
from tests.registry.factories import (
    auth_headers,
    card,
    make_account,
    make_agency,
    make_draft_algorithm,
    make_token,
)

# The characters the issue reported, plus the rest of the classes the rule covers.
FORBIDDEN = ["\x00", "\x0b", "\x1b", "\x7f", "\x85", "\ufffe", "\uffff", "\ud800", "\udfff"]
ALLOWED = ["\t", "\n", "\r", " ", "é", "中", "\u00a0", "\U0001f600", "\ufffd"]


def _json(body: Any) -> dict[str, Any]:
    """Request arguments that send ``body`` as JSON with every non-ASCII character escaped, so a
    lone surrogate travels as the six characters ``\\ud800`` like any JSON client would send it."""
    return {
        "content": json.dumps(body, ensure_ascii=True),
        "headers": {"Content-Type": "application/json"},
    }


# --- the rule itself -------------------------------------------------------------------------


@pytest.mark.parametrize("char", FORBIDDEN)
def test_the_rule_finds_each_forbidden_character_and_says_where(char):
    found = find_forbidden_character(f"ab{char}c")
    assert found is not None
    assert found.index == 2 and found.char == char
    assert f"U+{ord(char):04X}" in found.describe()


@pytest.mark.parametrize("char", ALLOWED)
def test_the_rule_allows_tab_newlines_and_ordinary_text(char):
    assert find_forbidden_character(f"a{char}b") is None
    assert refuse_forbidden_characters(f"a{char}b") == f"a{char}b"


def test_the_error_message_names_the_code_point_and_position():
    from pydantic_core import PydanticCustomError

    with pytest.raises(PydanticCustomError) as info:
        refuse_forbidden_characters("name\x00")
    assert info.value.type == "forbidden_character"
    assert info.value.message() == ERR_FORBIDDEN_CHARACTER.format(found="U+0000 at position 5")


# --- every text field of the card --------------------------------------------------------------


def _string_paths(schema: dict[str, Any]) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    """Every place in the card's JSON Schema that holds a string, as (path, string schema).

    A list contributes index 0, a map (translations) the key ``fr``.
    """
    defs = schema.get("$defs", {})

    def resolve(node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            node = defs[node["$ref"].rsplit("/", 1)[1]]
        return node

    found: list[tuple[tuple[Any, ...], dict[str, Any]]] = []

    def walk(node: dict[str, Any], path: tuple[Any, ...]) -> None:
        node = resolve(node)
        for option in node.get("anyOf", []):
            walk(option, path)
        kind = node.get("type")
        if kind == "string":
            found.append((path, node))
        elif kind == "array":
            walk(node["items"], (*path, 0))
        elif kind == "object":
            for name, sub in node.get("properties", {}).items():
                walk(sub, (*path, name))
            if isinstance(node.get("additionalProperties"), dict):
                walk(node["additionalProperties"], (*path, "fr"))

    walk(schema, ())
    return found


def _nest(path: tuple[Any, ...], value: Any) -> Any:
    for part in reversed(path):
        value = [value] if part == 0 else {part: value}
    return value


STRING_PATHS = _string_paths(ModelCard.model_json_schema(mode="validation"))


def test_the_walk_reaches_every_kind_of_text_field():
    paths = {path for path, _ in STRING_PATHS}
    assert ("name",) in paths and ("inputs", 0) in paths
    assert ("suppliers", 0, "name") in paths and ("evaluation", "metrics", 0, "group") in paths
    assert ("translations", "fr", "summary") in paths and ("contact", "email") in paths
    assert ("data_sources", 0, "sensitive_attributes", 0) in paths
    assert len(paths) > 80


@pytest.mark.parametrize("char", ["\x00", "\x0b", "\x1b", "\ufffe", "\ud800"])
def test_every_text_field_of_the_card_refuses_forbidden_characters(char):
    """The character is reported at the field's own path, ahead of any format rule."""
    for path, node in STRING_PATHS:
        if "enum" in node or node.get("format") == "date":
            continue  # a controlled value or a date: refused as not one of the allowed values
        data = _nest(path, f"ok{char}ok")
        with pytest.raises(Invalid) as info:
            validate_draft(data)
        details = {tuple(d["loc"]): d for d in info.value.details}
        assert ("card", *path) in details, (path, info.value.details)
        assert details["card", *path]["type"] == "forbidden_character", path


def test_a_map_key_with_a_forbidden_character_is_refused():
    with pytest.raises(Invalid) as info:
        validate_draft({"translations": {"fr\x00": {"name": "x"}}})
    assert any(d["loc"][:2] == ["card", "translations"] for d in info.value.details)


def test_whitespace_like_control_characters_are_not_trimmed_away():
    """U+000B and U+001C-U+001F count as whitespace for str.strip(); they must still be refused."""
    for char in ("\x0b", "\x0c", "\x1c", "\x1f", "\x85"):
        with pytest.raises(Invalid) as info:
            validate_draft({"name": f"{char}Name{char}"})
        assert info.value.details[0]["type"] == "forbidden_character"


def test_tabs_and_newlines_stay_allowed_in_card_text():
    stored = validate_draft({"purpose_and_impact": "Line one\r\n\tLine two\nLine three"})
    assert stored["purpose_and_impact"] == "Line one\r\n\tLine two\nLine three"


def test_the_json_schema_states_the_rule_on_text_fields():
    assert "control characters" in model_card_json_schema()["description"]


# --- API input models --------------------------------------------------------------------------


def test_agency_and_account_input_models_refuse_forbidden_characters():
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as info:
        AgencyCreate(slug="ok", name="Agency\x00", name_translations={"zh-CN": "机构\x1b"})
    kinds = {(e["loc"], e["type"]) for e in info.value.errors()}
    assert (("name",), "forbidden_character") in kinds
    assert (("name_translations",), "forbidden_character") in kinds
    with pytest.raises(ValidationError) as info:
        AccountCreate(email="a@example.gov", display_name="A\ufffe", role=Role.auditor)
    assert info.value.errors()[0]["loc"] == ("display_name",)


# --- over HTTP, anonymously: reads ------------------------------------------------------------


@pytest.mark.db
@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/api/v1/algorithms?q=a%00b", "q"),
        ("/api/v1/algorithms?agency=a%00b", "agency"),
        ("/api/v1/algorithms?cursor=%00", "cursor"),
        ("/api/v1/algorithms?q=a%0Bb", "q"),
        ("/api/v1/algorithms?q=a%1Bb", "q"),
        ("/api/v1/algorithms?q=a%EF%BF%BEb", "q"),
    ],
)
def test_api_query_parameters_with_a_forbidden_character_are_a_422_naming_the_parameter(
    client, path, param
):
    response = client.get(path)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["details"][0]["loc"] == ["query", param]
    assert error["details"][0]["type"] == "forbidden_character"


@pytest.mark.db
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/agencies/a%00b",
        "/api/v1/audits/aud-%00",
        "/api/v1/algorithms/alg-a%00b",
        "/api/v1/algorithms/alg-a%00b/versions",
        "/api/v1/algorithms/alg-a%1Bb/audits",
    ],
)
def test_api_paths_with_a_forbidden_character_are_not_found(client, path):
    response = client.get(path)
    assert response.status_code == 404, response.text
    assert response.json()["error"]["code"] == "not_found"
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.db
@pytest.mark.parametrize(
    "path",
    ["/algorithms/alg-a%00b", "/agencies/a%00b", "/audits/aud-%00", "/agencies/a%00b/feed.atom"],
)
def test_page_paths_with_a_forbidden_character_are_the_html_not_found_page(client, path):
    response = client.get(path)
    assert response.status_code == 404, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert "content-security-policy" in response.headers
    assert "\x00" not in response.text


@pytest.mark.db
def test_a_page_query_with_a_forbidden_character_is_the_html_422_page(client):
    response = client.get("/?q=a%00b")
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert "q" in response.text and "\x00" not in response.text
    twin = client.get("/index.json?q=a%00b")
    assert twin.status_code == 422
    assert twin.json()["error"]["code"] == "invalid"


# --- over HTTP: writes ------------------------------------------------------------------------


@pytest.fixture
def editor_world(session):
    agency = make_agency(session, slug="city")
    editor = make_account(session, role=Role.agency_editor, agency=agency)
    admin = make_account(session, role=Role.admin)
    algorithm = make_draft_algorithm(session, agency=agency, editor=editor)
    return {
        "algorithm": algorithm.public_id,
        "editor": auth_headers(make_token(session, editor)),
        "admin": auth_headers(make_token(session, admin)),
    }


@pytest.mark.db
@pytest.mark.parametrize("char", ["\x00", "\x0b", "\x1b", "\ufffe", "\ud800"])
def test_card_writes_refuse_forbidden_characters_and_name_the_field(client, editor_world, char):
    bad = card(name=f"Benefit{char}triage", inputs=["income", f"house{char}hold"])
    created = client.post(
        "/api/v1/algorithms", **_with(_json({"card": bad}), editor_world["editor"])
    )
    assert created.status_code == 422, created.text
    locs = {tuple(d["loc"]) for d in created.json()["error"]["details"]}
    assert locs == {("body", "card", "name"), ("body", "card", "inputs", 1)}
    saved = client.put(
        f"/api/v1/algorithms/{editor_world['algorithm']}/draft",
        **_with(_json({"card": bad}), editor_world["editor"]),
    )
    assert saved.status_code == 422, saved.text


def _with(kwargs: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
    return {**kwargs, "headers": {**kwargs["headers"], **headers}}


@pytest.mark.db
@pytest.mark.parametrize(
    ("method", "path", "who", "body", "loc"),
    [
        ("post", "/api/v1/agencies", "admin", {"slug": "x", "name": "A\x00"}, ["body", "name"]),
        (
            "post",
            "/api/v1/agencies",
            "admin",
            {"slug": "x", "name": "A", "name_translations": {"zh-CN": "\x00"}},
            ["body", "name_translations"],
        ),
        (
            "post",
            "/api/v1/accounts",
            "admin",
            {"email": "a@example.gov", "display_name": "A\x1b", "role": "auditor"},
            ["body", "display_name"],
        ),
        ("post", "/api/v1/tokens", "editor", {"name": "laptop\x00"}, ["body", "name"]),
        (
            "post",
            "/api/v1/algorithms",
            "editor",
            {"source_id": "x\x00", "card": {}},
            ["body", "source_id"],
        ),
        (
            "post",
            "/api/v1/algorithms/{alg}/publish",
            "admin",
            {"change_summary": "Fixed\x00"},
            ["body", "change_summary"],
        ),
        (
            "post",
            "/api/v1/algorithms/{alg}/retire",
            "editor",
            {"reason": "Stopped\ufffe"},
            ["body", "reason"],
        ),
        (
            "post",
            "/api/v1/audits/aud-0000000000/withdraw",
            "editor",
            {"reason": "\x00"},
            ["body", "reason"],
        ),
        (
            "post",
            "/api/v1/audits/aud-0000000000/response",
            "editor",
            {"text": "We agree\x00"},
            ["body", "text"],
        ),
    ],
)
def test_every_api_write_refuses_forbidden_characters_and_names_the_field(
    client, editor_world, session, method, path, who, body, loc
):
    url = path.format(alg=editor_world["algorithm"])
    response = client.request(method.upper(), url, **_with(_json(body), editor_world[who]))
    assert response.status_code == 422, response.text
    detail = response.json()["error"]["details"][0]
    assert detail["loc"] == loc
    assert detail["type"] == "forbidden_character"
    assert "U+" in detail["msg"]


@pytest.mark.db
@pytest.mark.parametrize(
    ("spec_text", "loc"),
    [
        ('{"columns": {"prediction": "pred\u0000"}}', ["spec"]),
        (
            '{"columns": {"prediction": "pred", "label": "label", '
            '"sensitive_features": ["sex"]}, "sample": {"source": "files\\u0000"}}',
            ["spec", "sample", "source"],
        ),
        (
            '{"columns": {"prediction": "pred", "label": "label", '
            '"sensitive_features": ["sex\\u001b"]}}',
            ["spec", "columns", "sensitive_features", 0],
        ),
    ],
)
def test_multipart_text_parts_refuse_forbidden_characters(client, session, spec_text, loc):
    world = make_world(session)
    response = upload(client, world, spec=spec_text)
    assert response.status_code == 422, response.text
    detail = response.json()["error"]["details"][0]
    assert detail["loc"] == loc
    assert detail["type"] == "forbidden_character"


@pytest.mark.db
def test_multipart_version_part_with_a_nul_is_refused(client, session):
    world = make_world(session)
    response = upload(client, world, version="1\x00")
    assert response.status_code == 422, response.text
    assert response.json()["error"]["details"][0]["loc"] == ["version"]
