"""Publishing, responding, withdrawing, rerunning; permissions matrix; small-cell suppression."""

from __future__ import annotations

import pytest

from registry.services.audits.disclosure import public_audit_view, suppress_report
from registry.services.audits.publication import DEFAULT_RESPONSE_FAILED
from registry.services.events import list_events
from tests.registry.audit_fixtures import audit_rows, drain, make_world, upload

pytestmark = pytest.mark.db

SKEWED_CSV = (
    b"sex,age_band,pred,label\n"
    + b"f,young,1,1\nf,young,1,0\nf,old,1,1\nf,old,0,0\n" * 60
    + b"m,young,0,1\nm,young,0,0\nm,old,0,1\nm,old,1,0\n" * 60
    + b"x,young,1,1\nx,old,0,0\nx,old,1,0\n"  # a group of 3: below k=10
)
SKEWED_SPEC = {
    "columns": {"prediction": "pred", "label": "label", "sensitive_features": ["sex", "age_band"]},
    "checks": [
        {"name": "selection", "metric": "selection_rate", "kind": "ratio", "threshold": 0.8}
    ],
    "bootstrap_replicates": 50,
}


@pytest.fixture
def world(session):
    return make_world(session)


@pytest.fixture
def done(client, app, world):
    """A succeeded, still private audit by the auditor."""
    body = upload(client, world, data=SKEWED_CSV, spec=SKEWED_SPEC).json()
    drain(app)
    return body["id"]


def _post(client, world, who, path, json=None):
    return client.post(f"/api/v1/audits/{path}", headers=world.headers(who), json=json)


def test_private_until_the_submitter_publishes(client, world, done) -> None:
    listing = f"/api/v1/algorithms/{world.algorithm.public_id}/audits"
    assert client.get(f"/api/v1/audits/{done}").status_code == 404
    assert client.get(listing).json()["items"] == []
    assert [
        a["id"] for a in client.get(listing, headers=world.headers("auditor")).json()["items"]
    ] == [done]

    published = _post(client, world, "auditor", f"{done}/publish")
    assert published.status_code == 200
    assert published.json()["visibility"] == "published"
    assert [a["id"] for a in client.get(listing).json()["items"]] == [done]
    public = client.get(f"/api/v1/audits/{done}").json()
    assert public["suppression"]["k"] == 10
    assert "job" not in public and "error" not in public

    again = _post(client, world, "auditor", f"{done}/publish")
    assert again.status_code == 409
    assert "already published" in again.json()["error"]["message"]


def test_only_succeeded_audits_can_be_published(client, world) -> None:
    body = upload(client, world).json()  # still queued
    response = _post(client, world, "auditor", f"{body['id']}/publish")
    assert response.status_code == 409
    assert "this one is queued" in response.json()["error"]["message"]


def test_agency_response_defaults_to_wording_naming_failed_checks(client, world, done) -> None:
    _post(client, world, "auditor", f"{done}/publish")
    response = _post(client, world, "editor", f"{done}/response")
    assert response.status_code == 200, response.text
    text = response.json()["response"]["text"]
    # the failed check is named by its measure and kind (its spec gives it no label), not its code
    assert text == DEFAULT_RESPONSE_FAILED.format(failed="“Selection rate ratio”")
    custom = _post(client, world, "editor", f"{done}/response", json={"text": "We will retrain."})
    assert custom.json()["response"]["text"] == "We will retrain."
    assert client.get(f"/api/v1/audits/{done}").json()["response"]["text"] == "We will retrain."


def test_withdrawal_keeps_the_record_and_reason(client, session, world, done) -> None:
    _post(client, world, "auditor", f"{done}/publish")
    response = _post(
        client, world, "auditor", f"{done}/withdraw", json={"reason": "Wrong extract."}
    )
    assert response.status_code == 200
    public = client.get(f"/api/v1/audits/{done}").json()
    assert public["visibility"] == "withdrawn"
    assert public["withdrawn"]["reason"] == "Wrong extract."
    assert public["report"] is not None
    assert (
        _post(client, world, "auditor", f"{done}/withdraw", json={"reason": "x"}).status_code == 409
    )
    missing_reason = _post(client, world, "auditor", f"{done}/withdraw", json={})
    assert missing_reason.status_code == 422
    actions = [e.action for e in list_events(session, subject_type="audit", subject_id=done)]
    assert actions == ["audit.submitted", "audit.succeeded", "audit.published", "audit.withdrawn"]


def test_rerun_recomputes_from_stored_counts_as_a_new_linked_audit(
    client, app, world, done
) -> None:
    response = _post(client, world, "auditor", f"{done}/rerun")
    assert response.status_code == 202
    new = response.json()
    assert new["rerun_of"] == done and new["input"] == "rerun" and new["id"] != done
    drain(app)
    old = client.get(f"/api/v1/audits/{done}", headers=world.headers("auditor")).json()
    rerun = client.get(f"/api/v1/audits/{new['id']}", headers=world.headers("auditor")).json()
    assert rerun["state"] == "succeeded"
    assert rerun["report"] == old["report"]  # same engine, same spec, same counts
    assert rerun["counts"] == old["counts"]


# --- the permissions matrix ----------------------------------------------------------------------

