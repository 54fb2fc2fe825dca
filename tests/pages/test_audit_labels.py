"""Readers see names, never data codes: the audit page, its twins and the algorithm page name
attributes, groups and checks by the auditor's labels in English and Chinese, say statistical
settings and engine notes in words, and the twins keep each code beside its name."""

from __future__ import annotations

import csv
import io
import re

import pytest
from bs4 import BeautifulSoup

from registry.models.audit import Audit
from registry.services.audits.publication import default_response
from tests.pages.conftest import parse
from tests.pages.labelled_audit import CODES, LABELS, label_stored_audit, labelled_report
from tests.pages.world import audit_report

LANGS = ("en", "zh-CN")


def visible_text(soup: BeautifulSoup) -> str:
    """Every text a reader can see (scripts and styles left out), SVG titles included."""
    for hidden in soup.select("script, style, template"):
        hidden.decompose()
    return soup.get_text(" ")


def codes_in(text: str) -> list[str]:
    return [c for c in CODES if re.search(rf"(?<![\w-]){re.escape(c)}(?![\w-])", text)]


def _label(part: dict, lang: str) -> str:
    return part[lang]


@pytest.fixture
def labelled(session, world):  # type: ignore[no-untyped-def]
    label_stored_audit(session, world.audit_id)
    return world


@pytest.mark.parametrize("lang", LANGS)
def test_audit_page_shows_names_and_no_code_when_labels_exist(client, labelled, lang):
    soup = parse(client.get(f"/audits/{labelled.audit_id}?lang={lang}"))
    sex, groups = LABELS["attributes"]["sex"], LABELS["groups"]["sex"]
    check = LABELS["checks"]["selection_ratio"]
    assert [h.get_text(strip=True) for h in soup.select("#results-heading ~ h3")] == [sex[lang]]
    table = soup.select_one("#results-heading ~ .table-wrap table")
    caption = table.select_one("caption").get_text()
    assert sex[lang] in caption and groups["male"][lang] in caption
    rows = [r.select_one("th").get_text(" ", strip=True) for r in table.select("tbody tr")]
    assert rows[0].startswith(groups["female"][lang])
    assert any(r.startswith(groups["nonbinary"][lang]) for r in rows)
    assert sex[lang] in soup.select_one("figure.chart svg title").get_text()
    assert groups["female"][lang] in soup.select_one("figure.chart svg desc").get_text()
    declared = soup.select_one("#tested-heading ~ .table-wrap tbody th").get_text(" ")
    assert check[lang] in declared
    notes = soup.select("#notes-heading ~ ul li")
    assert not any(li.get("lang") for li in notes)  # every note is in the page's language
    assert any(check[lang] in li.get_text() for li in notes)
    unknown = notes[-1].get_text()
    assert sex[lang] in unknown
    assert ("fewer than 10" if lang == "en" else "少于 10") in unknown
    text = visible_text(soup)
    assert codes_in(text) == []
    settings = {
        "en": "Benjamini-Hochberg false discovery rate control",
        "zh-CN": "Benjamini-Hochberg 错误发现率控制",
    }
    assert settings[lang] in text
    assert ("Wilson score interval" if lang == "en" else "Wilson 得分区间") in text


@pytest.mark.parametrize("lang", LANGS)
def test_algorithm_page_shows_no_code_of_its_labelled_audit(client, labelled, lang):
    soup = parse(client.get(f"/algorithms/{labelled.main.public_id}?lang={lang}"))
    assert labelled.audit_id in soup.get_text()
    assert codes_in(visible_text(soup)) == []


def test_audit_twins_keep_each_code_beside_its_name(client, labelled):
    data = client.get(f"/audits/{labelled.audit_id}.json?lang=zh-CN").json()
    section = data["attributes"][0]
    assert (section["attribute"], section["label"]) == ("sex", "性别")
    table = section["tables"][0]
    assert (table["check"], table["check_label"]) == ("selection_ratio", "录取率比值")
    assert (table["reference"], table["reference_label"]) == ("male", "男性")
    assert {(r["group"], r["label"]) for r in table["rows"]} == {
        ("female", "女性"),
        ("male", "男性"),
        ("nonbinary", "非二元性别者"),
    }
    assert (data["checks"][0]["name"], data["checks"][0]["label"]) == (
        "selection_ratio",
        "录取率比值",
    )
    assert data["statistics"]["correction"]["value"] == "bh"
    assert "错误发现率" in data["statistics"]["correction"]["text"]
    assert [n["code"] for n in data["notes_shown"]] == ["outcome", "check", "unknown"]
    assert data["notes"] == labelled_report()["notes"]  # the engine's English, as stored
    text = client.get(f"/audits/{labelled.audit_id}.csv?lang=en").text
    rows = list(csv.DictReader(io.StringIO(text)))
    female = next(r for r in rows if r["group"] == "female")
    assert (female["attribute"], female["attribute_label"]) == ("sex", "Gender")
    assert (female["check"], female["check_label"]) == ("selection_ratio", "Offer rate ratio")
    assert female["group_label"] == "Women"


@pytest.mark.parametrize("lang", LANGS)
def test_without_labels_checks_and_settings_are_still_said_in_words(client, world, lang):
    soup = parse(client.get(f"/audits/{world.audit_id}?lang={lang}"))
    declared = soup.select_one("#tested-heading ~ .table-wrap tbody th").get_text(" ")
    assert ("Selection rate ratio" if lang == "en" else "选中率比值") in declared
    heading = soup.select_one("#results-heading ~ h3").get_text(strip=True)
    assert heading == ("Sex" if lang == "en" else "sex")  # the code as given, without a label
    text = visible_text(soup)
    assert not re.search(r"(?<![\w-])(bh|selection_ratio)(?![\w-])", text)


def test_default_response_names_failed_checks_by_their_labels_in_each_language():
    audit = Audit(
        report=labelled_report(), verdicts=[{"name": "selection_ratio", "verdict": "fail"}]
    )
    english, chinese = default_response(audit, "en"), default_response(audit, "zh-CN")
    assert "did not pass: “Offer rate ratio”." in english
    assert "以下检查未通过：“录取率比值”。" in chinese
    assert "selection_ratio" not in english + chinese
    bare = Audit(report=audit_report(), verdicts=[{"name": "selection_ratio", "verdict": "fail"}])
    assert "“Selection rate ratio”" in default_response(bare, "en")
    assert "“选中率比值”" in default_response(bare, "zh-CN")


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_settings_name_the_ratio_interval_the_report_recorded(lang):
    from registry.i18n import gettext
    from registry.pages.audit_words import METHODS, statistical_settings

    comparisons = [{"ratio_ci_low": 0.5, "ratio_ci_high": 0.9, "difference_ci_low": -0.2}]
    recorded = {"comparisons": comparisons, "provenance": {"ratio_interval": "miettinen_nurminen"}}
    older = {"comparisons": comparisons, "provenance": {}}  # before the provenance named it
    for report, method in ((recorded, "miettinen_nurminen"), (older, "katz")):
        words = statistical_settings(report, {}, lang)["methods"]
        assert {"value": method, "text": gettext(lang, METHODS[method])} in words
    assert "Miettinen-Nurminen" in gettext(lang, METHODS["miettinen_nurminen"])
