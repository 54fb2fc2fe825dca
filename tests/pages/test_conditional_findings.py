"""Within comparable cases: the audit page says, in English and Chinese, whether a disparity
remains when the spec's control features are held constant (the report's ``conditional`` rows),
names control features by the spec's labels, and counts the categories it could not compare."""

from __future__ import annotations

import copy
import io
from typing import Any

import pytest
from sqlmodel import select

import fairness
from registry.models.audit import Audit
from registry.pages.conditional_findings import conditional_section
from registry.services.audits.disclosure import suppress_report
from tests.pages.conftest import parse

# Women are flagged twice as often as men in the north, 1.2 times as often in the south, twice
# as often in the east; the west has men only (no comparison possible there). Flags are adverse, so
# the reference is the group flagged least: men.
COUNTS = (
    "sex,region,pp,pn\n"
    "f,north,120,80\nm,north,60,140\n"
    "f,south,30,170\nm,south,25,175\n"
    "f,east,40,60\nm,east,20,80\n"
    "m,west,15,45\n"
)
LABELS = {
    "attributes": {
        "sex": {"en": "Gender", "zh-CN": "性别"},
        "region": {"en": "Region", "zh-CN": "地区"},
    },
    "groups": {"sex": {"f": {"en": "Women", "zh-CN": "女性"}, "m": {"en": "Men", "zh-CN": "男性"}}},
}
SPEC: dict[str, Any] = {
    "columns": {"sensitive_features": ["sex"], "control_features": ["region"]},
    "favourable_outcome": "adverse",
    "labels": LABELS,
}


def conditional_report() -> dict[str, Any]:
    return fairness.audit_count_file(io.BytesIO(COUNTS.encode()), SPEC).to_dict()


def test_the_sentence_gives_the_pooled_ratio_its_interval_and_the_homogeneity_test():
    report = conditional_report()
    row = next(r for r in report["conditional"] if r["metric"] == "selection_rate")
    assert row["group"] == "f" and row["reference"] == "m"
    assert row["strata"] == 4 and row["strata_used"] == 3 and row["strata_without_group"] == 1
    assert 0.001 < row["homogeneity_p_adjusted"] < 0.05  # 0.0137: one test in its family
    section = conditional_section(report, "en")
    assert section is not None
    first = section["rows"][0]
    assert first["ratio_text"] == f"{row['ratio']:.2f}"
    assert section["sentences"][0] == (
        f"By Gender, within comparable cases (same region), people were flagged "
        f"{row['ratio']:.2f} times as often in “Women” as in “Men” (between "
        f"{row['ratio_ci_low']:.2f} and {row['ratio_ci_high']:.2f} times). The gap differed "
        f"between region categories (adjusted p = {row['homogeneity_p_adjusted']:.3f})."
    )
    assert first["skipped_text"] == (
        "1 of the 4 region categories was left out: one of the two groups had no cases there "
        "to compare."
    )
    assert section["controls_label"] == "Region"


def test_the_chinese_page_words_use_the_chinese_labels():
    section = conditional_section(conditional_report(), "zh-CN")
    assert section is not None
    sentence = section["sentences"][0]
    assert sentence.startswith("按性别划分，在可比案例中（地区相同），“女性”群体中")
    assert "这一差距在不同地区类别之间有所不同（校正后 p = " in sentence
    assert section["rows"][0]["skipped_text"].startswith("4 个地区类别中有 1 个未纳入比较")
    assert section["intro"].startswith("每项比较都在地区相同的案例中重新进行")


def test_a_steady_gap_is_said_to_be_steady():
    steady = "sex,region,pp,pn\nf,north,100,100\nm,north,50,150\nf,south,50,150\nm,south,25,175\n"
    report = fairness.audit_count_file(io.BytesIO(steady.encode()), SPEC).to_dict()
    sentence = conditional_section(report, "en")["sentences"][0]  # type: ignore[index]
    assert "No difference in the gap between region categories was found (adjusted p = " in sentence