WHO = (None, "admin", "editor", "other_editor", "auditor")


@pytest.mark.parametrize(
    ("who", "status"),
    [(None, 401), ("admin", 403), ("editor", 202), ("other_editor", 403), ("auditor", 202)],
)
def test_who_may_submit(client, session, world, who, status) -> None:
    assert upload(client, world, who=who).status_code == status
    assert len(audit_rows(session)) == (1 if status == 202 else 0)


@pytest.mark.parametrize(
    ("who", "read", "publish", "withdraw", "rerun"),
    [
        (None, 404, 401, 401, 401),
        ("admin", 200, 403, 200, 202),
        ("editor", 404, 404, 404, 404),
        ("other_editor", 404, 404, 404, 404),
        ("auditor", 200, 200, 200, 202),
    ],
)
def test_matrix_on_a_private_independent_audit(
    client, world, done, who, read, publish, withdraw, rerun
) -> None:
    assert client.get(f"/api/v1/audits/{done}", headers=world.headers(who)).status_code == read
    assert _post(client, world, who, f"{done}/rerun").status_code == rerun
    assert _post(client, world, who, f"{done}/publish").status_code == publish
    body = {"reason": "Test withdrawal."}
    assert _post(client, world, who, f"{done}/withdraw", json=body).status_code == withdraw


@pytest.mark.parametrize(
    ("who", "read", "respond", "rerun"),
    [
        (None, 200, 401, 401),
        ("admin", 200, 403, 202),
        ("editor", 200, 200, 403),
        ("other_editor", 200, 403, 403),
        ("auditor", 200, 403, 202),
    ],
)
def test_matrix_on_a_published_audit(client, world, done, who, read, respond, rerun) -> None:
    _post(client, world, "auditor", f"{done}/publish")
    assert client.get(f"/api/v1/audits/{done}", headers=world.headers(who)).status_code == read
    assert _post(client, world, who, f"{done}/response").status_code == respond
    assert _post(client, world, who, f"{done}/rerun").status_code == rerun


def test_self_assessment_is_visible_to_the_agency_but_not_other_agencies(
    client, app, world
) -> None:
    body = upload(client, world, who="editor").json()
    url = f"/api/v1/audits/{body['id']}"
    assert client.get(url, headers=world.headers("editor")).status_code == 200
    assert client.get(url, headers=world.headers("other_editor")).status_code == 404
    assert client.get(url, headers=world.headers("auditor")).status_code == 404


# --- privacy: small cells ------------------------------------------------------------------------


def test_public_view_suppresses_small_cells_but_verdicts_use_true_counts(
    client, world, done
) -> None:
    _post(client, world, "auditor", f"{done}/publish")
    public = client.get(f"/api/v1/audits/{done}").json()
    private = client.get(f"/api/v1/audits/{done}", headers=world.headers("auditor")).json()
    shape = {"suppressed": True, "display": "<10"}

    small = next(
        g for g in public["report"]["groups"] if g["attribute"] == "sex" and g["group"] == "x"
    )
    assert small["n"] == shape and small["share"] == shape
    true_small = next(
        g for g in private["report"]["groups"] if g["attribute"] == "sex" and g["group"] == "x"
    )
    assert true_small["n"] == 3

    rate = next(
        m for m in public["report"]["metrics"]
        if m["attribute"] == "sex" and m["group"] == "x" and m["metric"] == "selection_rate"
    )  # fmt: skip
    assert rate["value"] == shape and rate["ci_low"] == shape and rate["denominator"] == shape

    for public_row, private_row in zip(
        public["report"]["checks"], private["report"]["checks"], strict=True
    ):
        assert public_row["verdict"] == private_row["verdict"]
        if public_row["group"] == "x":
            assert public_row["value"] == shape and "fewer than 10" in public_row["reason"]
    assert public["checks"] == private["checks"]

    cells = public["counts"]["rows"]
    assert all(v == shape or v == 0 or v >= 10 for row in cells for v in row[2:])
    assert "3" not in str([r for r in public["report"]["groups"] if r["group"] == "x"])


def test_rates_whose_complement_is_small_are_withheld() -> None:
    report = {
        "groups": [],
        "metrics": [
            {"attribute": "a", "group": "g", "metric": "selection_rate", "numerator": 45,
             "denominator": 50, "value": 0.9, "ci_low": 0.8, "ci_high": 0.95, "interval": "wilson"},
            {"attribute": "a", "group": "h", "metric": "selection_rate", "numerator": 0,
             "denominator": 50, "value": 0.0, "ci_low": 0.0, "ci_high": 0.07, "interval": "wilson"},
        ],
    }  # fmt: skip
    out = suppress_report(report, k=10)
    assert out["metrics"][0]["value"] == {"suppressed": True, "display": "<10"}
    assert out["metrics"][1]["value"] == 0.0  # zero is not a small cell


def test_public_audit_view_is_what_the_api_serves(client, session, world, done) -> None:
    _post(client, world, "auditor", f"{done}/publish")
    audit = next(a for a in audit_rows(session) if a.public_id == done)
    assert public_audit_view(audit, k=10) == client.get(f"/api/v1/audits/{done}").json()
