"""Audits through the JSON API: submit, run, read, and every bad upload leaving nothing behind."""

from __future__ import annotations

import gzip
import json

import pytest

from registry.models import Audit, AuditState
from registry.services.cards import algorithms as algorithms
from registry.services.events import list_events
from tests.registry.audit_fixtures import (
    SMALL_CSV,
    SMALL_SPEC,
    audit_rows,
    drain,
    leftovers,
    make_world,
    upload,
)
from tests.registry.factories import T0, make_draft_algorithm

pytestmark = pytest.mark.db


@pytest.fixture
def world(session):
    return make_world(session)


def test_submit_queues_then_worker_stores_results(client, app, session, settings, world) -> None:
    response = upload(client, world)
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["state"] == "queued"
    assert body["kind"] == "independent"
    assert body["visibility"] == "private"
    assert response.headers["location"] == f"/api/v1/audits/{body['id']}"
    assert body["spec"]["favourable_outcome"] == "beneficial"  # from the card
    assert len(leftovers(settings)) == 1

    assert drain(app) == [body["id"]]
    done = client.get(body["api_url"], headers=world.headers("auditor")).json()
    assert done["state"] == "succeeded"
    assert done["verdict"] in ("pass", "fail", "inconclusive")
    assert done["report"]["provenance"]["input"]["sha256"] == done["sample"]["sha256"]
    assert done["counts"]["attributes"] == ["sex", "age_band"]
    assert done["checks"] and {"name", "verdict"} <= set(done["checks"][0])
    assert leftovers(settings) == []  # raw sample deleted, sha256 kept
    actions = [e.action for e in list_events(session, subject_type="audit", subject_id=body["id"])]
    assert actions == ["audit.submitted", "audit.succeeded"]


def test_editor_of_the_agency_submits_a_self_assessment(client, world) -> None:
    response = upload(client, world, who="editor")
    assert response.status_code == 202
    assert response.json()["kind"] == "self_assessment"


def test_keep_samples_keeps_the_file(client, app, settings, world) -> None:
    settings.keep_samples = True
    upload(client, world)
    drain(app)
    assert len(leftovers(settings)) == 1


def test_progress_is_visible_while_queued_and_failed_audit_carries_engine_message(
    client, app, world
) -> None:
    bad_labels = b"sex,age_band,pred,label\n" + b"f,young,1,2\nm,old,0,1\nf,old,1,0\n" * 20
    body = upload(client, world, data=bad_labels).json()
    assert client.get(body["api_url"], headers=world.headers("auditor")).json()["state"] == "queued"
    drain(app)
    failed = client.get(body["api_url"], headers=world.headers("auditor")).json()
    assert failed["state"] == "failed"
    assert failed["error"]["column"] == "label"
    assert "must hold two classes" in failed["error"]["message"]
    assert failed["error"]["row"] == 2  # '2' is the odd one out among 0/1 labels
    assert failed["report"] is None and failed["counts"] is None


def test_a_bad_value_in_row_3_is_named_by_its_line(client, app, world) -> None:
    rows = b"f,young,1,0\nm,old,1,maybe\n" + b"f,old,0,1\nm,young,1,0\n" * 20
    body = upload(client, world, data=b"sex,age_band,pred,label\n" + rows).json()
    drain(app)
    failed = client.get(body["api_url"], headers=world.headers("auditor")).json()
    assert failed["state"] == "failed"
    assert failed["error"]["column"] == "label"
    assert failed["error"]["row"] == 3
    assert "'maybe'" in failed["error"]["message"] and "line 3" in failed["error"]["message"]


def test_missing_columns_are_named_once_each_and_the_message_once(client, session, world) -> None:
    response = upload(client, world, data=b"sex,pred,outcome\nf,1,0\n")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["message"].startswith("Column(s) 'label', 'age_band' not found in the file.")
    assert [d["loc"] for d in error["details"]] == [["file", "label"], ["file", "age_band"]]
    assert [d["msg"] for d in error["details"]] == [
        "Column 'label' is not in the file.",
        "Column 'age_band' is not in the file.",
    ]
    assert json.dumps(error).count("not found in the file") == 1


def test_version_can_be_chosen_and_must_exist(client, session) -> None:
    world = make_world(session, versions=2)
    ok = upload(client, world, version="1")
    assert ok.status_code == 202 and ok.json()["version"] == 1
    assert upload(client, world).json()["version"] == 2
    missing = upload(client, world, version="7")
    assert missing.status_code == 404
    assert "has no version 7" in missing.json()["error"]["message"]
    bad = upload(client, world, version="latest")
    assert bad.status_code == 422
    assert bad.json()["error"]["details"][0]["loc"] == ["version"]


# --- bad uploads: a 4xx naming the problem, and no row, no job, no file -------------------------

NON_BINARY = b"sex,age_band,pred,label\n" + b"f,young,1,0\n" * 30


