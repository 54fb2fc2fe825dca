"""The ``.json`` twins are a public API: each has a published JSON Schema, every twin of every
sample record validates against it in both languages, and a breaking change cannot slip in."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from sqlmodel import select

from registry.i18n import SUPPORTED_LANGUAGES
from registry.models import Account, Algorithm, Audit
from registry.pages import routes_accountability, routes_info, routes_records, routes_register
from registry.pages.twin_schemas import (
    TWINS,
    breaking_changes,
    check_committed,
    committed_text,
    twin_schema,
)
from registry.paths import SAMPLES_DIR
from registry.services.audits.publication import withdraw_audit
from registry.services.clock import FixedClock
from registry.services.demo import load_demo
from tests.pages.world import build_world
from tests.registry.factories import T0

ROOT = Path(__file__).resolve().parents[2]


def closed(schema: Any) -> Any:
    """The schema with ``additionalProperties: false`` on every object with named properties.

    The published schemas allow unknown fields (adding one is not breaking); validating against the
    closed form proves the schema names every field a twin actually carries.
    """
    if isinstance(schema, list):
        return [closed(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: closed(value) for key, value in schema.items()}
    if "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


def _page_route_names() -> set[str]:
    names = set()
    for module in (routes_records, routes_register, routes_info, routes_accountability):
        for route in module.router.routes:
            name = getattr(route, "name", "")
            if name.endswith(".json"):
                names.add(name.removesuffix(".json"))
    return names


def test_every_page_with_a_json_twin_has_a_published_schema():
    assert _page_route_names() == set(TWINS)


@pytest.mark.parametrize("page", sorted(TWINS))
def test_each_schema_is_valid_json_schema_2020_12(page):
    schema = twin_schema(page, base_url="https://register.example")
    Draft202012Validator.check_schema(schema)
    assert schema["$id"] == f"https://register.example/api/v1/schema/pages/{page}.json"
    assert schema["x-version"] >= 1 and schema["x-twin"].endswith(".json")


def test_committed_schemas_match_the_view_model_types():
    """docs/schemas/pages/*.json are what the types generate (python -m registry.pages.twin_schemas
    rewrites them), so every change to a twin's shape shows up in review."""
    assert check_committed() == []
    for page in TWINS:
        committed = (ROOT / "docs" / "schemas" / "pages" / f"{page}.json").read_text("utf-8")
        assert committed == committed_text(page)


def test_docs_link_every_published_schema():
    text = (ROOT / "docs" / "pages.md").read_text(encoding="utf-8")
    for page in TWINS:
        assert f"(schemas/pages/{page}.json)" in text, page
        assert f"/api/v1/schema/pages/{page}.json" in text, page


# --- the schemas are served -----------------------------------------------------------------------


def test_schema_index_lists_every_twin_with_its_version_and_url(client, settings):
    response = client.get("/api/v1/schema/pages")
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    pages = {entry["page"]: entry for entry in response.json()["pages"]}
    assert set(pages) == set(TWINS)
    base = "http://testserver"  # no REGISTRY_BASE_URL: the host the request came to
    for page, entry in pages.items():
        assert entry["schema_url"] == f"{base}/api/v1/schema/pages/{page}.json"
        assert entry["version"] == TWINS[page].version
        assert entry["twin"] == TWINS[page].twin
        served = client.get(f"/api/v1/schema/pages/{page}.json")
        assert served.status_code == 200
        assert served.json() == twin_schema(page, base_url=base)


def test_unknown_page_schema_is_a_404_naming_the_pages(client):
    response = client.get("/api/v1/schema/pages/nothing.json")
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "not_found"
    assert "'nothing'" in error["message"] and "audit" in error["message"]


# --- every twin of every sample record validates ---------------------------------------------


def _twin_urls(client: Any, session: Any, lang: str) -> Iterator[tuple[str, str]]:
    """(page, URL) of every twin of the register: each agency, each public algorithm (read from
    the database, not from search), each of its versions, diffs and audits; search results with
    filters and every page of them."""
    headers = {"Accept-Language": lang}
    yield "home", "/index.json"
    yield "home", "/index.json?q=benefit&scenario=public_services"
    yield "home", "/index.json?latest_verdict=not_audited"
    yield "agencies", "/agencies.json"
    yield "audits", "/audits.json"
    yield "audits", "/audits.json?verdict=inconclusive&kind=independent&published_from=2024-01-01"
    yield "compare_agencies", "/compare/agencies.json"
    yield "compare_agencies", "/compare/agencies.json?sort=failed_audits&order=asc"
    yield "methods", "/methods.json"
    yield "about", "/about.json"
    for agency in client.get("/agencies.json", headers=headers).json()["agencies"]:
        yield "agency", f"/agencies/{agency['slug']}.json"
    page_url: str | None = "/index.json?page=2"
    while page_url:
        yield "home", page_url
        page_url = client.get(page_url, headers=headers).json()["next_url"]
    public_ids = sorted(
        a.public_id
        for a in session.exec(select(Algorithm).where(Algorithm.current_version.is_not(None)))  # type: ignore[union-attr]
    )
    audits = set()
    for public_id in public_ids:
        base = f"/algorithms/{public_id}"
        yield "algorithm", f"{base}.json"
        yield "versions", f"{base}/versions.json"
        record = client.get(f"{base}.json", headers=headers).json()
        last = record["current_version"]
        for number in range(1, last + 1):
            yield "version", f"{base}/versions/{number}.json"
            if number > 1:
                yield "diff", f"{base}/diff.json?from={number - 1}&to={number}"
        yield "diff", f"{base}/diff.json" + (f"?from={last}&to=1" if last > 1 else "")
        audits.update(audit["id"] for audit in record["audits"])
    for audit_id in sorted(audits):
        yield "audit", f"/audits/{audit_id}.json"


@pytest.mark.db
def test_every_json_twin_validates_against_its_schema_in_both_languages(client, session, settings):
    """The demo register and the page-test world (small cells, translations, a retired record, a
    withdrawn audit), every page of it, in English and Chinese."""
    settings.page_size = 5  # so lists have a second page and next_url / prev_url are links
    load_demo(session, SAMPLES_DIR, clock=FixedClock(T0))
    world = build_world(session)
    audit = session.exec(select(Audit).where(Audit.public_id == world.audit_id)).one()
    submitter = session.get(Account, audit.submitter_id)
    assert submitter is not None
    withdraw_audit(session, actor=submitter, audit=audit, reason="Wrong sample.", now=T0)
    validators = {
        page: Draft202012Validator(closed(client.get(f"/api/v1/schema/pages/{page}.json").json()))
        for page in TWINS
    }
    failures = []
    seen: dict[str, int] = {}
    for lang in SUPPORTED_LANGUAGES:
        headers = {"Accept-Language": lang}
        for page, url in _twin_urls(client, session, lang):
            response = client.get(url, headers=headers)
            assert response.status_code == 200, (lang, url, response.text[:500])
            twin = response.json()
            assert twin["lang"] == lang, url
            seen[page] = seen.get(page, 0) + 1
            for error in validators[page].iter_errors(twin):
                path = "/".join(str(p) for p in error.absolute_path)
                failures.append(f"{lang} {url} at {path}: {error.message[:200]}")
    assert failures == []
    assert set(seen) == set(TWINS)
    assert seen["audit"] >= 2 * 4 and seen["algorithm"] >= 2 * 10, seen  # demo audits, records


@pytest.mark.db
def test_a_twin_that_drifts_from_its_schema_fails_validation(client, world):
    """The check can fail: a missing field, a wrong type and an undeclared field are all caught."""
    schema = closed(twin_schema("audit"))
    validator = Draft202012Validator(schema)
    twin = client.get(f"/audits/{world.audit_id}.json").json()
    validator.validate(twin)
    missing = copy.deepcopy(twin)
    del missing["attributes"][0]["tables"][0]["chart"]
    wrong = copy.deepcopy(twin)
    wrong["attributes"][0]["tables"][0]["rows"][0]["rate"] = "20%"
    extra = copy.deepcopy(twin)
    extra["provenance"]["undeclared"] = 1
    for broken in (missing, wrong, extra):
        with pytest.raises(ValidationError):
            validator.validate(broken)
    # The published (open) schema lets a reader accept a field added later.
    Draft202012Validator(twin_schema("audit")).validate(extra)


# --- breaking or not ------------------------------------------------------------------------------


def _object(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": sorted(properties)}


NUMBER = {"type": "number"}
TEXT = {"type": "string"}


def test_adding_a_field_or_rewording_is_not_breaking():
    old = {**_object(a=NUMBER), "$defs": {"Row": _object(x=TEXT)}}
    new = copy.deepcopy(old)
    new["properties"]["b"] = TEXT
    new["$defs"]["Row"]["properties"]["y"] = NUMBER
    new["properties"]["a"] = {**NUMBER, "description": "Now explained."}
    assert breaking_changes(old, new) == []


def test_removing_renaming_retyping_or_making_optional_is_breaking():
    old = {
        **_object(a=NUMBER, b=TEXT, rows={"type": "array", "items": {"$ref": "#/$defs/Row"}}),
        "$defs": {"Row": _object(x=TEXT, y={"anyOf": [NUMBER, {"type": "null"}]})},
    }
    new = copy.deepcopy(old)
    del new["properties"]["b"]  # removed (or renamed: the old name is gone)
    new["properties"]["a"] = TEXT  # type changed
    new["required"] = ["rows"]  # a may now be absent
    new["$defs"]["Row"]["properties"]["y"] = NUMBER  # nested, behind a $ref: null no longer...
    new["$defs"]["Row"]["properties"]["x"] = {"type": "integer"}
    found = breaking_changes(old, new)
    assert any(line.startswith("$.b: removed") for line in found)
    assert any(line.startswith("$.a:") and "changed" in line for line in found)
    assert "$.a: no longer always present" in found
    assert any(line.startswith("$.rows<items>.x:") for line in found)
    assert any(line.startswith("$.rows<items>.y:") for line in found)


def test_recursive_types_are_compared_once():
    value = {"anyOf": [_object(text=TEXT), {"$ref": "#/$defs/List"}]}
    old = {
        **_object(value={"$ref": "#/$defs/Value"}),
        "$defs": {
            "Value": value,
            "List": _object(items={"type": "array", "items": {"$ref": "#/$defs/Value"}}),
        },
    }
    assert breaking_changes(old, copy.deepcopy(old)) == []


def test_committed_schema_check_refuses_a_breaking_change_without_a_new_version(tmp_path):
    for page in TWINS:
        (tmp_path / f"{page}.json").write_text(committed_text(page), encoding="utf-8")
    assert check_committed(tmp_path) == []
    old = json.loads(committed_text("audit"))
    old["properties"]["retired_field"] = TEXT  # the types no longer have it: a removal
    (tmp_path / "audit.json").write_text(json.dumps(old), encoding="utf-8")
    [problem] = check_committed(tmp_path)
    assert problem.startswith("audit.json: breaking change without a new version")
    assert "$.retired_field: removed" in problem
    old["x-version"] = 0  # the committed copy was an older version: the change was versioned
    (tmp_path / "audit.json").write_text(json.dumps(old), encoding="utf-8")
    assert check_committed(tmp_path) == ["audit.json: out of date (run python -m "
                                         "registry.pages.twin_schemas)"]  # fmt: skip
    del old["properties"]["retired_field"]
    old["x-version"] = 1
    del old["properties"]["notes"]  # the types added a field since: not breaking
    (tmp_path / "audit.json").write_text(json.dumps(old), encoding="utf-8")
    assert check_committed(tmp_path)[0].endswith("out of date (run python -m "
                                                 "registry.pages.twin_schemas)")  # fmt: skip
