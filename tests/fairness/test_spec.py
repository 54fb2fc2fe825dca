"""Spec validation names every field at fault; presets and round trips."""

from __future__ import annotations

import pytest

from fairness import AuditSpec, SpecError
from fairness._spec_parts import LL144_ADVERSE, UNCHECKABLE_METRIC


def test_round_trip_through_dict_and_json():
    spec = AuditSpec.from_dict(
        {
            "columns": {"label": "y", "prediction": "p", "sensitive_features": ["sex", "race"]},
            "sample": {"period": "2024", "kind": "historical"},
            "favourable_outcome": "adverse",
            "reference_groups": {"sex": "m"},
            "checks": [{"name": "fpr", "metric": "false_positive_rate", "kind": "ratio",
                        "threshold": 0.8}],
            "seed": 5,
        }
    )  # fmt: skip
    assert AuditSpec.from_dict(spec.to_dict()) == spec
    import json

    assert AuditSpec.from_json(json.dumps(spec.to_dict())) == spec


def test_every_error_is_reported_at_once_with_its_field():
    with pytest.raises(SpecError) as info:
        AuditSpec.from_dict(
            {
                "alpha": 2,
                "colour": "red",
                "correction": "bonferroni",
                "checks": [
                    {"name": "a", "metric": "selection_rate", "kind": "ratio", "threshold": 0.8},
                    {"name": "b", "metric": "selection_rate", "kind": "wedge", "threshold": 0.1},
                    {"name": "c", "metric": "selection_rate", "kind": "difference",
                     "threshold": "high"},
                ],
                "columns": {"sensitive_features": "sex", "colour": "x"},
            }
        )  # fmt: skip
    errors = info.value.errors
    assert "checks[2].threshold: expected a number between 0 and 1, got 'high'" in errors
    assert "checks[1].kind: expected one of 'ratio', 'difference', got 'wedge'" in errors
    assert "alpha: expected a number in (0, 0.5], got 2" in errors
    assert any(e.startswith("colour: unknown key") for e in errors)
    assert any(e.startswith("columns.colour: unknown key") for e in errors)
    assert any(e.startswith("correction: expected one of 'bh', 'holm', 'none'") for e in errors)
    assert len(errors) == 6
    assert str(info.value).startswith("The audit spec is invalid:\n- ")


def test_missing_check_fields_and_label_metric_are_named():
    with pytest.raises(SpecError) as info:
        AuditSpec.from_dict({"checks": [{"name": "x", "metric": "prevalence"}]})
    assert "checks[0].kind: required" in info.value.errors
    assert "checks[0].threshold: required" in info.value.errors
    assert UNCHECKABLE_METRIC.format(path="checks[0].metric", metric="prevalence") in (
        info.value.errors
    )


def test_presets_fill_only_what_the_spec_leaves_out():
    ll144 = AuditSpec.from_dict({"preset": "ll144", "intersection_depth": 1})
    assert ll144.small_category_share == 0.02
    assert ll144.exclude_unknown_from_ratios is True
    assert ll144.intersection_depth == 1
    assert AuditSpec.from_dict({"preset": "four-fifths"}).reference == "most_favoured"
    with pytest.raises(SpecError) as info:
        AuditSpec.from_dict({"preset": "ll144", "favourable_outcome": "adverse"})
    assert info.value.errors == [LL144_ADVERSE]


def test_toml_and_overrides():
    spec = AuditSpec.from_toml(
        'favourable_outcome = "adverse"\n[columns]\nsensitive_features = ["sex"]\n'
        '[[checks]]\nname = "fpr"\nmetric = "false_positive_rate"\nkind = "difference"\n'
        "threshold = 0.05\n"
    )
    assert spec.checks[0].threshold == 0.05
    changed = spec.with_overrides(label="y", sensitive_features="sex,race", seed=9)
    assert changed.columns.label == "y"
    assert changed.columns.sensitive_features == ("sex", "race")
    assert changed.seed == 9 and changed.checks == spec.checks
    with pytest.raises(SpecError) as info:
        spec.with_overrides(colour="red")
    assert info.value.errors[0].startswith("colour: unknown key")


def test_unreadable_spec_file(tmp_path):
    bad = tmp_path / "spec.toml"
    bad.write_text("alpha = = 1", encoding="utf-8")
    with pytest.raises(SpecError) as info:
        AuditSpec.load(bad)
    assert info.value.errors[0].startswith("(document): not valid TOML")
