"""The import report's notes in the reader's language: a Msg keeps its template and values, the
console translates the template and fills it; what the catalogs cannot translate stays English
(and is marked so), and a translation that does not fit its values never breaks the page."""

from __future__ import annotations

from registry.console.vm_import import translated
from registry.formats._base import MappingNote, Msg
from registry.services.records_import import MSG_DUPLICATE_IN_FILE

EMPTY = "The source key '{key}' is empty; {field} was left empty."


def test_a_msg_is_its_english_sentence_and_keeps_template_and_values() -> None:
    message = Msg(EMPTY, key="goal", field="purpose_and_impact")
    assert message == "The source key 'goal' is empty; purpose_and_impact was left empty."
    note = MappingNote.of("purpose_and_impact", "empty", message, "goal")
    assert (note.template, note.values) == (EMPTY, {"key": "goal", "field": "purpose_and_impact"})
    plain = MappingNote.of("", "mapped", "A plain sentence.")
    assert (plain.message, plain.template, plain.values) == ("A plain sentence.", "", {})


def test_the_console_translates_the_template_and_keeps_the_keys() -> None:
    message = Msg(EMPTY, key="goal", field="purpose_and_impact")
    text, lang = translated(message.template, message.values, str(message), "zh-CN")
    assert (text, lang) == ("来源键 'goal' 为空；purpose_and_impact 也留空。", "zh-CN")
    assert translated(message.template, message.values, str(message), "en") == (message, "en")


def test_a_nested_message_is_translated_too() -> None:
    message = Msg(
        "{reason} {duplicate}",
        reason=Msg("The record has no name (title) to register it under."),
        duplicate=Msg(MSG_DUPLICATE_IN_FILE, n=3),
    )
    text, lang = translated(message.template, message.values, str(message), "zh-CN")
    assert lang == "zh-CN"
    assert text == (
        "该记录没有可用于登记的名称（标题）。 同一记录在本文件中已出现过（第 3 条记录）。"
    )


def test_what_cannot_be_translated_stays_english_and_says_so() -> None:
    unknown = Msg("A sentence no catalog has, about '{key}'.", key="x")
    assert translated(unknown.template, unknown.values, str(unknown), "zh-CN") == (unknown, "en")
    # values that do not fit the template (a damaged report): the English sentence, not an error
    assert translated(EMPTY, {"key": "goal"}, "English.", "zh-CN") == ("English.", "en")
    assert translated("", {}, "No template.", "zh-CN") == ("No template.", "en")


def test_every_note_and_reason_of_the_messy_files_reads_in_chinese() -> None:
    """The deliberately messy import files of every format (every mess the formats handle): each
    note and skip reason has a template the zh_CN catalog translates, filled without error."""
    from registry.formats import FORMATS
    from tests.registry.formats.helpers import messy_bytes

    untranslated: set[str] = set()
    count = 0
    for format_id in ("nl_algoritmeregister", "nl_register_export", "uk_atrs", "hf_model_card"):
        for record in FORMATS[format_id].read(messy_bytes(format_id)):
            shown = [(n.template, n.values, n.message) for n in record.notes]
            if record.skipped:
                skipped = record.skipped
                shown.append(
                    (getattr(skipped, "template", ""), getattr(skipped, "values", {}), skipped)
                )
            for template, values, message in shown:
                count += 1
                _text, lang = translated(template, values, message, "zh-CN")
                if lang != "zh-CN":
                    untranslated.add(template or message)
    assert count > 500
    assert untranslated == set()
