"""The upload wizard asks, optionally, for the names readers will see for each group attribute,
in English and Chinese; they go into the spec's labels, and a bad one is sent back to its field."""

from __future__ import annotations

import json

import pytest

from tests.console.conftest import signed_in, soup
from tests.console.test_audit_wizard import _csv, audits, draft_path, post_form, upload
from tests.console.test_audit_wizard import world as world  # the fixture

pytestmark = pytest.mark.db

CHECKS = {"favourable_outcome": "beneficial", "check_mode": "four-fifths", "reference": "overall"}


def _to_checks(console, world) -> str:  # type: ignore[no-untyped-def]
    signed_in(console, world["auditor"])
    base = draft_path(upload(console, world["algorithm"].public_id, _csv()))
    saved = post_form(
        console,
        base + "/columns",
        {"mode": "prediction", "prediction": "selected", "label": "outcome",
         "sensitive_features": ["sex", "region"]},
    )  # fmt: skip
    assert saved.status_code == 303
    return base


def test_names_given_in_the_wizard_become_the_spec_labels(console, session, world):
    base = _to_checks(console, world)
    page = soup(console.get(base + "/checks"))
    assert [i["name"] for i in page.select("#names input")] == [
        "name_1_en",
        "name_1_zh",
        "name_2_en",
        "name_2_zh",
    ]
    names = {"name_1_en": "Gender", "name_1_zh": "性别", "name_2_zh": "地区"}
    done = post_form(console, base + "/checks", {**CHECKS, **names})
    assert done.status_code == 303, done.text[:2000]
    summary = soup(console.get(base + "/summary"))
    spec = json.loads(summary.select_one("pre code").get_text())
    assert spec["labels"] == {
        "attributes": {"sex": {"en": "Gender", "zh-CN": "性别"}, "region": {"zh-CN": "地区"}}
    }
    assert "sex (Gender / 性别)" in summary.get_text()
    again = soup(console.get(base + "/checks"))
    assert again.select_one("#name_1_en")["value"] == "Gender"  # kept between visits
    assert post_form(console, base + "/submit", {}).status_code == 303
    [audit] = audits(session)
    assert audit.spec["labels"]["attributes"]["sex"]["zh-CN"] == "性别"


def test_without_names_the_spec_has_no_labels(console, world):
    base = _to_checks(console, world)
    assert post_form(console, base + "/checks", CHECKS).status_code == 303
    spec = json.loads(soup(console.get(base + "/summary")).select_one("pre code").get_text())
    assert "labels" not in spec


def test_a_name_the_engine_refuses_links_back_to_the_names(console, world):
    base = _to_checks(console, world)
    post_form(console, base + "/checks", {**CHECKS, "name_1_en": "Gen\u202eder"})
    summary = soup(console.get(base + "/summary"))
    link = summary.select_one(".error-summary a")
    assert link["href"].endswith("/checks#name_1_en")
    assert "labels.attributes.sex.en" in link.get_text()
