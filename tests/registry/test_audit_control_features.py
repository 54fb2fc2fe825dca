"""Audits with control features (conditional parity) through the API: the header check names a
missing control column, the stored count table keeps the strata (and a rerun from it gives the
same conditional table), and suppression keeps stratum labels while withholding small counts."""

from __future__ import annotations

import io

import pytest

import fairness
from registry.services.audits.disclosure import suppress_counts, suppress_report
from registry.services.audits.engine import counts_from_dict, counts_to_dict
from tests.registry.audit_fixtures import audit_rows, drain, make_world, upload

CSV = (
    "sex,region,pred,label\n"
    + "f,north,1,1\nf,north,1,0\nm,north,0,0\nf,south,0,1\nm,south,1,1\nm,south,0,0\n" * 40
    + "m,west,1,0\n" * 3
).encode()
SPEC = {
    "columns": {
        "prediction": "pred", "label": "label", "sensitive_features": ["sex"],
        "control_features": ["region"],
    },
}  # fmt: skip


@pytest.fixture
def world(session):
    return make_world(session)


@pytest.mark.db
def test_an_audit_with_control_features_stores_the_strata_and_the_conditional_table(
    client, app, world
) -> None:
    response = upload(client, world, data=CSV, spec=SPEC)
    assert response.status_code == 202, response.text
    assert response.json()["spec"]["columns"]["control_features"] == ["region"]
    drain(app)
    done = client.get(response.json()["api_url"], headers=world.headers("auditor")).json()
    assert done["state"] == "succeeded"
    assert done["counts"]["attributes"] == ["sex"] and done["counts"]["controls"] == ["region"]
    assert done["counts"]["columns"][:2] == ["sex", "region"]
    rows = done["report"]["conditional"]
    assert rows and {r["attribute"] for r in rows} == {"sex"}
    selection = next(r for r in rows if r["metric"] == "selection_rate")
    assert selection["strata"] == 3 and selection["strata_used"] == 2
    # men in the north were never flagged: no precision to compare there, and it is counted
    precision = next(r for r in rows if r["metric"] == "precision")
    assert (
        precision["strata_used"]
        + precision["strata_without_group"]
        + precision["strata_without_reference"]
        == 3
    )
    assert {g["attribute"] for g in done["report"]["groups"]} == {"sex"}


@pytest.mark.db
def test_a_missing_control_column_is_named_and_nothing_is_kept(client, session, world) -> None:
    spec = {"columns": {**SPEC["columns"], "control_features": ["area"]}}
    response = upload(client, world, data=CSV, spec=spec)
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["loc"] == ["file", "area"]
    assert audit_rows(session) == []


@pytest.mark.db
def test_a_control_feature_that_is_also_sensitive_is_a_spec_error(client, session, world) -> None:
    spec = {"columns": {**SPEC["columns"], "control_features": ["sex"]}}
    response = upload(client, world, data=CSV, spec=spec)
    assert response.status_code == 422
    messages = [d["msg"] for d in response.json()["error"]["details"]]
    assert any("columns.control_features" in m and "sensitive feature" in m for m in messages)
    assert audit_rows(session) == []


@pytest.mark.db
def test_a_count_table_with_strata_runs(client, app, world) -> None:
    table = b"sex,region,pp,pn\nf,north,60,40\nm,north,30,70\nf,south,20,80\nm,south,20,80\n"
    spec = {"columns": {"sensitive_features": ["sex"], "control_features": ["region"]}}
    response = upload(client, world, data=table, spec=spec, counts=True)
    assert response.status_code == 202, response.text
    drain(app)
    done = client.get(response.json()["api_url"], headers=world.headers("auditor")).json()
    assert done["state"] == "succeeded"
    assert done["report"]["conditional"][0]["strata_used"] == 2


def test_a_rerun_from_the_stored_counts_gives_the_same_conditional_table() -> None:
    spec = fairness.AuditSpec.from_dict(SPEC)
    sample = fairness.read_for_spec(io.BytesIO(CSV), spec)
    stored = counts_to_dict(sample)
    again = counts_from_dict(stored)
    assert again.cells.controls == ("region",)
    first = fairness.audit_counts(sample, spec).table("conditional")
    assert fairness.audit_counts(again, spec).table("conditional") == first
    plain = counts_to_dict(
        fairness.read_for_spec(io.BytesIO(CSV), spec.with_overrides(control_features=[]))
    )
    assert "controls" not in plain


def test_suppression_keeps_stratum_labels_and_withholds_small_counts() -> None:
    spec = fairness.AuditSpec.from_dict(SPEC)
    sample = fairness.read_for_spec(io.BytesIO(CSV), spec)
    shown = suppress_counts(counts_to_dict(sample), k=10)
    west = next(r for r in shown["rows"] if r[1] == "west")
    assert west[0] == "m" and {"suppressed": True, "display": "<10"} in west[2:]
    report = fairness.audit_counts(sample, spec).to_dict()
    public = suppress_report(report, k=10)
    # 123 men, 3 of them in the west where there are no women: the pooled denominator of the
    # men (120) would tell that 3, so it is withheld; the estimates stay
    row = next(r for r in public["conditional"] if r["metric"] == "selection_rate")
    raw = next(r for r in report["conditional"] if r["metric"] == "selection_rate")
    assert (row["group"], row["reference"]) == ("m", "f")
    assert row["group_denominator"] == {"suppressed": True, "display": "<10"}
    assert row["reference_denominator"] == 120
    assert row["ratio"] == raw["ratio"] and row["association_p_value"] == raw["association_p_value"]
