"""The console's records import: upload, review the per-record report, confirm; permissions;
both interface languages. Uses the real Dutch publication-standard format."""

from __future__ import annotations

import json

import pytest
from sqlmodel import func, select

from registry.models import Agency, Algorithm, AlgorithmState, CardDraft, Role
from tests.console.conftest import csrf_of, make_staff, signed_in, soup
from tests.registry.factories import make_agency

pytestmark = pytest.mark.db
NL = "nl_algoritmeregister"
RECORDS = [
    {
        "name": "Parkeercontrole",
        "organization": "Gemeente Amsterdam",
        "description_short": "Scanauto's controleren of voor het parkeren is betaald.",
    },
    {"name": "", "organization": "Gemeente Amsterdam"},
]
FILE = json.dumps(RECORDS, ensure_ascii=False).encode()


def _algorithms(session) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(Algorithm)).one()


def _review(console, data: bytes = FILE, **fields: str):
    token = csrf_of(console.get("/console/import"))
    return console.post(
        "/console/import",
        data={"csrf_token": token, "format": NL, **fields},
        files={"file": ("register.json", data, "application/json")},
    )


def _confirm(console, review):
    page = soup(review)
    form = page.select_one("form[action='/console/import/confirm']")
    assert form is not None, review.text[:2000]
    data = {i["name"]: i.get("value", "") for i in form.select("input[type=hidden]")}
    return console.post("/console/import/confirm", data=data)


@pytest.fixture
def agency(session):
    return make_agency(session, name="Stadsdeel Noord")


def test_an_editor_reviews_then_confirms_and_the_drafts_join_their_list(console, session, agency):
    editor = make_staff(session, role=Role.agency_editor, agency=agency)
    signed_in(console, editor)
    review = _review(console)
    assert review.status_code == 200, review.text[:2000]
    page = soup(review)
    assert page.h1.get_text() == "Review the import"
    first, second = page.select("section.import-record")
    assert "Will be created as a draft" in first.get_text()
    assert first.select_one("h2 span")["lang"] == "nl"  # the record's own language
    kinds = [d["data-kind"] for d in first.select("details.note-group")]
    assert kinds[0] == "needs_person" and "mapped" in kinds
    assert first.select_one("details[data-kind=needs_person]").has_attr("open")
    assert "Skipped" in second.get_text()
    assert _algorithms(session) == 0  # the review wrote nothing

    done = _confirm(console, review)
    assert done.status_code == 200
    assert soup(done).h1.get_text() == "Import done"
    algorithm = session.exec(select(Algorithm)).one()
    assert algorithm.agency_id == agency.id and algorithm.state == AlgorithmState.draft
    assert algorithm.import_standard_version == "1.0.0"
    draft = session.exec(select(CardDraft)).one()
    assert draft.last_editor_id == editor.id and draft.card["language"] == "nl"
    listing = console.get("/console/algorithms")
    assert "Parkeercontrole" in listing.text
    detail = soup(console.get(f"/console/algorithms/{algorithm.public_id}")).get_text(" ")
    assert "Imported from Algoritmeregister publicatiestandaard 1.0.0" in " ".join(detail.split())

    again = _review(console)
    assert "Already imported" in soup(again).select("section.import-record")[0].get_text()
    assert soup(again).select_one("form[action='/console/import/confirm']") is None


def test_an_admin_imports_into_the_organisation_each_record_names(console, session):
    admin = make_staff(session, role=Role.admin)
    signed_in(console, admin)
    review = _review(console, agency="")
    assert "Gemeente Amsterdam (new)" in soup(review).select("section.import-record")[0].get_text()
    _confirm(console, review)
    session.expire_all()
    created = session.exec(select(Agency).where(Agency.slug == "gemeente-amsterdam")).one()
    assert created.name == "Gemeente Amsterdam"
    assert session.exec(select(Algorithm)).one().agency_id == created.id


def test_an_editor_cannot_import_into_another_agency(console, session, agency):
    other = make_agency(session)
    editor = make_staff(session, role=Role.agency_editor, agency=agency)
    signed_in(console, editor)
    page = soup(console.get("/console/import"))
    assert page.select_one("select#agency") is None  # the editor's own agency, fixed
    review = _review(console, agency=other.slug)  # a forged field is ignored
    assert "Agency: Stadsdeel Noord" in soup(review).select("section.import-record")[0].get_text()


def test_auditors_may_not_import(console, session):
    auditor = make_staff(session, role=Role.auditor)
    signed_in(console, auditor)
    assert console.get("/console/import").status_code == 403


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"", "Choose the file to import."), (b"not json", "could not be read")],
)
def test_a_missing_or_unreadable_file_is_said_on_the_form(console, session, agency, data, message):
    editor = make_staff(session, role=Role.agency_editor, agency=agency)
    signed_in(console, editor)
    response = _review(console, data=data)
    assert response.status_code == 422
    assert message in soup(response).select_one(".error-summary").get_text()


def test_a_lost_file_on_confirm_is_said_and_nothing_is_written(console, session, agency):
    editor = make_staff(session, role=Role.agency_editor, agency=agency)
    signed_in(console, editor)
    token = csrf_of(console.get("/console/import"))
    response = console.post(
        "/console/import/confirm",
        data={"csrf_token": token, "format": NL, "data": "%%%"},
    )
    assert response.status_code == 422 and "upload it again" in response.text
    assert _algorithms(session) == 0


def test_the_import_pages_speak_chinese(console, session, agency):
    editor = make_staff(session, role=Role.agency_editor, agency=agency)
    signed_in(console, editor)
    page = console.get("/console/import", params={"lang": "zh-CN"})
    assert page.status_code == 200
    assert soup(page).html["lang"] == "zh-CN"
    assert "导入" in soup(page).h1.get_text()
    review = _review(console)
    assert "将创建为草稿" in review.text
