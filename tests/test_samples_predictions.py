"""The sample prediction files are reproducible from their seeded generator, and the engine finds
in each exactly what samples/README.md says an audit should find."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

import fairness

PREDICTIONS = Path(__file__).resolve().parents[1] / "samples" / "predictions"
CARDS = PREDICTIONS.parent / "cards"


def _generator():
    spec = importlib.util.spec_from_file_location(
        "make_predictions", PREDICTIONS.parent / "make_predictions.py"
    )
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def _report(name: str):
    gen = _generator()
    _builder, filename, _encode = gen.SAMPLES[name]
    spec = json.loads((PREDICTIONS / f"{name}.spec.json").read_text())
    if name in gen.COUNTS_SAMPLES:
        return fairness.audit_count_file(PREDICTIONS / filename, spec)
    return fairness.audit(PREDICTIONS / filename, spec)


def _rows(report, verdict: str, metric: str, attribute: str) -> dict[str, dict]:
    return {
        r["group"]: r
        for r in report.table("checks")
        if r["verdict"] == verdict and r["metric"] == metric and r["attribute"] == attribute
    }


def test_committed_files_match_the_seeded_generator(tmp_path: Path) -> None:
    gen = _generator()
    assert gen.main(["--check"]) == 0
    assert len(gen.SAMPLES) >= 5
    for name, (_b, filename, _e) in gen.SAMPLES.items():
        assert (PREDICTIONS / filename).stat().st_size < 5 * 1024 * 1024
        assert (CARDS / f"{name}.json").is_file(), f"no sample card with source_id {name}"


def test_benefit_fraud_flags_young_and_non_eu_innocent_people_more_often() -> None:
    report = _report("benefit-fraud-risk")
    assert report.verdict == "fail"
    assert set(_rows(report, "fail", "false_positive_rate", "age_band")) == {"18-24"}
    assert set(_rows(report, "fail", "false_positive_rate", "nationality")) == {"non-eu"}
    assert _rows(report, "fail", "false_positive_rate", "age_band")["18-24"]["value"] < 0.5
    assert not _rows(report, "fail", "true_positive_rate", "age_band")  # detection is even


def test_jobseeker_selection_fails_for_black_women_and_discloses_small_categories() -> None:
    report = _report("jobseeker-programme-selection")
    assert report.verdict == "fail"
    failed = _rows(report, "fail", "selection_rate", "sex & ethnicity")
    assert "Female & Black or African American" in failed
    assert not any(g.startswith("Male") for g in failed)
    assert not _rows(report, "fail", "selection_rate", "sex")
    groups = {(g["attribute"], g["group"]): g for g in report.table("groups")}
    tiny = groups[("ethnicity", "Native Hawaiian or Pacific Islander")]
    assert tiny["small_category"] and not tiny["in_ratios"] and tiny["n"] > 0
    assert groups[("sex", fairness.UNKNOWN)]["n"] > 0  # unknown sex counted, not dropped


def test_school_ranking_disadvantages_low_income_households() -> None:
    report = _report("school-place-ranking")
    assert report.verdict == "fail"
    assert set(_rows(report, "fail", "selection_rate", "household_income_band")) == {"low"}
    assert set(_rows(report, "fail", "true_positive_rate", "household_income_band")) == {"low"}
    assert not _rows(report, "fail", "selection_rate", "district")
    east_low = _rows(report, "fail", "selection_rate", "district & household_income_band")
    assert min(east_low, key=lambda g: east_low[g]["value"]) == "East & low"


def test_hospital_triage_is_inconclusive_for_small_groups_and_counts_unknowns() -> None:
    report = _report("hospital-triage-priority")
    assert report.verdict == "inconclusive"
    assert not _rows(report, "fail", "true_positive_rate", "ethnicity")
    assert {"Gypsy or Irish Traveller", "Other"} <= set(
        _rows(report, "inconclusive", "true_positive_rate", "ethnicity")
    )
    assert report.provenance["input"]["unknown"]["ethnicity"] > 300


def test_tax_audit_counts_select_micro_businesses_without_evidence() -> None:
    report = _report("tax-audit-selection")
    assert report.verdict == "fail"
    assert set(_rows(report, "fail", "false_positive_rate", "business_size")) == {"micro"}
    assert set(_rows(report, "fail", "selection_rate", "business_size")) == {"micro"}
    assert not _rows(report, "fail", "false_positive_rate", "region")


@pytest.mark.parametrize("name", ["benefit-fraud-risk", "tax-audit-selection"])
def test_spec_favourable_outcome_matches_the_card(name: str) -> None:
    spec = json.loads((PREDICTIONS / f"{name}.spec.json").read_text())
    card = json.loads((CARDS / f"{name}.json").read_text())["versions"][-1]["card"]
    assert spec["favourable_outcome"] == card["favourable_outcome"] == "adverse"
