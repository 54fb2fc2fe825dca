"""Each import format reads a deliberately messy file of 32 records without crashing or guessing.

The files are tests/data/interop/*_messy* (made by make_messy.py: record i carries the mess
MESSES[i % 16]). Every record ends as a valid draft or as a reported skip; every mess is noted.
"""

from __future__ import annotations

import json

import pytest

from registry.cards import validate_draft
from registry.formats import FORMATS, ImportedRecord, NoteKind, report_text
from tests.data.interop.make_messy import MESSES
from tests.registry.formats.helpers import messy_bytes

IMPORT_FORMATS = ["nl_algoritmeregister", "nl_register_export", "uk_atrs", "hf_model_card"]
# the flat export starts with three metadata rows: record i is entry i + 3
OFFSET = {"nl_register_export": 3}


def read(format_id: str) -> list[ImportedRecord]:
    return FORMATS[format_id].read(messy_bytes(format_id))


def entry(records: list[ImportedRecord], format_id: str, mess: str, nth: int = 0) -> ImportedRecord:
    index = [i for i in range(64) if MESSES[i % len(MESSES)] == mess][nth]
    return records[index + OFFSET.get(format_id, 0)]


def kinds(record: ImportedRecord, field: str) -> set[str]:
    return {n.kind for n in record.notes if n.field == field}


@pytest.mark.parametrize("format_id", IMPORT_FORMATS)
def test_every_record_becomes_a_valid_draft_or_a_reported_skip(format_id: str) -> None:
    records = read(format_id)
    assert len(records) - OFFSET.get(format_id, 0) >= 30
    assert [r.index for r in records] == list(range(len(records)))
    for record in records:
        if record.importable:
            assert validate_draft(record.card) == record.card
            assert record.card.get("language") == record.language
            assert record.standard_version == FORMATS[format_id].standard_version
            assert len(record.content_key) == 64
        else:
            assert record.skipped and any(
                record.skipped == n.message or n.kind for n in record.notes
            )


@pytest.mark.parametrize("format_id", IMPORT_FORMATS)
def test_empty_required_fields_are_left_empty_for_a_person(format_id: str) -> None:
    record = entry(read(format_id), format_id, "empty_required")
    assert "name" not in record.card
    assert NoteKind.NEEDS_PERSON.value in kinds(record, "name")


@pytest.mark.parametrize("format_id", IMPORT_FORMATS)
def test_a_web_address_in_the_email_field_moves_to_the_contact_form(format_id: str) -> None:
    record = entry(read(format_id), format_id, "url_in_email")
    assert "email" not in record.card["contact"]
    assert record.card["contact"]["form_url"].startswith("https://")
    assert NoteKind.CONVERTED.value in kinds(record, "contact.form_url")


@pytest.mark.parametrize("format_id", IMPORT_FORMATS)
def test_a_contact_with_extra_text_keeps_the_address_and_asks_a_person(format_id: str) -> None:
    record = entry(read(format_id), format_id, "contact_with_text")
    assert "@" in record.card["contact"]["email"]
    assert NoteKind.NEEDS_PERSON.value in kinds(record, "contact.email")


@pytest.mark.parametrize("format_id", IMPORT_FORMATS)
def test_replacement_characters_are_flagged_not_hidden(format_id: str) -> None:
    record = entry(read(format_id), format_id, "replacement_chars")
    flagged = [n for n in record.notes if "U+FFFD" in n.message]
    assert flagged and all(n.kind == NoteKind.NEEDS_PERSON.value for n in flagged)
    assert any("\ufffd" in str(v) for v in record.card.values())


@pytest.mark.parametrize("format_id", IMPORT_FORMATS)
def test_mis_decoded_text_is_flagged(format_id: str) -> None:
    record = entry(read(format_id), format_id, "mojibake")
    assert any("mis-decoded" in n.message and n.kind == "needs_person" for n in record.notes)


@pytest.mark.parametrize("format_id", IMPORT_FORMATS)
def test_duplicates_are_reported_once_and_never_imported_twice(format_id: str) -> None:
    records = read(format_id)
    duplicate = entry(records, format_id, "duplicate")
    assert duplicate.duplicate_of is not None and not duplicate.importable
    first = records[duplicate.duplicate_of]
    assert first.importable and first.content_key == duplicate.content_key
    keys = [r.content_key for r in records if r.importable]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("format_id", IMPORT_FORMATS)
def test_unknown_vocabulary_is_left_empty_and_named(format_id: str) -> None:
    record = entry(read(format_id), format_id, "unknown_vocabulary")
    messages = [n.message for n in record.notes if n.kind == NoteKind.NEEDS_PERSON.value]
    if format_id == "hf_model_card":
        assert "model_type" not in record.card and any(
            "Transformer ensemble" in m for m in messages
        )
    else:
        assert "status" not in record.card
        assert any("is not in our vocabulary for status" in m for m in messages)


@pytest.mark.parametrize("format_id", IMPORT_FORMATS)
def test_over_long_values_are_dropped_with_a_note_instead_of_failing_the_record(
    format_id: str,
) -> None:
    record = entry(read(format_id), format_id, "too_long")
    assert record.importable and "summary" not in record.card
    assert any(
        "refused by the card schema" in n.message for n in record.notes if n.field == "summary"
    )


