"""The rules every reader shares: unreadable files raise FormatError (with where), messy values
never raise, and the small readers (contact, month, language, HTML) behave as documented."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from registry.formats import FORMATS, FormatError
from registry.formats._reading import RecordBuilder, guess_language, html_to_text, language_tag
from registry.formats.common import month_of, split_contact


def builder(entry: dict[str, object]) -> RecordBuilder:
    return RecordBuilder(entry, index=0, standard="S", standard_version="1", content="k")


def test_invalid_json_names_the_line() -> None:
    with pytest.raises(FormatError) as caught:
        FORMATS["nl_algoritmeregister"].read(b'[\n{"name": "a"},\n{"name": }\n]')
    assert caught.value.line == 3
    assert "line 3" in str(caught.value)


@pytest.mark.parametrize(
    ("format_id", "data", "words"),
    [
        ("nl_register_export", b'{"name": "x"}', "JSON list"),
        ("nl_algoritmeregister", b'"just text"', "one registration"),
        ("uk_atrs", b"name,description\nA,B\n", "tier_1.name"),
        ("hf_model_card", b"   ", "empty"),
    ],
)
def test_a_file_of_the_wrong_shape_is_refused_in_words(
    format_id: str, data: bytes, words: str
) -> None:
    with pytest.raises(FormatError, match=words):
        FORMATS[format_id].read(data)


def test_a_zip_without_model_cards_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "hello")
    with pytest.raises(FormatError, match="no Markdown"):
        FORMATS["hf_model_card"].read(buffer.getvalue())


def test_entries_that_are_not_records_are_skipped_not_fatal() -> None:
    records = FORMATS["nl_algoritmeregister"].read(json.dumps([42, {"name": "A"}]).encode())
    assert records[0].skipped == "Entry 0 is a int, not a registration."
    assert records[1].importable and records[1].card["name"] == "A"


def test_bytes_that_are_not_utf8_become_flagged_replacement_characters() -> None:
    data = '[{"name": "Caf\xe9 check", "lang": "nld"}]'.encode("latin-1")
    record = FORMATS["nl_algoritmeregister"].read(data)[0]
    assert record.card["name"] == "Caf\ufffd check"
    assert any("U+FFFD" in n.message for n in record.notes if n.field == "name")


def test_a_messy_model_card_without_front_matter_is_still_read() -> None:
    record = FORMATS["hf_model_card"].read(
        b"# Model Card for Triage\n\n## Model Description\n\nSorts.\n"
    )[0]
    assert record.card["name"] == "Triage" and record.card["summary"] == "Sorts."
    assert any("no YAML front matter" in n.message for n in record.notes)


def test_broken_front_matter_is_ignored_with_a_note() -> None:
    text = b"---\nlicense: [unclosed\n---\n# Model Card for X\n"
    record = FORMATS["hf_model_card"].read(text)[0]
    assert record.card["name"] == "X"
    assert any("cannot be read" in n.message for n in record.notes)


@pytest.mark.parametrize(
    ("value", "card", "kind"),
    [
        ("team@agency.example", {"contact": {"email": "team@agency.example"}}, "mapped"),
        ("mailto:team@agency.example", {"contact": {"email": "team@agency.example"}}, "converted"),
        (
            "https://agency.example/ask",
            {"contact": {"form_url": "https://agency.example/ask"}},
            "converted",
        ),
        (
            "www.agency.example/ask",
            {"contact": {"form_url": "https://www.agency.example/ask"}},
            "converted",
        ),
        ("call the front desk", {}, "needs_person"),
    ],
)
def test_contact_values(value: str, card: dict[str, object], kind: str) -> None:
    b = builder({"contact": value})
    split_contact(b, "contact", required=True)
    assert b.card == card
    assert kind in {n.kind for n in b.notes}


@pytest.mark.parametrize(
    ("value", "month"),
    [
        ("2023-04", "2023-04"),
        ("2023-4", "2023-04"),
        ("2023-04-30", "2023-04"),
        ("04-2023", "2023-04"),
        ("30/04/2023", "2023-04"),
        ("2023/04", "2023-04"),
        ("2023", None),
        ("April 2023", None),
        ("2023-13", None),
    ],
)
def test_months(value: str, month: str | None) -> None:
    b = builder({"date": value})
    month_of(b, "date", "in_use_from")
    assert b.card.get("in_use_from") == month


def test_language_codes_and_guesses() -> None:
    assert [language_tag(v) for v in ("nld", "NL", "eng", "zh", "xx")] == [
        "nl",
        "nl",
        "en",
        "zh-CN",
        None,
    ]
    assert (
        guess_language(["Het doel van dit algoritme is dat de aanvragen sneller worden beoordeeld"])
        == "nl"
    )
    assert (
        guess_language(
            ["The aim of the tool is that the applications are assessed faster by the team"]
        )
        == "en"
    )
    assert guess_language(["帮助有限的核查人员优先查看最可能出错的申请"]) == "zh-CN"
    assert guess_language(["Parkeerscan"]) is None


def test_html_becomes_text_with_lines_and_dashes() -> None:
    assert (
        html_to_text("<p>Doel:</p><ul><li>a &amp; b</li><li>c</li></ul>") == "Doel:\n- a & b\n- c"
    )


def test_an_application_url_with_a_broken_host_is_noted_not_fatal() -> None:
    data = json.dumps([{"name": "A", "application_url": "https://[not-an-ip]/x"}]).encode()
    record = FORMATS["nl_register_export"].read(data)[0]
    assert "application_products" not in record.card
    assert any(n.source_key == "application_url" and n.kind == "needs_person" for n in record.notes)
