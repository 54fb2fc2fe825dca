"""Every sample through the API (upload, worker, stored report) equals `fairness audit` on the same
file with the same spec: the same report, byte for byte, apart from the audit's id and times."""

from __future__ import annotations

import json

import pytest

from fairness.cli import main as fairness_main
from tests.registry.audit_fixtures import drain, make_world, sample_files, upload

pytestmark = [pytest.mark.db, pytest.mark.slow]

SAMPLES = [
    "benefit-fraud-risk",
    "jobseeker-programme-selection",
    "school-place-ranking",
    "hospital-triage-priority",
    "tax-audit-selection",
]


@pytest.mark.parametrize("name", SAMPLES)
def test_api_result_equals_fairness_cli(client, app, session, tmp_path, name) -> None:
    world = make_world(session)
    data_path, spec_path = sample_files(name)
    counts = name == "tax-audit-selection"
    response = upload(
        client, world, data=data_path.read_bytes(), spec=spec_path.read_text(), counts=counts,
        filename=data_path.name,
    )  # fmt: skip
    assert response.status_code == 202, response.text
    drain(app)
    stored = client.get(response.json()["api_url"], headers=world.headers("auditor")).json()
    assert stored["state"] == "succeeded", stored["error"]

    # the CLI on the same file with the stored (complete) spec
    resolved = tmp_path / "spec.json"
    resolved.write_text(json.dumps(stored["spec"]))
    out = tmp_path / "report.json"
    args = [
        "audit",
        str(data_path),
        "--spec",
        str(resolved),
        "--format",
        "json",
        "--output",
        str(out),
    ]
    assert fairness_main([*args, "--counts"] if counts else args) == 0
    assert stored["report"] == json.loads(out.read_text())
    assert stored["verdict"] == stored["report"]["verdict"]
    assert stored["checks"] == stored["report"]["check_summary"]
    assert stored["sample"]["sha256"] == stored["report"]["provenance"]["input"]["sha256"]


def test_demo_loads_the_samples_as_published_audits_once(client, session) -> None:
    from registry.paths import SAMPLES_DIR
    from registry.services.clock import FixedClock
    from registry.services.demo import load_demo
    from tests.registry.audit_fixtures import audit_rows
    from tests.registry.factories import T0

    first = load_demo(session, SAMPLES_DIR, clock=FixedClock(T0.replace(year=2025)))
    assert first.counts["audits"] == len(SAMPLES)
    audits = audit_rows(session)
    assert {a.visibility for a in audits} == {"published"}
    assert {a.kind for a in audits} == {"independent"}
    for audit in audits:
        public = client.get(f"/api/v1/audits/{audit.public_id}").json()
        assert public["verdict"] == audit.verdict and public["report"] is not None
    again = load_demo(session, SAMPLES_DIR, clock=FixedClock(T0.replace(year=2025)))
    assert again.counts["audits"] == 0
    assert len(audit_rows(session)) == len(SAMPLES)
