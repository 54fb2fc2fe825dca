"""The spec's labels block: names for attributes, groups and checks in en and zh-CN, validated
with every error named by its path, carried into the report's effective spec."""

from __future__ import annotations

import io
import json

import pytest

from fairness import AuditSpec, SpecError, audit_count_file

LABELS = {
    "attributes": {"age_band": {"en": "Age band", "zh-CN": "年龄段"}},
    "groups": {
        "age_band": {"18-24": {"en": "18 to 24", "zh-CN": "18至24岁"}},
        "nationality": {"non-eu": {"en": "Non-EU nationality"}},
    },
    "checks": {"fpr_ratio": {"en": "Wrongful flag ratio", "zh-CN": "误标比值"}},
}
BASE = {
    "columns": {"sensitive_features": ["age_band", "nationality"]},
    "favourable_outcome": "adverse",
    "checks": [
        {"name": "fpr_ratio", "metric": "false_positive_rate", "kind": "ratio", "threshold": 0.8}
    ],
}


def _errors(labels: object, **spec: object) -> list[str]:
    with pytest.raises(SpecError) as info:
        AuditSpec.from_dict({**BASE, **spec, "labels": labels})
    return info.value.errors


def test_labels_round_trip_and_a_spec_without_them_keeps_its_old_form():
    spec = AuditSpec.from_dict({**BASE, "labels": LABELS})
    assert spec.to_dict()["labels"] == LABELS
    assert AuditSpec.from_dict(spec.to_dict()) == spec
    assert AuditSpec.from_json(json.dumps(spec.to_dict())) == spec
    assert "labels" not in AuditSpec.from_dict(BASE).to_dict()


def test_labels_are_read_from_toml():
    spec = AuditSpec.from_toml(
        'columns = {sensitive_features = ["sex"]}\n'
        '[labels.attributes.sex]\nen = "Sex"\n"zh-CN" = "性别"\n'
    )
    assert spec.labels == {"attributes": {"sex": {"en": "Sex", "zh-CN": "性别"}}}


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (
            {"attributes": {"agee": {"en": "Age"}}},
            "labels.attributes.agee: 'agee' is not a sensitive feature of this spec; expected "
            "one of age_band, nationality",
        ),
        (
            {"groups": {"sex": {"f": {"en": "Women"}}}},
            "labels.groups.sex: 'sex' is not a sensitive feature of this spec; expected one of "
            "age_band, nationality",
        ),
        (
            {"checks": {"fpr": {"en": "x"}}},
            "labels.checks.fpr: 'fpr' is not a check of this spec; expected one of fpr_ratio",
        ),
        (
            {"attributes": {"age_band": {"fr": "Âge"}}},
            "labels.attributes.age_band.fr: unknown language; expected one of en, zh-CN",
        ),
        (
            {"attributes": {"age_band": {"en": ""}}},
            "labels.attributes.age_band.en: expected a non-empty string of at most 120 "
            "characters, got ''",
        ),
        (
            {"attributes": {"age_band": {"en": 3}}},
            "labels.attributes.age_band.en: expected a non-empty string of at most 120 "
            "characters, got 3",
        ),
        (
            {"groups": {"age_band": {"18-24": {"zh-CN": "x" * 121}}}},
            "labels.groups.age_band.18-24.zh-CN: expected a non-empty string of at most 120 "
            f"characters, got '{'x' * 121}'",
        ),
        (
            {"attributes": {"age_band": {"en": "Age\u202eband"}}},
            "labels.attributes.age_band.en: must not contain control or formatting characters",
        ),
        (
            {"attributes": {"age_band": {}}},
            "labels.attributes.age_band: give the label in at least one language (en, zh-CN)",
        ),
        (
            {"groups": {"age_band": {"18-24": "18 to 24"}}},
            "labels.groups.age_band.18-24: expected a table/object, got str",
        ),
        (
            {"colours": {}},
            "labels.colours: unknown key; expected one of attributes, groups, checks",
        ),
        (["Age band"], "labels: expected a table/object, got list"),
    ],
)
def test_each_bad_label_is_refused_with_its_path(labels, expected):
    assert _errors(labels) == [expected]


def test_every_label_problem_is_reported_at_once_with_the_rest_of_the_spec():
    errors = _errors(
        {
            "attributes": {"agee": {"en": "Age"}, "age_band": {"de": "Alter"}},
            "checks": {"fpr_ratio": {"en": ""}},
        },
        alpha=2,
    )
    assert len(errors) == 4
    assert errors[0].startswith("alpha: ")
    assert {e.split(":")[0] for e in errors[1:]} == {
        "labels.attributes.agee",
        "labels.attributes.age_band.de",
        "labels.checks.fpr_ratio.en",
    }


def test_check_labels_may_name_the_checks_a_preset_or_the_defaults_will_run():
    spec = AuditSpec.from_dict(
        {"preset": "ll144", "labels": {"checks": {"ll144_impact_ratio": {"en": "Impact ratio"}}}}
    )
    assert spec.labels["checks"]["ll144_impact_ratio"] == {"en": "Impact ratio"}
    names = {"false_positive_rate_ratio": {"en": "a"}, "selection_rate_ratio": {"en": "b"}}
    assert AuditSpec.from_dict({"favourable_outcome": "adverse", "labels": {"checks": names}})
    errors = _errors({"checks": {"four_fifths": {"en": "x"}}}, checks=None)
    assert errors[0].startswith("labels.checks.four_fifths: 'four_fifths' is not a check")


def test_attribute_labels_are_checked_again_when_the_columns_are_given_later():
    spec = AuditSpec.from_dict({"labels": {"attributes": {"sex": {"en": "Sex"}}}})
    assert spec.with_overrides(sensitive_features=["sex", "region"]).labels
    with pytest.raises(SpecError) as info:
        spec.with_overrides(sensitive_features=["region"])
    assert info.value.errors[0].startswith("labels.attributes.sex: 'sex' is not a sensitive")


def test_labels_are_carried_into_the_report_spec_and_the_report_stays_byte_stable():
    counts = (
        b"age_band,nationality,tp,fp,tn,fn\n"
        b"18-24,non-eu,30,20,60,10\n25-34,eu,40,10,70,12\n18-24,eu,35,12,66,9\n"
    )
    spec = {**BASE, "labels": LABELS}
    first = audit_count_file(io.BytesIO(counts), spec)
    assert first.to_dict()["spec"]["labels"] == LABELS
    assert first.to_json() == audit_count_file(io.BytesIO(counts), spec).to_json()
    assert "labels" not in audit_count_file(io.BytesIO(counts), BASE).to_dict()["spec"]
