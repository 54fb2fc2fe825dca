"""The public version diff reads as a list of changes: what matters most first, by section, in
words, with the changed words marked; its twins keep the paths and add labels and sections."""

from __future__ import annotations

import csv
import io

import pytest

from tests.pages.conftest import parse

HEADINGS = {
    "en": ["The changes that matter most", "Identity and lifecycle", "Risk and fairness"],
    "zh-CN": ["最重要的变更", "基本信息与生命周期", "风险与公平"],
}
LABELS = {
    "en": ["Human oversight", "Summary", "Withheld information › Source code"],
    "zh-CN": ["人工监督", "概述", "不予公开的信息 › 源代码"],
}


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_changes_are_grouped_key_first_and_labelled_in_the_readers_language(client, world, lang):
    soup = parse(client.get(f"/algorithms/{world.main.public_id}/diff?from=1&to=3&lang={lang}"))

    groups = soup.select("section.diff-group")
    assert [g.select_one("h2").get_text() for g in groups] == HEADINGS[lang]
    labels = [th.get_text() for th in soup.select("section.diff-group tbody th[scope=row]")]
    assert labels == LABELS[lang]
    for group in groups:
        assert group["aria-labelledby"] == group.select_one("h2")["id"]
        assert group.select_one("table caption").get_text()


@pytest.mark.parametrize(
    ("lang", "removed", "added"), [("en", "removed", "added"), ("zh-CN", "删除", "新增")]
)
def test_changed_words_are_marked_with_words_for_screen_readers(
    client, world, lang, removed, added
):
    soup = parse(client.get(f"/algorithms/{world.main.public_id}/diff?from=1&to=3&lang={lang}"))

    row = soup.select_one('tr[id="change-human_oversight"]')
    deleted = row.select(".diff-old del")
    inserted = row.select(".diff-new ins")
    # Two changed stretches around the kept "ranking" (the short "any" is folded into the second).
    assert [i.get_text() for i in inserted] == [
        f"[{added}: A caseworker checks every]",
        f"[{added}: before any letter is sent.]",
    ]
    assert len(deleted) == 2
    assert all(d.select_one(".visually-hidden").get_text() == f"[{removed}: " for d in deleted)
    assert all(i.select_one(".visually-hidden").get_text() == f"[{added}: " for i in inserted)
    assert "ranking" not in " ".join(d.get_text() for d in deleted)


def test_a_withholding_names_the_field_in_words_not_its_code(client, world):
    soup = parse(client.get(f"/algorithms/{world.main.public_id}/diff?from=2&to=3"))

    row = soup.select_one('tr[id="change-withheld.0"]')
    assert row.select_one("th").get_text() == "Withheld information › Source code"
    assert "source_code_url" not in row.get_text()
    assert "Source code" in row.select_one(".diff-new").get_text()


def test_the_json_twin_keeps_paths_and_adds_labels_sections_importance_and_words(client, world):
    body = client.get(f"/algorithms/{world.main.public_id}/diff.json?from=1&to=3&lang=zh-CN").json()

    assert [(c["path"], c["section"], c["importance"], c["group"]) for c in body["changes"]] == [
        ("human_oversight", "decision", "key", "key"),
        ("summary", "identity", "normal", "identity"),
        ("withheld.0", "risk", "normal", "risk"),
    ]
    assert [c["label"] for c in body["changes"]] == LABELS["zh-CN"]
    assert body["changes"][2]["item"] == "源代码"
    assert [(g["key"], g["title"], g["count"]) for g in body["groups"]] == [
        ("key", "最重要的变更", 1),
        ("identity", "基本信息与生命周期", 1),
        ("risk", "风险与公平", 1),
    ]
    words = body["changes"][0]["text_diff"]
    assert "".join(s["text"] for s in words["old"]) == (
        "Caseworkers see the ranking and may reorder any case."
    )
    assert {s["op"] for s in words["new"]} == {"equal", "insert"}


def test_the_csv_twin_adds_item_section_and_importance_columns(client, world):
    text = client.get(f"/algorithms/{world.main.public_id}/diff.csv?from=1&to=3").text
    rows = list(csv.DictReader(io.StringIO(text)))

    assert [(r["path"], r["field"], r["section"], r["importance"]) for r in rows] == [
        ("human_oversight", "Human oversight", "decision", "key"),
        ("summary", "Summary", "identity", "normal"),
        ("withheld.0", "Withheld information › Source code", "risk", "normal"),
    ]
    assert rows[2]["item"] == "Source code"