@pytest.mark.parametrize(
    ("kwargs", "status", "needle"),
    [
        ({"data": b""}, 422, "The file is empty"),
        ({"data": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 500}, 415, "binary data"),
        ({"data": b"sex;pred\n\xff\xfe\x00"[:-1] + b"abc"}, 415, "not valid UTF-8"),
        ({"data": b"sex,pred,outcome\nf,1,0\n"}, 422, "Column(s) 'label', 'age_band' not found"),
        ({"spec": {**SMALL_SPEC, "columns": {**SMALL_SPEC["columns"], "label": "truth"}}}, 422,
         "Column(s) 'truth' not found"),
        ({"spec": {**SMALL_SPEC, "colour": "red"}}, 422, "The audit spec is invalid"),
        ({"spec": "{not json"}, 422, "not valid JSON"),
        ({"spec": "[1, 2]"}, 422, "must be a JSON object"),
        ({"spec": {"columns": {"prediction": "pred"}}}, 422, "The audit spec is invalid"),
        ({"counts": True, "spec": {"columns": {"sensitive_features": ["sex"]}}}, 422,
         "Not a count table"),
    ],
)  # fmt: skip
def test_bad_upload_is_refused_and_leaves_nothing(
    client, session, settings, world, kwargs, status, needle
) -> None:
    response = upload(client, world, **kwargs)
    assert response.status_code == status, response.text
    assert needle in json.dumps(response.json()["error"])
    assert audit_rows(session) == []
    assert leftovers(settings) == []


def test_spec_errors_name_each_field(client, world) -> None:
    spec = {**SMALL_SPEC, "alpha": 3, "reference": "best"}
    details = upload(client, world, spec=spec).json()["error"]["details"]
    locs = {tuple(d["loc"]) for d in details}
    assert ("spec", "alpha") in locs and ("spec", "reference") in locs


def test_over_the_size_cap_is_413_and_leaves_nothing(client, session, settings, world) -> None:
    settings.max_upload_mb = 1
    big = b"sex,age_band,pred,label\n" + b"f,young,1,0\n" * 120_000  # about 1.4 MiB
    response = upload(client, world, data=big)
    assert response.status_code == 413
    assert "larger than the limit of 1 MiB" in response.json()["error"]["message"]
    assert audit_rows(session) == []
    assert leftovers(settings) == []


def test_truncated_multipart_is_400_and_leaves_nothing(client, session, settings, world) -> None:
    boundary = "cutoffboundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="spec"\r\n\r\n'
        f"{json.dumps(SMALL_SPEC)}\r\n--{boundary}\r\n"
        'Content-Disposition: form-data; name="file"; filename="s.csv"\r\n\r\n'
    ).encode() + SMALL_CSV[:500]  # no closing boundary: the client stopped half way
    response = client.post(
        f"/api/v1/algorithms/{world.algorithm.public_id}/audits",
        headers={
            **world.headers("auditor"),
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
        content=body,
    )
    assert response.status_code == 400
    assert "cut off" in response.json()["error"]["message"]
    assert audit_rows(session) == []
    assert leftovers(settings) == []


def test_draft_algorithm_is_409_for_its_editor_and_404_for_an_auditor(
    client, session, settings, world
) -> None:
    draft = make_draft_algorithm(session, editor=world.editor)
    response = upload(client, world, who="editor", public_id=draft.public_id)
    assert response.status_code == 409
    assert "is draft" in response.json()["error"]["message"]
    assert upload(client, world, public_id=draft.public_id).status_code == 404
    assert audit_rows(session) == [] and leftovers(settings) == []


def test_retired_algorithm_is_409(client, session, settings, world) -> None:
    algorithms.retire_algorithm(
        session,
        actor=None,
        algorithm=world.algorithm,
        reason="Replaced.",
        now=T0.replace(year=2025),
    )
    response = upload(client, world)
    assert response.status_code == 409
    assert "is retired" in response.json()["error"]["message"]
    assert audit_rows(session) == [] and leftovers(settings) == []


def test_content_not_name_decides_the_format(client, app, world) -> None:
    response = upload(client, world, data=gzip.compress(SMALL_CSV), filename="sample.parquet")
    assert response.status_code == 202
    assert response.json()["sample"]["format"] == "csv.gz"
    drain(app)
    assert (
        client.get(response.json()["api_url"], headers=world.headers("auditor")).json()["state"]
        == "succeeded"
    )


def test_counts_upload_runs(client, app, world) -> None:
    table = b"sex,age_band,tp,fp,tn,fn\nf,young,40,5,50,5\nm,old,30,20,35,15\nf,old,25,10,50,15\n"
    spec = {"columns": {"sensitive_features": ["sex", "age_band"]}, "bootstrap_replicates": 50}
    response = upload(client, world, data=table, spec=spec, counts=True)
    assert response.status_code == 202, response.text
    assert response.json()["input"] == "counts"
    drain(app)
    done = client.get(response.json()["api_url"], headers=world.headers("auditor")).json()
    assert done["state"] == "succeeded"
    assert done["report"]["provenance"]["input"]["rows_read"] == 300


def test_counts_spec_may_not_name_row_columns(client, session, world) -> None:
    spec = {"columns": {"sensitive_features": ["sex"], "label": "label"}}
    response = upload(client, world, data=b"sex,tp,fp,tn,fn\nf,1,2,3,4\n", spec=spec, counts=True)
    assert response.status_code == 422
    assert "columns.label" in response.json()["error"]["details"][0]["msg"]
    assert audit_rows(session) == []


def test_spec_is_fixed_at_submission(client, app, session, world) -> None:
    body = upload(client, world).json()
    drain(app)
    stored = session.get(Audit, 1) or audit_rows(session)[0]
    assert stored.spec == body["spec"]
    assert stored.state == AuditState.succeeded
    # no endpoint changes a spec: a different spec is a new audit
    second = upload(client, world, spec={**SMALL_SPEC, "seed": 4}).json()
    assert second["id"] != body["id"] and second["spec_sha256"] != body["spec_sha256"]
