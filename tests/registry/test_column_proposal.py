"""The upload wizard's column mapping proposal, on the sample files and on small made-up ones:
roles from names and values, identifier warnings, score columns (whose threshold is never
guessed), attribute detection, count-table layouts."""

from __future__ import annotations

from pathlib import Path

import pytest

import fairness
from registry.services.audits.column_proposal import (
    GroupValues,
    Preview,
    group_values,
    profile_column,
    propose_mapping,
    read_preview,
)

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "predictions"


def _preview(header: str, rows: list[str], tmp_path: Path) -> Preview:
    path = tmp_path / "sample.csv"
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return read_preview(path, "csv")


@pytest.mark.parametrize(
    ("name", "source_format", "label", "prediction", "score", "attributes"),
    [
        # office_area: a category column the proposal offers as a group attribute; the sample's
        # spec uses it to compare within (a control feature), which only a person can tell
        ("benefit-fraud-risk.csv.gz", "csv.gz", "fraud_found", "flagged", None,
         ["age_band", "nationality", "office_area"]),
        ("hospital-triage-priority.csv", "csv", "critical_within_24h", "high_priority", None,
         ["age_band", "ethnicity"]),
        ("school-place-ranking.csv.gz", "csv.gz", "attained_expected_level", None,
         "ranking_score", ["district", "household_income_band"]),
        ("jobseeker-programme-selection.parquet", "parquet", None, "selected", None,
         ["sex", "ethnicity"]),
    ],
)  # fmt: skip
def test_the_proposal_matches_each_sample_spec(
    name, source_format, label, prediction, score, attributes
):
    proposal = propose_mapping(read_preview(SAMPLES / name, source_format))
    assert (proposal.label, proposal.prediction, proposal.score) == (label, prediction, score)
    assert proposal.sensitive_features == attributes
    assert proposal.identifiers == []


def test_the_sample_specs_attributes_are_what_is_proposed():
    """The proposal agrees with the hand-written specs of the samples on the group attributes
    (and the control features, which are category columns it offers as attributes too)."""
    import json

    for spec_path in SAMPLES.glob("*.spec.json"):
        stem = spec_path.name.removesuffix(".spec.json")
        data = next(
            p for p in SAMPLES.iterdir() if p.name.startswith(stem + ".") and p != spec_path
        )
        fmt = fairness.sniff_format(data.read_bytes()[:65536], complete=False)
        kind = "counts" if ".counts." in data.name else "sample"
        proposal = propose_mapping(read_preview(data, fmt), input_kind=kind)
        spec = json.loads(spec_path.read_text())
        columns = spec["columns"]
        chosen = columns["sensitive_features"] + columns.get("control_features", [])
        assert sorted(proposal.sensitive_features) == sorted(chosen)


def test_identifier_columns_are_warned_about_and_never_proposed(tmp_path):
    rows = [f"{i},{i}@mail.example,06-{i:08d},{'F' if i % 2 else 'M'},{i % 2}" for i in range(50)]
    preview = _preview("client_number,contact,telephone,sex,selected", rows, tmp_path)
    proposal = propose_mapping(preview)
    assert proposal.identifiers == ["client_number", "contact", "telephone"]
    assert proposal.sensitive_features == ["sex"]
    assert proposal.profile("contact").identifier == "name"  # an email address among the values


def test_a_high_cardinality_text_column_is_identifier_like_by_its_values(tmp_path):
    rows = [f"X{i * 7919 % 100000:05d},{'N' if i % 2 else 'S'},{i % 2}" for i in range(40)]
    proposal = propose_mapping(_preview("reference,region,flag", rows, tmp_path))
    assert proposal.profile("reference").identifier == "distinct"
    assert proposal.sensitive_features == ["region"]


@pytest.mark.parametrize("name", ["bsn", "BSN", "person_id", "Email", "phoneNumber", "case_nr"])
def test_identifier_names(name):
    assert profile_column(name, ["a", "b", "a"]).identifier == "name"


def test_a_score_is_proposed_without_a_threshold_only_when_there_is_no_prediction(tmp_path):
    rows = [f"{'F' if i % 2 else 'M'},0.{i:02d},{i % 2}" for i in range(60)]
    proposal = propose_mapping(_preview("sex,risk_probability,outcome", rows, tmp_path))
    assert proposal.score == "risk_probability" and proposal.prediction is None
    assert proposal.label == "outcome"
    assert proposal.profile("risk_probability").identifier is None  # a score is not an id
    with_prediction = propose_mapping(
        _preview("sex,risk_score,pred", [f"F,0.{i:02d},{i % 2}" for i in range(60)], tmp_path)
    )
    assert with_prediction.prediction == "pred" and with_prediction.score is None


def test_attributes_are_low_cardinality_text_not_numbers_or_roles(tmp_path):
    rows = [f"{'F' if i % 2 else 'M'},{i % 7},{20 + i},{i % 2},{i % 3 % 2}" for i in range(60)]
    proposal = propose_mapping(_preview("gender,district_code,age,decision,actual", rows, tmp_path))
    assert proposal.sensitive_features == ["gender"]
    assert (proposal.prediction, proposal.label) == ("decision", "actual")


