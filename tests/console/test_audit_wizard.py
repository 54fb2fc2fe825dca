"""The auditor's upload wizard through the console's routes: the happy path to a queued audit,
bad input at every step (422, the field named, nothing left behind), abandoned and expired drafts,
and the job page."""

from __future__ import annotations

import gzip
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from registry.models import Audit, Role
from registry.services.audits import wizard_drafts
from registry.services.audits.staging import STAGING_DIRNAME
from tests.console.conftest import csrf_of, make_staff, signed_in, soup
from tests.registry.factories import T0, make_agency, make_published_algorithm

pytestmark = pytest.mark.db

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "predictions"


def _csv(rows: int = 60) -> bytes:
    lines = ["case_id,sex,region,selected,outcome"]
    for i in range(rows):
        lines.append(
            f"{1000 + i},{'F' if i % 2 else 'M'},{'N' if i % 3 else 'S'},{i % 2},{i % 3 % 2}"
        )
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def world(session):  # type: ignore[no-untyped-def]
    agency = make_agency(session)
    algorithm = make_published_algorithm(session, agency=agency)
    auditor = make_staff(session, role=Role.auditor)
    return {"algorithm": algorithm, "auditor": auditor, "agency": agency}


def staged_files(settings) -> list[Path]:  # type: ignore[no-untyped-def]
    """Every file in staging (wizard drafts included) except the process folders' lock files."""
    root = settings.uploads_dir / STAGING_DIRNAME
    return [p for p in root.rglob("*") if p.is_file() and p.name != ".owner.lock"]


def audits(session) -> list[Audit]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return list(session.exec(select(Audit)))


def upload(console, algorithm_id: str, content: bytes, *, name: str = "sample.csv", **fields):  # type: ignore[no-untyped-def]
    page = console.get(f"/console/uploads/file?algorithm={algorithm_id}")
    assert page.status_code == 200, page.text[:500]
    data = {"csrf_token": csrf_of(page), "version": "1", "input_kind": "sample", **fields}
    return console.post(
        f"/console/uploads/file?algorithm={algorithm_id}",
        data=data,
        files={"file": (name, content, "application/octet-stream")},
    )


