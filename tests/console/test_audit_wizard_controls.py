"""The upload wizard's optional "compare within the same" choice: control features go into the
spec (and its summary in words), may be named for readers, and are refused when they are also a
group attribute or another column's role."""

from __future__ import annotations

import json

import pytest

from tests.console.conftest import signed_in, soup
from tests.console.test_audit_wizard import _csv, audits, draft_path, post_form, upload, world

pytestmark = pytest.mark.db

__all__ = ["world"]

COLUMNS = {"mode": "prediction", "prediction": "selected", "label": "outcome"}


def test_a_control_feature_reaches_the_spec_and_the_summary(console, session, world):
    signed_in(console, world["auditor"])
    base = draft_path(upload(console, world["algorithm"].public_id, _csv()))
    page = soup(console.get(base + "/columns"))
    assert page.select_one("#control_features legend").get_text(strip=True) == (
        "Compare within the same (optional)"
    )
    assert page.select("input[name=control_features][checked]") == []
    saved = post_form(
        console,
        base + "/columns",
        {**COLUMNS, "sensitive_features": ["sex"], "control_features": ["region"]},
    )
    assert saved.status_code == 303, saved.text[:2000]
    ticked = soup(console.get(base + "/columns")).select("input[name=control_features][checked]")
    assert [i["value"] for i in ticked] == ["region"]
    checks = soup(console.get(base + "/checks"))
    assert "region" in checks.get_text()  # a name for readers may be given
    posted = post_form(
        console,
        base + "/checks",
        {"favourable_outcome": "beneficial", "check_mode": "default",
         "reference": "most_favoured", "name_2_en": "Region", "name_2_zh": "地区"},
    )  # fmt: skip
    assert posted.status_code == 303, posted.text[:2000]
    summary = soup(console.get(base + "/summary"))
    spec = json.loads(summary.select_one("pre code").get_text())
    assert spec["columns"]["control_features"] == ["region"]
    assert spec["labels"]["attributes"]["region"] == {"en": "Region", "zh-CN": "地区"}
    words = {
        row.select_one("dt").get_text(): row.select_one("dd").get_text()
        for row in summary.select("dl.facts div")
    }
    assert words["Compared within the same"].startswith("region")
    done = post_form(console, base + "/submit", {})
    assert done.status_code == 303, done.text[:3000]
    [audit] = audits(session)
    assert audit.spec["columns"]["control_features"] == ["region"]


def test_without_a_control_feature_the_spec_has_none(console, world):
    signed_in(console, world["auditor"])
    base = draft_path(upload(console, world["algorithm"].public_id, _csv()))
    post_form(console, base + "/columns", {**COLUMNS, "sensitive_features": ["sex", "region"]})
    post_form(
        console,
        base + "/checks",
        {"favourable_outcome": "beneficial", "check_mode": "default",
         "reference": "most_favoured"},
    )  # fmt: skip
    spec = json.loads(soup(console.get(base + "/summary")).select_one("pre code").get_text())
    assert "control_features" not in spec["columns"]


@pytest.mark.parametrize(
    ("controls", "message"),
    [
        (["sex"], "sex is a group attribute: a column is either compared across its groups"),
        (["selected"], "selected is already the prediction column"),
        (["case_id"], "case_id looks like an identifier"),
    ],
)
def test_a_bad_control_feature_is_422_on_its_field(console, world, controls, message):
    signed_in(console, world["auditor"])
    base = draft_path(upload(console, world["algorithm"].public_id, _csv()))
    response = post_form(
        console,
        base + "/columns",
        {**COLUMNS, "sensitive_features": ["sex"], "control_features": controls},
    )
    assert response.status_code == 422
    assert message in soup(response).select_one("#control_features-error").get_text()