def test_vocabulary_variants_are_read_with_a_note() -> None:
    flat = read("nl_register_export")
    rule_based = entry(flat, "nl_register_export", "vocabulary_variant")
    assert rule_based.card["model_type"] == {"kind": "rules", "self_learning": False}
    assert rule_based.card["status"] == "in_use"  # "Actief"
    assert rule_based.card["policy_areas"] == ["traffic_and_mobility"]  # Mobiliteit, Parkeren
    zelflerend = entry(flat, "nl_register_export", "replacement_chars")  # odd records: "Zelflerend"
    assert zelflerend.card["model_type"] == {"kind": "machine_learning", "self_learning": True}
    regelgebaseerd = entry(flat, "nl_register_export", "clean")
    assert regelgebaseerd.card["model_type"]["kind"] == "rules"
    for record in (rule_based, zelflerend, regelgebaseerd):
        assert NoteKind.CONVERTED.value in kinds(record, "model_type")
    nl = entry(read("nl_algoritmeregister"), "nl_algoritmeregister", "vocabulary_variant")
    assert nl.card["risk_category"] == "impactful"  # "Categorie B"
    assert NoteKind.CONVERTED.value in kinds(nl, "risk_category")
    atrs = entry(read("uk_atrs"), "uk_atrs", "vocabulary_variant")
    assert atrs.card["status"] == "in_use"  # "Live"


def test_dutch_records_stay_dutch_and_say_so() -> None:
    record = entry(read("nl_register_export"), "nl_register_export", "clean")
    assert record.language == "nl" == record.card["language"]
    assert record.card["purpose_and_impact"].startswith("Het doel is om foutparkeren")
    hf = entry(read("hf_model_card"), "hf_model_card", "other_language")
    assert hf.language == "nl"
    assert hf.card["summary"].startswith("Controleert een aanvraag")


def test_a_declared_language_the_text_contradicts_is_kept_and_flagged() -> None:
    record = entry(read("nl_algoritmeregister"), "nl_algoritmeregister", "other_language")
    assert record.language == "nl"
    assert any(
        n.field == "language" and n.kind == "needs_person" and "reads as 'en'" in n.message
        for n in record.notes
    )


def test_metadata_rows_of_the_flat_export_are_skipped_with_a_note() -> None:
    records = read("nl_register_export")
    reasons = [records[i].skipped or "" for i in range(3)]
    assert [
        "required flags" in reasons[0],
        "labels" in reasons[1],
        "descriptions" in reasons[2],
    ] == [
        True,
        True,
        True,
    ]
    assert all(records[i].card == {} for i in range(3))
    assert records[3].importable


def test_months_are_read_from_dates_but_never_made_up_from_a_year() -> None:
    nl = read("nl_algoritmeregister")
    dates = entry(nl, "nl_algoritmeregister", "messy_dates")
    assert (dates.card["in_use_from"], dates.card["in_use_until"]) == ("2021-03", "2023-07")
    year = entry(nl, "nl_algoritmeregister", "year_only")
    assert "in_use_from" not in year.card
    assert NoteKind.NEEDS_PERSON.value in kinds(year, "in_use_from")


def test_html_of_the_dutch_standard_becomes_plain_text() -> None:
    record = entry(read("nl_algoritmeregister"), "nl_algoritmeregister", "html")
    assert record.card["purpose_and_impact"] == "Het doel:\n- sneller beoordelen\n- minder fouten"


def test_unknown_keys_are_reported_not_dropped_silently() -> None:
    record = entry(read("nl_algoritmeregister"), "nl_algoritmeregister", "unknown_keys")
    assert any(n.source_key == "interne_notitie" and n.kind == "not_mapped" for n in record.notes)
    atrs = entry(read("uk_atrs"), "uk_atrs", "unknown_keys")
    assert any(n.source_key == "tier_3.internal_note" for n in atrs.notes)


@pytest.mark.parametrize("format_id", ["nl_algoritmeregister", "nl_register_export"])
def test_every_filled_source_key_of_a_clean_record_has_a_note(format_id: str) -> None:
    record = entry(read(format_id), format_id, "clean")
    noted = {n.source_key for n in record.notes}
    source = json.loads(messy_bytes(format_id))[OFFSET.get(format_id, 0)]
    filled = {k for k, v in source.items() if v not in (None, "", [])}
    assert filled - noted == set()


def test_the_report_says_what_needs_a_person() -> None:
    text = report_text(read("nl_register_export"))
    assert text.startswith("35 entries: 30 become drafts, 3 skipped, 2 duplicates.")
    assert "needs a person: The value 'Black box' of 'type' is not in our vocabulary" in text
    assert "is a metadata row (labels)" in text


def test_rereading_the_same_file_gives_the_same_content_keys() -> None:
    first = [r.content_key for r in read("uk_atrs")]
    assert first == [r.content_key for r in read("uk_atrs")]


def test_a_bad_date_costs_the_date_not_the_assessment() -> None:
    record = entry(read("uk_atrs"), "uk_atrs", "messy_dates")
    assert record.card["impact_assessments"] == [
        {
            "kind": "data_protection",
            "summary": "No high risk found after mitigation.",
            "url": "https://council.example/dpia",
        }
    ]
    assert any("'February 2023' is not a date" in n.message for n in record.notes)
