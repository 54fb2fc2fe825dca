"""registry.audit_labels: the names of attributes, groups and checks, their fallbacks, and the
names of intersections joined from their parts."""

from __future__ import annotations

from typing import Any

import pytest

from registry.audit_labels import attribute_label, check_label, group_label, has_labels

REPORT: dict[str, Any] = {
    "spec": {
        "columns": {"sensitive_features": ["age_band", "nationality"]},
        "checks": [
            {"name": "fpr_ratio", "metric": "false_positive_rate", "kind": "ratio"},
            {"name": "tpr_gap", "metric": "true_positive_rate", "kind": "difference"},
        ],
        "labels": {
            "attributes": {
                "age_band": {"en": "Age band", "zh-CN": "年龄段"},
                "nationality": {"en": "Nationality"},
            },
            "groups": {
                "age_band": {"18-24": {"en": "18 to 24", "zh-CN": "18至24岁"}},
                "nationality": {"non-eu": {"zh-CN": "非欧盟国籍"}},
            },
            "checks": {"fpr_ratio": {"en": "Wrongful flag ratio", "zh-CN": "误标比值"}},
        },
    }
}


@pytest.mark.parametrize(("lang", "expected"), [("en", "Age band"), ("zh-CN", "年龄段")])
def test_an_attribute_is_named_in_the_readers_language(lang, expected):
    assert attribute_label(REPORT, "age_band", lang) == expected


def test_a_missing_language_falls_back_to_the_other_one():
    assert attribute_label(REPORT, "nationality", "zh-CN") == "Nationality"
    assert group_label(REPORT, "nationality", "non-eu", "en") == "非欧盟国籍"


def test_without_a_label_an_attribute_is_written_in_words_in_english_only():
    bare = {"spec": {"columns": {"sensitive_features": ["household_income"]}}}
    assert attribute_label(bare, "household_income", "en") == "Household income"
    assert attribute_label(bare, "household_income", "zh-CN") == "household_income"
    assert attribute_label({}, "sex", "en") == "Sex"


def test_a_group_without_a_label_is_shown_as_in_the_data_and_unknown_in_words():
    assert group_label(REPORT, "age_band", "65+", "en") == "65+"
    assert group_label(REPORT, "age_band", "unknown", "en") == "Unknown"
    assert group_label(REPORT, "age_band", "unknown", "zh-CN") == "未知"


def test_an_intersection_joins_the_names_of_its_parts():
    attribute = "age_band & nationality"
    assert attribute_label(REPORT, attribute, "en") == "Age band × Nationality"
    assert attribute_label(REPORT, attribute, "zh-CN") == "年龄段 × Nationality"
    assert group_label(REPORT, attribute, "18-24 & non-eu", "zh-CN") == "18至24岁 · 非欧盟国籍"
    # a group whose parts do not line up with the attribute's is shown whole
    assert group_label(REPORT, attribute, "18-24", "en") == "18-24"


def test_a_check_is_named_by_its_label_else_by_its_measure_and_kind():
    assert check_label(REPORT, "fpr_ratio", "zh-CN") == "误标比值"
    assert check_label(REPORT, "tpr_gap", "en") == "True positive rate difference"
    assert check_label(REPORT, "undeclared", "en") == "undeclared"


def test_has_labels_says_whether_the_auditor_named_anything():
    assert has_labels(REPORT)
    assert not has_labels({"spec": {"labels": {}}}) and not has_labels(None)