def test_a_label_is_inferred_when_one_other_binary_column_is_left(tmp_path):
    rows = [f"{'F' if i % 2 else 'M'},{i % 2},{i % 3 % 2}" for i in range(30)]
    proposal = propose_mapping(_preview("sex,flagged,investigation", rows, tmp_path))
    assert (proposal.prediction, proposal.label) == ("flagged", "investigation")


def test_semicolon_delimited_files_are_read_with_the_engines_delimiter(tmp_path):
    rows = [f"{'F' if i % 2 else 'M'};{i % 2}" for i in range(10)]
    preview = _preview("sex;selected", rows, tmp_path)
    assert preview.columns == ["sex", "selected"] and preview.rows[0] == ["M", "0"]


def test_count_tables_propose_the_group_columns_beside_one_layout():
    preview = read_preview(SAMPLES / "tax-audit-selection.counts.csv", "csv")
    proposal = propose_mapping(preview, input_kind="counts")
    assert proposal.layout == "confusion"
    assert proposal.count_columns == ["tp", "fp", "tn", "fn"]
    assert proposal.sensitive_features == ["region", "business_size"]
    assert proposal.identifiers == []  # counts are all different, and that is fine


def test_a_count_table_without_a_layout_proposes_none(tmp_path):
    proposal = propose_mapping(
        _preview("region,total", ["N,3", "S,4"], tmp_path), input_kind="counts"
    )
    assert proposal.layout is None and proposal.sensitive_features == []


def test_examples_are_the_first_distinct_values(tmp_path):
    rows = ["a,1", "a,0", "b,1", "c,1", "d,0", "e,1", "f,1"]
    proposal = propose_mapping(_preview("g,selected", rows, tmp_path))
    assert proposal.profile("g").examples == ["a", "b", "c", "d", "e"]
    assert proposal.profile("g").distinct == 6


# --- the groups of each attribute, read from the whole file (the wizard's names step) ----------


@pytest.mark.parametrize(
    ("name", "source_format"),
    [
        ("benefit-fraud-risk.csv.gz", "csv.gz"),
        ("hospital-triage-priority.csv", "csv"),
        ("jobseeker-programme-selection.parquet", "parquet"),
        ("tax-audit-selection.counts.csv", "csv"),
    ],
)
def test_the_groups_are_those_the_engine_reports(name, source_format):
    stem = name.split(".")[0]
    spec = SAMPLES / f"{stem}.spec.json"
    attributes = fairness.AuditSpec.load(spec).to_dict()["columns"]["sensitive_features"]
    if name.endswith(".counts.csv"):
        report = fairness.audit_count_file(SAMPLES / name, spec).to_dict()
    else:
        report = fairness.audit(SAMPLES / name, spec).to_dict()
    found = group_values(SAMPLES / name, source_format, attributes)
    for attribute in attributes:
        reported = {
            g["group"] for g in report["groups"] if g["attribute"] == attribute and not g["unknown"]
        }
        assert found[attribute] == GroupValues(sorted(reported)), attribute


def test_groups_are_stripped_and_missing_values_are_no_group(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text('sex;region;y\n F ;"N; north";1\nM;;0\n"F";S;1\nNA;n/a;0\n', encoding="utf-8")
    found = group_values(path, "csv", ["sex", "region"])
    assert found == {"sex": GroupValues(["F", "M"]), "region": GroupValues(["N; north", "S"])}


def test_a_column_with_more_groups_than_the_cap_lists_the_cap_and_says_so(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("office,sex\n" + "".join(f"o{i},F\n" for i in range(12)), encoding="utf-8")
    found = group_values(path, "csv", ["office", "sex"], cap=10)
    assert len(found["office"].values) == 10 and found["office"].more
    assert found["sex"] == GroupValues(["F"])


def test_reading_stops_once_every_column_has_more_groups_than_the_cap(tmp_path):
    """The rows after the first 1 MB block are never parsed: a broken row there goes unseen."""
    path = tmp_path / "s.csv"
    rows = "".join(f"group-{i % 20:02d},{'x' * 60}\n" for i in range(40_000))  # ~2.8 MB
    path.write_text("office,note\n" + rows + "one,two,three,four\n", encoding="utf-8")
    found = group_values(path, "csv", ["office"], cap=10)
    assert found["office"].more and not found["office"].unread
    complete = group_values(path, "csv", ["office"], cap=50)  # read on: the broken row is met
    assert complete["office"].unread and len(complete["office"].values) == 20


def test_a_file_that_cannot_be_read_to_its_end_gives_what_was_found(tmp_path):
    path = tmp_path / "s.csv.gz"
    import gzip

    path.write_bytes(gzip.compress(b"sex,y\nF,1\nM,0\n" * 1000)[:-40])  # cut short
    found = group_values(path, "csv.gz", ["sex"])
    assert found["sex"].unread and set(found["sex"].values) <= {"F", "M"}
