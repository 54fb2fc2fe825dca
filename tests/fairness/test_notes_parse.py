"""``fairness.parse_note`` reads every kind of note the engine writes back into its values."""

from __future__ import annotations

import io

import pytest

from fairness import audit_count_file, parse_note
from fairness._notes import (
    CHECK_NOTE,
    INCOMPATIBILITY_NOTE,
    OUTCOME_NOTE,
    SMALL_NOTE,
    UNKNOWN_EXCLUDED_NOTE,
    UNKNOWN_NOTE,
    WEIGHTED_NOTE,
)


@pytest.mark.parametrize(
    ("note", "code", "params"),
    [
        (OUTCOME_NOTE["adverse"], "outcome", {"favourable_outcome": "adverse"}),
        (OUTCOME_NOTE["beneficial"], "outcome", {"favourable_outcome": "beneficial"}),
        (
            CHECK_NOTE.format(
                name="fpr_ratio",
                metric="false positive rate",
                kind="ratio",
                threshold=0.8,
                direction="a lower rate is better for the person",
            ),
            "check",
            {
                "name": "fpr_ratio",
                "metric": "false_positive_rate",
                "kind": "ratio",
                "threshold": 0.8,
                "higher_is_better": False,
            },
        ),
        (
            INCOMPATIBILITY_NOTE.format(
                attributes="'age_band', \"it's & b\"",
                alpha=0.05,
                chosen="false positive rate, selection rate",
            ),
            "incompatibility",
            {
                "attributes": ["age_band", "it's & b"],
                "alpha": 0.05,
                "metrics": ["false_positive_rate", "selection_rate"],
            },
        ),
        (
            UNKNOWN_NOTE.format(count=3, attribute=repr("sex")) + UNKNOWN_EXCLUDED_NOTE,
            "unknown",
            {"attribute": "sex", "count": 3.0, "excluded": True},
        ),
        (
            UNKNOWN_NOTE.format(count=12.5, attribute=repr("sex")),
            "unknown",
            {"attribute": "sex", "count": 12.5, "excluded": False},
        ),
        (SMALL_NOTE.format(count=2, share=0.02), "small_categories", {"count": 2, "share": 0.02}),
        (WEIGHTED_NOTE, "weighted", {}),
    ],
)
def test_each_note_reads_back_into_its_kind_and_values(note, code, params):
    assert parse_note(note) == {"code": code, "params": params}


def test_a_sentence_the_engine_never_writes_is_not_read():
    assert parse_note("Something else entirely.") is None
    assert parse_note(OUTCOME_NOTE["adverse"] + " More.") is None


def test_every_note_of_a_real_report_is_read():
    counts = (
        b"sex,region,tp,fp,tn,fn\nf,n,30,20,60,10\nm,n,60,10,70,5\nunknown,s,5,4,20,3\n"
        b"f,s,25,30,50,12\nm,s,55,8,77,4\n"
    )
    report = audit_count_file(
        io.BytesIO(counts),
        {
            "columns": {"sensitive_features": ["sex", "region"]},
            "favourable_outcome": "adverse",
            "exclude_unknown_from_ratios": True,
        },
    )
    codes = [parse_note(n) for n in report.notes]
    assert None not in codes
    assert [c["code"] for c in codes if c][:3] == ["outcome", "check", "check"]
    assert any(c and c["code"] == "unknown" and c["params"]["excluded"] for c in codes)