def draft_path(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 303, response.text[:2000]
    location = response.headers["location"]
    assert location.startswith("/console/uploads/drafts/") and location.endswith("/columns")
    return location.rsplit("/", 1)[0]


def post_form(console, path: str, data: dict[str, object]):  # type: ignore[no-untyped-def]
    token = csrf_of(console.get("/console"))
    return console.post(path, data={"csrf_token": token, **data})


def test_auditor_goes_from_upload_to_a_queued_audit(console, session, settings, world):
    signed_in(console, world["auditor"])
    algorithm = world["algorithm"]
    start = console.get("/console/uploads?q=" + algorithm.name[:5])
    assert algorithm.public_id in start.text
    base = draft_path(upload(console, algorithm.public_id, _csv()))
    columns = soup(console.get(base + "/columns"))
    # The proposal: prediction and label by name and values, attributes by few text values.
    assert columns.select_one("#prediction option[selected]")["value"] == "selected"
    assert columns.select_one("#label option[selected]")["value"] == "outcome"
    ticked = [i["value"] for i in columns.select("input[name=sensitive_features][checked]")]
    assert ticked == ["sex", "region"]
    assert "case_id" in columns.select_one(".banner").get_text()  # the identifier warning
    saved = post_form(
        console,
        base + "/columns",
        {"mode": "prediction", "prediction": "selected", "label": "outcome",
         "sensitive_features": ["sex", "region"]},
    )  # fmt: skip
    assert saved.status_code == 303 and saved.headers["location"].endswith("/checks")
    checks = post_form(
        console,
        base + "/checks",
        {"favourable_outcome": "beneficial", "check_mode": "four-fifths",
         "reference": "most_favoured", "sample_period": "2024"},
    )  # fmt: skip
    assert checks.status_code == 303 and checks.headers["location"].endswith("/names")
    summary = soup(console.get(base + "/summary"))
    spec = json.loads(summary.select_one("pre code").get_text())
    assert spec["preset"] == "four-fifths" and spec["columns"]["prediction"] == "selected"
    assert spec["sample"]["period"] == "2024"
    words = {
        row.select_one("dt").get_text(): row.select_one("dd").get_text()
        for row in summary.select("dl.facts div")
    }
    assert words["Prediction column"] == "selected" and words["Period"] == "2024"
    assert words["Preset"] == "Preset: the four-fifths rule"
    done = post_form(console, base + "/submit", {})
    assert done.status_code == 303, done.text[:3000]
    [audit] = audits(session)
    # The job page is the audit's own page, which shows the run's progress.
    assert done.headers["location"] == f"/console/audits/{audit.public_id}"
    assert audit.state == "queued" and audit.spec["preset"] == "four-fifths"
    assert staged_files(settings) == []  # the draft went into the audit's place
    job = console.get(done.headers["location"])
    assert job.status_code == 200
    assert soup(job).select_one('noscript > meta[http-equiv="refresh"]') is not None
    assert audit.public_id in job.text


def test_wrong_file_type_is_422_on_the_file_field_and_leaves_nothing(
    console, session, settings, world
):
    signed_in(console, world["auditor"])
    response = upload(console, world["algorithm"].public_id, b"\x00\x01\x02binary" * 10000)
    assert response.status_code == 422
    page = soup(response)
    assert page.select_one(".error-summary a")["href"] == "#file"
    assert "CSV" in page.select_one("#file-error").get_text()
    assert staged_files(settings) == [] and audits(session) == []


def test_an_empty_file_asks_for_a_file(console, session, settings, world):
    signed_in(console, world["auditor"])
    response = upload(console, world["algorithm"].public_id, b"", name="")
    assert response.status_code == 422
    assert "Choose a file" in soup(response).select_one("#file-error").get_text()
    assert staged_files(settings) == []


def test_upload_without_the_csrf_token_is_refused_and_removed(console, settings, world):
    signed_in(console, world["auditor"])
    response = console.post(
        f"/console/uploads/file?algorithm={world['algorithm'].public_id}",
        data={"version": "1", "input_kind": "sample"},
        files={"file": ("s.csv", _csv(), "text/csv")},
    )
    assert response.status_code == 403
    assert staged_files(settings) == []


#: The wizard's forms (their CSRF refusal is checked here, as an auditor: admins may not upload).
WIZARD_FORMS = {
    "/console/uploads/file",
    "/console/uploads/drafts/{draft_id}/columns",
    "/console/uploads/drafts/{draft_id}/checks",
    "/console/uploads/drafts/{draft_id}/names",
    "/console/uploads/drafts/{draft_id}/submit",
    "/console/uploads/drafts/{draft_id}/discard",
}


@pytest.mark.parametrize("token", ["", "forged.token.value"])
def test_every_wizard_form_refuses_a_missing_or_forged_token(
    console, session, settings, world, token
):
    signed_in(console, world["auditor"])
    base = draft_path(upload(console, world["algorithm"].public_id, _csv()))
    before = sorted(staged_files(settings))
    for template in sorted(WIZARD_FORMS):
        path = template.replace("{draft_id}", base.rsplit("/", 1)[1])
        data = {"csrf_token": token} if token else {}
        if template == "/console/uploads/file":
            path += f"?algorithm={world['algorithm'].public_id}"
            response = console.post(path, data=data, files={"file": ("s.csv", _csv(), "text/csv")})
        else:
            response = console.post(path, data=data)
        assert response.status_code == 403, (path, response.status_code)
        assert soup(response).select_one("h1").get_text() == "The form could not be sent"
    assert sorted(staged_files(settings)) == before and audits(session) == []
    assert console.get(base + "/columns").status_code == 200  # the draft is untouched


def test_missing_column_is_422_naming_the_field(console, session, settings, world):
    signed_in(console, world["auditor"])
    base = draft_path(upload(console, world["algorithm"].public_id, _csv()))
    before = staged_files(settings)
    response = post_form(
        console,
        base + "/columns",
        {"mode": "prediction", "prediction": "decision", "sensitive_features": ["sex"]},
    )
    assert response.status_code == 422
    page = soup(response)
    assert page.select_one(".error-summary a")["href"] == "#prediction"
    assert "no column decision" in page.select_one("#prediction-error").get_text()
    assert staged_files(settings) == before and audits(session) == []  # only the draft itself


@pytest.mark.parametrize("threshold", ["", "0.7", "top-0", "top-150%", ">=abc"])
def test_bad_threshold_is_422_on_the_threshold_field(console, session, world, threshold):
    signed_in(console, world["auditor"])
    content = b"sex,risk_score\n" + b"".join(
        f"{'F' if i % 2 else 'M'},{i / 100:.2f}\n".encode() for i in range(60)
    )
    base = draft_path(upload(console, world["algorithm"].public_id, content))
    columns = soup(console.get(base + "/columns"))
    assert columns.select_one("#score option[selected]")["value"] == "risk_score"
    response = post_form(
        console,
        base + "/columns",
        {"mode": "score", "score": "risk_score", "threshold": threshold,
         "sensitive_features": ["sex"]},
    )  # fmt: skip
    assert response.status_code == 422
    assert soup(response).select_one(".error-summary a")["href"] == "#threshold"
    assert soup(response).select_one("#threshold-error") is not None
    assert audits(session) == []


def test_an_identifier_is_refused_as_an_attribute(console, world):
    signed_in(console, world["auditor"])
    base = draft_path(upload(console, world["algorithm"].public_id, _csv()))
    response = post_form(
        console,
        base + "/columns",
        {"mode": "prediction", "prediction": "selected", "sensitive_features": ["case_id"]},
    )
    assert response.status_code == 422
    message = soup(response).select_one("#sensitive_features-error").get_text()
    assert "case_id looks like an identifier" in message


def test_checks_step_names_each_bad_field(console, world):
    signed_in(console, world["auditor"])
    base = draft_path(upload(console, world["algorithm"].public_id, _csv()))
    post_form(
        console,
        base + "/columns",
        {"mode": "prediction", "prediction": "selected", "sensitive_features": ["sex"]},
    )
    response = post_form(
        console,
        base + "/checks",
        {"favourable_outcome": "adverse", "check_mode": "custom", "reference": "largest",
         "check_1_metric": "false_positive_rate", "check_1_kind": "ratio",
         "check_1_threshold": "1.5"},
    )  # fmt: skip
    assert response.status_code == 422
    links = [a["href"] for a in soup(response).select(".error-summary a")]
    assert links == ["#check_1_metric", "#check_1_threshold"]  # no label; not in (0, 1]
    ll144 = post_form(
        console,
        base + "/checks",
        {"favourable_outcome": "adverse", "check_mode": "ll144", "reference": "largest"},
    )
    assert ll144.status_code == 422
    assert [a["href"] for a in soup(ll144).select(".error-summary a")] == ["#check_mode"]


def test_a_refused_submission_links_to_the_step_and_keeps_the_draft(
    console, session, settings, world, monkeypatch
):
    signed_in(console, world["auditor"])
    base = draft_path(upload(console, world["algorithm"].public_id, _csv()))
    post_form(
        console,
        base + "/columns",
        {"mode": "prediction", "prediction": "selected", "sensitive_features": ["sex"]},
    )
    post_form(
        console,
        base + "/checks",
        {"favourable_outcome": "beneficial", "check_mode": "default", "reference": "overall"},
    )
    # The file changes under the draft (as if the engine found a column missing): the API's
    # header check refuses, and the problem links to the columns step.
    draft_id = base.rsplit("/", 1)[1]
    account = world["auditor"]
    draft = wizard_drafts.load_draft(
        settings.uploads_dir, account_id=account.id, draft_id=draft_id, now=T0
    )
    wizard_drafts.sample_path(settings.uploads_dir, draft).write_bytes(b"sex,other\nF,1\n")
    response = post_form(console, base + "/submit", {})
    assert response.status_code == 422
    link = soup(response).select_one(".error-summary a")["href"]
    assert link == f"{base}/columns#sensitive_features"
    assert "selected" in soup(response).select_one(".error-summary").get_text()
    assert audits(session) == []
    files = staged_files(settings)
    assert sorted(p.suffix for p in files) == [".json", ".sample"]  # the draft only, no link
    columns = soup(console.get(base + "/columns"))
    assert columns.select_one("#sensitive_features-error") is not None


def test_discarding_removes_the_file_at_once(console, settings, world):
    signed_in(console, world["auditor"])
    base = draft_path(upload(console, world["algorithm"].public_id, _csv()))
    assert len(staged_files(settings)) == 2
    response = post_form(console, base + "/discard", {})
    assert response.status_code == 303
    assert staged_files(settings) == []
    assert console.get(base + "/columns").status_code == 404


def test_an_abandoned_draft_is_swept_once_expired(console, settings, world):
    signed_in(console, world["auditor"])
    draft_path(upload(console, world["algorithm"].public_id, _csv()))
    assert wizard_drafts.sweep_drafts(settings.uploads_dir, now=T0 + timedelta(hours=23)) == 0
    assert len(staged_files(settings)) == 2
    later = T0 + wizard_drafts.DRAFT_LIFETIME + timedelta(seconds=1)
    assert wizard_drafts.sweep_drafts(settings.uploads_dir, now=later) == 1
    assert staged_files(settings) == []


def test_another_account_cannot_open_a_draft(console, session, world):
    signed_in(console, world["auditor"])
    base = draft_path(upload(console, world["algorithm"].public_id, _csv()))
    other = make_staff(session, role=Role.auditor)
    console.cookies.clear()
    signed_in(console, other)
    assert console.get(base + "/columns").status_code == 404


def test_counts_upload_checks_the_table_layout(console, session, world):
    signed_in(console, world["auditor"])
    content = (SAMPLES / "tax-audit-selection.counts.csv").read_bytes()
    base = draft_path(upload(console, world["algorithm"].public_id, content, input_kind="counts"))
    page = soup(console.get(base + "/columns"))
    assert "tp, fp, tn, fn" in page.select_one(".banner-info").get_text()
    ticked = [i["value"] for i in page.select("input[name=sensitive_features][checked]")]
    assert ticked == ["region", "business_size"]
    bad = post_form(console, base + "/columns", {"sensitive_features": ["region", "tp"]})
    assert bad.status_code == 422
    assert soup(bad).select_one(".error-summary a")["href"] == "#sensitive_features"
    post_form(console, base + "/columns", {"sensitive_features": ["region", "business_size"]})
    post_form(
        console,
        base + "/checks",
        {"favourable_outcome": "adverse", "check_mode": "default", "reference": "most_favoured"},
    )
    done = post_form(console, base + "/submit", {})
    assert done.status_code == 303, done.text[:3000]
    [audit] = audits(session)
    assert audit.input_kind == "counts"


def test_a_gzip_upload_is_sniffed_by_content(console, world):
    signed_in(console, world["auditor"])
    content = gzip.compress(_csv())
    base = draft_path(upload(console, world["algorithm"].public_id, content, name="x.bin"))
    assert "csv.gz" in console.get(base + "/columns").text


def test_editor_of_another_agency_cannot_upload_for_this_algorithm(console, session, world):
    other = make_staff(session, role=Role.agency_editor, agency=make_agency(session))
    signed_in(console, other)
    response = console.post(
        f"/console/uploads/file?algorithm={world['algorithm'].public_id}",
        data={"csrf_token": csrf_of(console.get("/console"))},
        files={"file": ("s.csv", io.BytesIO(_csv()), "text/csv")},
    )
    assert response.status_code == 403


def test_submitting_opens_the_audit_page_and_the_old_job_address_leads_there(
    console, session, world
):
    signed_in(console, world["auditor"])
    base = draft_path(upload(console, world["algorithm"].public_id, _csv()))
    post_form(
        console,
        base + "/columns",
        {"mode": "prediction", "prediction": "selected", "sensitive_features": ["sex"]},
    )
    post_form(
        console,
        base + "/checks",
        {"favourable_outcome": "beneficial", "check_mode": "default", "reference": "overall"},
    )
    location = post_form(console, base + "/submit", {}).headers["location"]
    [audit] = audits(session)
    assert location == f"/console/audits/{audit.public_id}"
    old = console.get(f"/console/uploads/{audit.public_id}/progress")
    assert old.status_code == 303 and old.headers["location"] == location
    # Who may not read the audit (here: nobody may, as it does not exist) gets a 404 there too.
    assert console.get("/console/uploads/aud-nosuchaudit/progress").status_code == 404
    audit.state = "running"
    audit.progress = {"fraction": 0.42}
    session.add(audit)
    session.commit()
    running = soup(console.get(location))
    assert running.select_one("progress#job-progress-bar")["value"] == "42"
    assert running.select_one('noscript > meta[http-equiv="refresh"]') is not None
    audit.state = "failed"
    audit.error = {"reason": "input", "message": "Column 'sex' is empty."}
    session.add(audit)
    session.commit()
    failed = soup(console.get(location))
    assert failed.select_one('meta[http-equiv="refresh"]') is None
    assert failed.select_one("progress") is None


def test_an_upload_larger_than_the_form_cap_streams_through(console, settings, world):
    """Console forms are capped at REGISTRY_MAX_JSON_KB; the upload step has the upload cap."""
    content = _csv(100_000)
    assert len(content) > settings.max_json_kb * 1024
    signed_in(console, world["auditor"])
    draft_path(upload(console, world["algorithm"].public_id, content))


def test_drafts_survive_the_staging_and_orphan_sweeps(console, session, settings, world):
    from registry.services.audits.staging import sweep_staging
    from registry.services.audits.worker import sweep_orphan_files

    signed_in(console, world["auditor"])
    base = draft_path(upload(console, world["algorithm"].public_id, _csv()))
    sweep_staging(settings.uploads_dir)
    sweep_orphan_files(session, settings.uploads_dir, older_than=0)
    assert len(staged_files(settings)) == 2
    assert console.get(base + "/columns").status_code == 200