def test_no_control_features_means_no_section():
    spec = {"columns": {"sensitive_features": ["sex"]}}
    plain = "sex,pp,pn\nf,100,100\nm,50,150\n"
    report = fairness.audit_count_file(io.BytesIO(plain.encode()), spec).to_dict()
    assert report["conditional"] == []
    assert conditional_section(report, "en") is None
    assert conditional_section({"spec": {}}, "en") is None  # a report from before schema 3


def test_small_pooled_groups_are_withheld_and_get_no_sentence():
    small = "sex,region,pp,pn\nf,north,3,2\nm,north,1,3\nf,south,2,2\nm,south,1,1\n"
    report = fairness.audit_count_file(io.BytesIO(small.encode()), SPEC).to_dict()
    section = conditional_section(suppress_report(report, k=10), "en")
    assert section is not None
    assert all(r["withheld"] and r["text"] is None for r in section["rows"])
    assert section["sentences"] == []


@pytest.fixture
def conditional_world(session, world):  # type: ignore[no-untyped-def]
    audit = session.exec(select(Audit).where(Audit.public_id == world.audit_id)).one()
    audit.report = conditional_report()
    audit.spec = copy.deepcopy(audit.report["spec"])
    session.add(audit)
    session.commit()
    return world


@pytest.mark.parametrize(
    ("lang", "heading", "words"),
    [
        ("en", "Within comparable cases", "within comparable cases (same region)"),
        ("zh-CN", "在可比案例中", "在可比案例中（地区相同）"),
    ],
)
def test_the_audit_page_and_its_twin_show_the_comparisons_within_cases(
    client, conditional_world, lang, heading, words
):
    soup = parse(client.get(f"/audits/{conditional_world.audit_id}?lang={lang}"))
    section = soup.select_one("#conditional-heading").find_parent("section")
    assert section.select_one("h2").get_text(strip=True) == heading
    sentences = [li.get_text(strip=True) for li in section.select("ul.findings-list li")]
    assert sentences and words in sentences[0]
    table = section.select_one("table")
    assert ("Region" if lang == "en" else "地区") in table.select_one("caption").get_text()
    assert "region" not in table.select_one("caption").get_text()
    twin = client.get(f"/audits/{conditional_world.audit_id}.json?lang={lang}").json()
    assert twin["conditional"]["sentences"][0] == sentences[0]
    assert twin["conditional"]["controls"] == ["region"]


def test_an_audit_without_control_features_has_no_such_section(client, world):
    soup = parse(client.get(f"/audits/{world.audit_id}"))
    assert soup.select_one("#conditional-heading") is None
    assert client.get(f"/audits/{world.audit_id}.json").json()["conditional"] is None


def test_the_benefit_fraud_sample_disparity_remains_within_office_areas():
    from registry.paths import SAMPLES_DIR

    folder = SAMPLES_DIR / "predictions"
    report = fairness.audit(
        folder / "benefit-fraud-risk.csv.gz", folder / "benefit-fraud-risk.spec.json"
    ).to_dict()
    section = conditional_section(report, "en")
    assert section is not None and section["controls_label"] == "Benefit office area"
    young = next(
        r for r in section["rows"]
        if r["metric"] == "false_positive_rate" and r["group"] == "18-24"
    )  # fmt: skip
    assert young["strata_used"] == young["strata"] == 3
    assert young["text"] is not None and young["text"].startswith(
        "By Age band, within comparable cases (same benefit office area), people who had done "
        "nothing wrong were flagged 2.48 times as often in “18 to 24” as in “35 to 49”"
    )
    zh = conditional_section(report, "zh-CN")
    assert zh is not None and "（福利办公室地区相同）" in zh["sentences"][0]


def test_the_overall_reference_reads_as_everyone_else():
    spec = {**SPEC, "reference": "overall"}
    report = fairness.audit_count_file(io.BytesIO(COUNTS.encode()), spec).to_dict()
    en = conditional_section(report, "en")
    zh = conditional_section(report, "zh-CN")
    assert en is not None and zh is not None
    assert "as in “everyone else”" in en["sentences"][0]
    assert "“其他所有人”" in zh["sentences"][0]
    assert "overall" not in " ".join(en["sentences"])
