"""The import service: dry run, one transaction per record, idempotent reruns, agencies."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from registry.errors import Forbidden, Invalid
from registry.models import Agency, Algorithm, AlgorithmState, CardDraft, CardVersion, Event, Role
from registry.services.records_import import import_records
from tests.interop.fake_format import FAKE_ID, fake_file
from tests.registry.factories import T0, make_account, make_agency

pytestmark = pytest.mark.db

DUTCH = {
    "id": "nl-1",
    "org": "Gemeente Amsterdam",
    "name": "Parkeercontrole",
    "lang": "nl",
    "summary": "Scanauto's controleren of geparkeerde auto's betaald hebben.",
}
ENGLISH = {"id": "uk-7", "org": "Borough Council", "name": "Waste routes", "summary": ""}
BAD_CARD = {"id": "bad-1", "org": "Gemeente Amsterdam", "card": {"name": "X", "status": 12}}
NO_NAME = {"id": "bad-2", "org": "Gemeente Amsterdam", "card": {"summary": "no name here"}}


def _count(session, model) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def _run(session, data, **kwargs):
    kwargs.setdefault("actor", None)
    kwargs.setdefault("now", T0)
    return import_records(session, format_id=FAKE_ID, data=data, **kwargs)


@pytest.fixture
def admin(session):
    return make_account(session, role=Role.admin)


def test_import_creates_each_record_as_a_draft_with_its_provenance(session, admin):
    agency = make_agency(session, name="Gemeente Amsterdam")
    report = _run(session, fake_file(DUTCH), editor=admin)
    [record] = report.records
    assert (record.outcome, record.agency, record.language) == ("created", agency.slug, "nl")
    algorithm = session.exec(select(Algorithm).where(Algorithm.public_id == record.public_id)).one()
    assert algorithm.state == AlgorithmState.draft
    assert (algorithm.import_standard, algorithm.import_standard_version) == (
        "fake-standard",
        "1.0",
    )
    assert algorithm.import_source_id == "nl-1" and algorithm.import_content_key
    draft = session.exec(select(CardDraft).where(CardDraft.algorithm_id == algorithm.id)).one()
    assert draft.card["language"] == "nl" and draft.card["name"] == "Parkeercontrole"
    assert draft.last_editor_id == admin.id
    assert _count(session, CardVersion) == 0  # never published by an import
    assert (
        "summary" in record.mapped_fields and record.missing_required
    )  # to fill before publishing


def test_dry_run_reports_and_writes_nothing(session, admin):
    before = (_count(session, Agency), _count(session, Algorithm), _count(session, Event))
    report = _run(session, fake_file(DUTCH, ENGLISH), dry_run=True)
    assert [r.outcome for r in report.records] == ["would_create", "would_create"]
    assert all(r.new_agency for r in report.records)
    assert report.records[0].agency == "gemeente-amsterdam"
    assert (_count(session, Agency), _count(session, Algorithm), _count(session, Event)) == before


def test_rerunning_the_same_file_creates_nothing_twice(session, admin):
    first = _run(session, fake_file(DUTCH, ENGLISH), editor=admin)
    assert first.counts()["created"] == 2
    counts = (_count(session, Agency), _count(session, Algorithm), _count(session, Event))
    second = _run(session, fake_file(DUTCH, ENGLISH), editor=admin)
    assert [r.outcome for r in second.records] == ["already_imported", "already_imported"]
    assert [r.public_id for r in second.records] == [r.public_id for r in first.records]
    assert (_count(session, Agency), _count(session, Algorithm), _count(session, Event)) == counts


def test_a_changed_record_with_the_same_source_id_is_matched_by_its_id(session, admin):
    _run(session, fake_file(DUTCH), editor=admin)
    report = _run(session, fake_file({**DUTCH, "summary": "Anders."}), editor=admin)
    assert report.records[0].outcome == "already_imported"


def test_a_bad_record_does_not_stop_the_others_and_leaves_nothing_behind(session, admin):
    report = _run(session, fake_file(NO_NAME, DUTCH, {"meta": True}, DUTCH), editor=admin)
    outcomes = [r.outcome for r in report.records]
    assert outcomes == ["skipped", "created", "skipped", "skipped"]
    assert "no name" in report.records[0].reason
    assert (
        report.records[3].reason
    ) == "Duplicate entry. The same record appears earlier in this file (record 2)."
    assert "metadata" in report.records[2].reason
    # the skipped record created no agency of its own and left no algorithm, draft or event
    assert _count(session, Algorithm) == 1 and _count(session, CardDraft) == 1
    assert _count(session, Agency) == 1


def test_a_field_the_store_refuses_is_dropped_and_left_for_a_person(session, admin):
    report = _run(session, fake_file(BAD_CARD), editor=admin)
    [record] = report.records
    assert record.outcome == "created"
    assert [n["field"] for n in record.notes if n["kind"] == "dropped"] == ["status"]
    assert record.needs_person


def test_a_failure_while_storing_rolls_back_that_record_only(session, admin, monkeypatch):
    from registry.services import records_import

    real = records_import.stage_new_algorithm

    def fail_for_waste(session, **kwargs):
        algorithm = real(session, **kwargs)
        if algorithm.name == "Waste routes":
            raise RuntimeError("disk full")
        return algorithm

    monkeypatch.setattr(records_import, "stage_new_algorithm", fail_for_waste)
    report = _run(session, fake_file(ENGLISH, DUTCH), editor=admin)
    assert [r.outcome for r in report.records] == ["skipped", "created"]
    assert "disk full" in report.records[0].reason
    # the failed record's new agency went with it
    assert set(session.exec(select(Agency.name))) == {"Gemeente Amsterdam"}
    assert _count(session, Algorithm) == 1


def test_agency_map_sends_records_to_the_mapped_agency(session, admin):
    target = make_agency(session, slug="amsterdam", name="City of Amsterdam")
    report = _run(
        session, fake_file(DUTCH), editor=admin, agency_map={"gemeente  AMSTERDAM": "amsterdam"}
    )
    assert report.records[0].agency == target.slug and not report.records[0].new_agency


def test_agencies_are_matched_by_name_before_one_is_created(session, admin):
    existing = make_agency(session, name="Borough Council")
    report = _run(session, fake_file(ENGLISH, DUTCH), editor=admin)
    assert report.records[0].agency == existing.slug and not report.records[0].new_agency
    assert report.records[1].new_agency and report.records[1].agency == "gemeente-amsterdam"


def test_an_agency_map_naming_an_unknown_agency_is_refused_before_anything(session, admin):
    with pytest.raises(Invalid, match="'nowhere'"):
        _run(session, fake_file(DUTCH), editor=admin, agency_map={"Gemeente Amsterdam": "nowhere"})


def test_an_unreadable_file_is_refused_naming_the_format(session, admin):
    with pytest.raises(Invalid, match="Fake register format"):
        _run(session, b"\xff not json", editor=admin)
    with pytest.raises(Invalid, match="Unknown format 'nope'"):
        import_records(session, format_id="nope", data=b"[]", actor=None, now=T0)


def test_a_real_run_from_the_command_line_needs_an_editor(session):
    with pytest.raises(Invalid, match="last editor"):
        _run(session, fake_file(DUTCH))


def test_an_agency_editor_imports_into_their_own_agency_only(session):
    agency = make_agency(session)
    other = make_agency(session)
    editor = make_account(session, role=Role.agency_editor, agency=agency)
    report = _run(session, fake_file(DUTCH, ENGLISH), actor=editor)
    assert {r.agency for r in report.records} == {agency.slug}
    assert report.counts()["created"] == 2
    with pytest.raises(Forbidden):
        _run(session, fake_file(DUTCH), actor=editor, agency=other.slug)


def test_an_agency_editor_cannot_create_agencies(session):
    editor = make_account(session, role=Role.agency_editor)
    auditor = make_account(session, role=Role.auditor)
    with pytest.raises(Forbidden):
        _run(session, fake_file(DUTCH), actor=auditor)
    # an editor's import always goes to their own agency, never to one named in the file
    report = _run(session, fake_file(DUTCH), actor=editor, dry_run=True)
    assert not report.records[0].new_agency


def test_the_report_groups_notes_by_kind(session, admin):
    report = _run(session, fake_file({**ENGLISH, "email_is_url": True}), dry_run=True)
    document = report.as_json()
    [record] = document["records"]
    assert set(record["notes_by_kind"]) >= {"mapped", "empty", "needs_person"}
    assert record["needs_person"] and document["counts"]["needs_person"] == 1


def test_an_over_long_source_id_is_not_kept_and_reruns_match_the_content(session, admin):
    entry = {**DUTCH, "id": "x" * 600}
    first = _run(session, fake_file(entry), editor=admin)
    [record] = first.records
    assert record.outcome == "created"
    assert any("longer than 500 characters" in n["message"] for n in record.notes)
    algorithm = session.exec(select(Algorithm)).one()
    assert algorithm.import_source_id is None
    again = _run(session, fake_file(entry), editor=admin)
    assert again.records[0].outcome == "already_imported"


def test_a_record_created_meanwhile_by_another_import_is_reported_as_already_imported(
    session, admin, monkeypatch
):
    """Two imports of one file at once: the content key is unique, so the second insert fails
    and that record is reported as already imported, not created twice."""
    from registry.services import records_import

    first = _run(session, fake_file(DUTCH), editor=admin)
    monkeypatch.setattr(records_import, "_already_imported", _not_found_once(session))
    second = _run(session, fake_file(DUTCH), editor=admin)
    assert second.records[0].outcome == "already_imported"
    assert second.records[0].public_id == first.records[0].public_id
    assert _count(session, Algorithm) == 1


def _not_found_once(session):
    from registry.services import records_import

    real = records_import._already_imported
    calls = {"n": 0}

    def lookup(session, record):
        calls["n"] += 1
        return None if calls["n"] == 1 else real(session, record)

    return lookup
