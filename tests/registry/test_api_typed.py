"""Typed API answers: every endpoint declares its response model, the OpenAPI document describes the
audit views and the multipart upload, and the typed answers equal the views the services build."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from registry.models import Audit
from registry.models.audit_view import AuditPrivateView, AuditPublicView, AuditView
from registry.services.audits.disclosure import private_audit_view, public_audit_view
from registry.services.audits.publication import withdraw_audit
from tests.registry.audit_fixtures import (
    SMALL_CSV,
    SMALL_SPEC,
    audit_rows,
    drain,
    make_world,
    sample_files,
    upload,
)
from tests.registry.test_audit_publication import SKEWED_CSV, SKEWED_SPEC

SCHEMA_REF = "#/components/schemas/"


def _named_models(schema: Any) -> list[str]:
    return [ref.removeprefix(SCHEMA_REF) for ref in _refs(schema)]


def _refs(value: Any) -> list[str]:
    if isinstance(value, dict):
        own = [value["$ref"]] if "$ref" in value else []
        return own + [r for v in value.values() for r in _refs(v)]
    if isinstance(value, list):
        return [r for v in value for r in _refs(v)]
    return []


def test_every_api_operation_documents_a_typed_success_answer(app) -> None:
    """A handler returning a bare dict would show as ``{"type": "object"}`` in /docs: each 2xx
    answer under /api/v1 is a named model (or a list of one)."""
    paths = app.openapi()["paths"]
    operations = [
        (method, path, operation)
        for path, by_method in paths.items()
        if path.startswith("/api/v1/")
        for method, operation in by_method.items()
    ]
    assert len(operations) > 20
    untyped = []
    for method, path, operation in operations:
        code, success = next((k, v) for k, v in operation["responses"].items() if k.startswith("2"))
        if code == "204":  # No Content: nothing to type, and nothing may be documented
            assert "content" not in success, f"{method.upper()} {path}"
            continue
        schema = success["content"]["application/json"]["schema"]
        if not _named_models(schema):
            untyped.append(f"{method.upper()} {path}: {schema}")
    assert untyped == []


def test_errors_are_documented_in_the_registry_error_shape(app) -> None:
    document = app.openapi()
    operation = document["paths"]["/api/v1/audits/{audit_id}"]["get"]
    error = operation["responses"]["404"]["content"]["application/json"]["schema"]
    assert error == {"$ref": SCHEMA_REF + "ErrorResponse"}
    # FastAPI's own {"detail": [...]} validation shape is not ours and is documented nowhere.
    assert "HTTPValidationError" not in document["components"]["schemas"]
    body = document["components"]["schemas"]["ErrorBody"]
    assert set(body["required"]) == {"code", "message", "details"}


def test_audit_read_is_documented_as_the_private_or_the_public_view(app) -> None:
    document = app.openapi()
    answer = document["paths"]["/api/v1/audits/{audit_id}"]["get"]["responses"]["200"]
    refs = {v["$ref"] for v in answer["content"]["application/json"]["schema"]["oneOf"]}
    assert refs == {SCHEMA_REF + "AuditPrivateView", SCHEMA_REF + "AuditPublicView"}
    schemas = document["components"]["schemas"]
    public = schemas["AuditPublicView"]
    assert {"suppression", "report", "counts", "verdict", "checks"} <= set(public["properties"])
    assert "job" not in public["properties"]
    report = schemas["AuditReportDocument"]
    assert {"groups", "metrics", "comparisons", "checks", "provenance"} <= set(report["required"])
    # A withheld number is documented next to the number it replaces.
    group_n = json.dumps(schemas["GroupRow"]["properties"]["n"])
    assert SCHEMA_REF + "Withheld" in group_n and '"number"' in group_n


@pytest.mark.parametrize("path", ["/audits", "/audits/counts"])
def test_upload_body_is_described_as_multipart_with_file_spec_and_version(app, path) -> None:
    operation = app.openapi()["paths"][f"/api/v1/algorithms/{{public_id}}{path}"]["post"]
    form = operation["requestBody"]["content"]["multipart/form-data"]
    assert operation["requestBody"]["required"] is True
    schema = form["schema"]
    assert schema["required"] == ["file", "spec"]
    assert schema["properties"]["file"]["format"] == "binary"
    assert schema["properties"]["spec"]["type"] == "string"
    json.loads(schema["properties"]["spec"]["example"])  # the example is valid JSON text
    assert schema["properties"]["version"]["type"] == "integer"
    answer = operation["responses"]["202"]["content"]["application/json"]["schema"]
    assert answer == {"$ref": SCHEMA_REF + "AuditPrivateView"}


def _documented_form(app: Any, path: str) -> dict[str, Any]:
    operation = app.openapi()["paths"][path]["post"]
    return operation["requestBody"]["content"]["multipart/form-data"]["schema"]


@pytest.mark.db
def test_an_upload_built_from_the_documented_form_is_accepted(client, app, session) -> None:
    """What Swagger UI's "Try it out" sends: exactly the documented parts, spec as JSON text."""
    world = make_world(session)
    documented = _documented_form(app, "/api/v1/algorithms/{public_id}/audits")
    parts = set(documented["properties"])
    assert parts == {"file", "spec", "version"}
    response = client.post(
        f"/api/v1/algorithms/{world.algorithm.public_id}/audits",
        headers=world.headers("auditor"),
        files={
            "file": ("sample.csv", SMALL_CSV, "application/octet-stream"),
            "spec": (None, json.dumps(SMALL_SPEC), "application/json"),
            "version": (None, "1"),
        },
    )
    assert response.status_code == 202, response.text
    TypeAdapter(AuditPrivateView).validate_python(response.json())

    data, spec = sample_files("tax-audit-selection")
    counts = client.post(
        f"/api/v1/algorithms/{world.algorithm.public_id}/audits/counts",
        headers=world.headers("auditor"),
        files={
            "file": (data.name, data.read_bytes(), "text/csv"),
            "spec": (None, spec.read_text(), "application/json"),
        },
    )
    assert counts.status_code == 202, counts.text


