"""The readable card diff: labels, item names, reading order and groups, word-level changes."""

from __future__ import annotations

from registry.pages.diff_view import card_changes, change_groups, path_label, word_diff


def _joined(segments, ops=("equal", "delete", "insert")):  # type: ignore[no-untyped-def]
    return "".join(s["text"] for s in segments if s["op"] in ops)


def test_labels_name_list_items_by_their_name_in_both_languages():
    card = {"data_sources": [{"name": "Claims database", "role": "training"}]}
    assert path_label("data_sources.0.retention", "en", card=card) == (
        "Data sources › Claims database › Retention"
    )
    assert path_label("data_sources.0.retention", "zh-CN", card=card) == (
        "数据来源 › Claims database › 保存期限"
    )
    assert path_label("inputs.5", "en", items=["Postcode"]) == "Inputs › Postcode"


def test_an_item_without_a_name_is_numbered_and_codes_become_words():
    assert path_label("inputs.5", "en") == "Inputs › item 6"
    assert path_label("inputs.5", "zh-CN") == "输入 › 第 6 项"
    withheld = {"withheld": [{"field": "source_code_url", "reason": "security"}]}
    assert path_label("withheld.0.explanation", "en", card=withheld) == (
        "Withheld information › Source code › Explanation"
    )
    assert path_label("policy_areas.0", "zh-CN", card={"policy_areas": ["housing"]}) == (
        "政策领域 › 住房"
    )


def test_a_translation_is_labelled_by_its_languages_name():
    assert path_label("translations.zh-CN.summary", "en") == (
        "Translations › Chinese (Simplified, China) › Summary"
    )
    assert path_label("translations.en.summary", "zh-CN") == "译文 › 英语 › 摘要"


def test_changes_come_key_first_grouped_by_section_translations_last():
    old = {
        "name": "A",
        "license": "MIT",
        "translations": {"zh-CN": {"summary": "旧的摘要"}},
        "inputs": ["Income"],
        "appeal_route": "By post.",
    }
    new = {
        "name": "B",
        "license": "Apache-2.0",
        "translations": {"zh-CN": {"summary": "新的摘要"}},
        "inputs": ["Income", "Postcode"],
        "appeal_route": "By post or online.",
    }
    changes = card_changes(old, new, "en")
    assert [c["label"] for c in changes] == [
        "Inputs › Postcode",
        "How to object",
        "Name",
        "Licence",
        "Translations › Chinese (Simplified, China) › Summary",
    ]
    assert [c["importance"] for c in changes] == ["key", "key", "normal", "normal", "translation"]
    assert changes[0]["item"] == "Postcode" and changes[0]["kind"] == "added"
    assert changes[0]["path"] == "inputs.1"
    groups = change_groups(changes, "en")
    assert [(g["key"], g["title"], g["count"]) for g in groups] == [
        ("key", "The changes that matter most", 2),
        ("identity", "Identity and lifecycle", 1),
        ("technical", "Technical", 1),
        ("translations", "Translations", 1),
    ]
    assert [g["title"] for g in change_groups(card_changes(old, new, "zh-CN"), "zh-CN")] == [
        "最重要的变更",
        "基本信息与生命周期",
        "技术信息",
        "译文",
    ]


def test_controlled_values_show_in_words_and_are_not_word_diffed():
    changes = card_changes({"risk_category": "other"}, {"risk_category": "high_risk"}, "zh-CN")
    assert changes[0]["old"] == {"kind": "choice", "value": "other", "text": "其他"}
    assert changes[0]["new"]["text"] == "高风险"  # type: ignore[index, typeddict-item]
    assert changes[0]["text_diff"] is None
    role = card_changes(
        {"data_sources": [{"name": "Claims", "role": "training"}]},
        {"data_sources": [{"name": "Claims", "role": "input"}]},
        "en",
    )
    assert role[0]["label"] == "Data sources › Claims › Role"
    assert role[0]["old"]["kind"] == "choice"  # type: ignore[index]


def test_word_diff_marks_only_the_changed_words():
    diff = word_diff("Caseworkers may reorder any case.", "Caseworkers must check any case.")
    assert diff is not None
    assert _joined(diff["old"]) == "Caseworkers may reorder any case."
    assert _joined(diff["new"]) == "Caseworkers must check any case."
    assert _joined(diff["old"], ("delete",)) == "may reorder"
    assert _joined(diff["new"], ("insert",)) == "must check"


def test_word_diff_of_chinese_works_per_character():
    diff = word_diff("由工作人员审核每一个排序结果。", "由两名工作人员审核每一个排序结果。")
    assert diff is not None
    assert _joined(diff["new"], ("insert",)) == "两名"
    assert _joined(diff["old"], ("delete",)) == ""
    assert _joined(diff["old"]) == "由工作人员审核每一个排序结果。"


def test_a_text_rewritten_completely_is_shown_whole():
    assert word_diff("Monthly.", "Every week, on Fridays") is None
    changes = card_changes({"summary": "Monthly."}, {"summary": "Every week, on Fridays"}, "en")
    assert changes[0]["text_diff"] is None


def test_one_unchanged_word_between_two_changes_is_folded_into_them():
    diff = word_diff("the red fox jumps high today", "the blue cat jumps low today")
    assert diff is not None
    assert [s["op"] for s in diff["old"]] == ["equal", "delete", "equal", "delete", "equal"]
    assert _joined(diff["old"], ("delete",)) == "red foxhigh"
    folded = word_diff("a b c d e f g", "a X c Y e f g")
    assert folded is not None
    assert _joined(folded["old"], ("delete",)) == "b c d"


def test_a_translation_added_whole_is_one_row_per_language_with_labelled_fields():
    new = {"translations": {"zh-CN": {"name": "福利申请分流", "summary": "对申请排序。"}}}
    changes = card_changes({}, new, "en")
    assert [(c["path"], c["label"], c["kind"]) for c in changes] == [
        ("translations.zh-CN", "Translations › Chinese (Simplified, China)", "added"),
    ]
    shown = changes[0]["new"]
    assert shown is not None and shown["kind"] == "record"
    assert [e["label"] for e in shown["entries"]] == ["Name", "Summary"]