def _as_json(value: Any) -> Any:
    return json.loads(json.dumps(value))


def _stored(session: Any, audit_id: str) -> Audit:
    session.expire_all()
    return next(a for a in audit_rows(session) if a.public_id == audit_id)


@pytest.mark.db
def test_typed_answers_equal_the_service_views_in_every_state(client, app, session, settings):
    """Queued, failed, succeeded, published with small cells withheld, responded, withdrawn: the
    typed answer is the service's view, key for key (nothing dropped, nothing added)."""
    world = make_world(session)
    k = settings.small_cell_k
    queued = upload(client, world).json()["id"]
    assert client.get(f"/api/v1/audits/{queued}", headers=world.headers("auditor")).json() == (
        _as_json(private_audit_view(_stored(session, queued)))
    )
    failing = upload(client, world, data=b"sex,age_band,pred,label\n" + b"f,y,1,2\n" * 40)
    skewed = upload(client, world, data=SKEWED_CSV, spec=SKEWED_SPEC).json()["id"]
    drain(app)
    failed = client.get(f"/api/v1/audits/{failing.json()['id']}", headers=world.headers("auditor"))
    assert failed.json()["state"] == "failed"
    assert failed.json() == _as_json(private_audit_view(_stored(session, failing.json()["id"])))

    auditor = world.headers("auditor")
    published = client.post(f"/api/v1/audits/{skewed}/publish", headers=auditor).json()
    assert published == _as_json(private_audit_view(_stored(session, skewed)))
    responded = client.post(
        f"/api/v1/audits/{skewed}/response", headers=world.headers("editor"), json={}
    ).json()
    public = _as_json(public_audit_view(_stored(session, skewed), k=k))
    assert responded == public  # the editor of an independent audit reads the public view
    anonymous = client.get(f"/api/v1/audits/{skewed}").json()
    assert anonymous == public
    assert "<10" in json.dumps(anonymous["report"])  # the small group really is withheld
    assert client.get(f"/api/v1/audits/{skewed}", headers=auditor).json() == _as_json(
        private_audit_view(_stored(session, skewed))
    )

    listing = client.get(f"/api/v1/algorithms/{world.algorithm.public_id}/audits").json()
    assert [item["id"] for item in listing["items"]] == [skewed]
    expected = {key: v for key, v in public.items() if key not in ("report", "counts", "spec")}
    assert listing["items"] == [expected]

    withdraw_audit(
        session, actor=world.auditor, audit=_stored(session, skewed), reason="Wrong file.",
        now=_stored(session, skewed).updated_at,
    )  # fmt: skip
    withdrawn = client.get(f"/api/v1/audits/{skewed}").json()
    assert withdrawn["withdrawn"]["reason"] == "Wrong file."
    assert withdrawn == _as_json(public_audit_view(_stored(session, skewed), k=k))


@pytest.mark.db
def test_views_of_every_sample_audit_validate_against_the_models(client, app, session, settings):
    """The bundled sample audits (samples/predictions) in both views: typed, and unchanged."""
    world = make_world(session)
    names = ["tax-audit-selection", "hospital-triage-priority", "jobseeker-programme-selection"]
    ids = []
    for name in names:
        data, spec = sample_files(name)
        response = upload(
            client, world, data=data.read_bytes(), spec=spec.read_text(), filename=data.name,
            counts=".counts." in data.name,
        )  # fmt: skip
        assert response.status_code == 202, (name, response.text)
        ids.append(response.json()["id"])
    drain(app)
    adapter: TypeAdapter[Any] = TypeAdapter(AuditView)
    for audit_id in ids:
        audit = _stored(session, audit_id)
        assert audit.state == "succeeded", audit.error
        for view in (private_audit_view(audit), public_audit_view(audit, k=settings.small_cell_k)):
            own: TypeAdapter[Any] = TypeAdapter(
                AuditPublicView if view["suppression"] else AuditPrivateView
            )
            assert own.dump_python(own.validate_python(view), mode="json") == _as_json(view)
            assert json.loads(adapter.dump_json(adapter.validate_python(view))) == _as_json(view)


def test_a_view_key_the_model_does_not_name_is_refused_not_dropped() -> None:
    """A key added to the views without its model would otherwise vanish from the API silently."""
    view = {
        "id": "aud-0000000001", "suppression": None, "unexpected": 1,
    }  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        TypeAdapter(AuditView).validate_python(view)
    assert any(e["loc"][-1] == "unexpected" for e in caught.value.errors())
