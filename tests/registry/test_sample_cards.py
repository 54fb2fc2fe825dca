"""The bundled sample cards: complete, publishable, fictional, shaped as the demo loader expects."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from registry.cards import Scenario, card_sha256, diff_cards, validate_for_publish

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "cards"
FILES = sorted(SAMPLES.glob("*.json"))
AUDITED = {
    "benefit-fraud-risk": ("adverse", {"age band", "nationality"}),
    "jobseeker-programme-selection": ("beneficial", {"sex", "ethnicity"}),
    "school-place-ranking": ("beneficial", {"学区", "家庭收入档"}),
    "hospital-triage-priority": ("beneficial", {"sex", "age band"}),
    "tax-audit-selection": ("adverse", {"region", "business size"}),
}
SAMPLE_KEYS = {"source_id", "agency", "state", "versions"}
AGENCY_KEYS = {"slug", "name", "name_translations", "website", "contact_email"}


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def samples() -> dict[str, dict]:
    return {path.stem: load(path) for path in FILES}


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_version_validates_for_publishing_and_is_stored_normalised(path):
    sample = load(path)
    assert set(sample) - {"retired_reason"} == SAMPLE_KEYS
    assert sample["source_id"] == path.stem
    assert sample["state"] in {"published", "retired"}
    assert (sample["state"] == "retired") == bool(sample.get("retired_reason"))
    assert set(sample["agency"]) == AGENCY_KEYS
    hashes = set()
    for version in sample["versions"]:
        assert version["change_summary"].strip()
        card = version["card"]
        assert validate_for_publish(card) == card
        assert card["source_id"] == sample["source_id"]
        hashes.add(card_sha256(card))
    assert len(hashes) == len(sample["versions"]), "each version must change something"
    if sample["state"] == "retired":
        assert sample["versions"][-1]["card"]["status"] == "retired"


def test_the_set_covers_every_scenario_languages_risks_and_versions(samples):
    latest = {sid: s["versions"][-1]["card"] for sid, s in samples.items()}
    assert len(samples) >= 10
    scenarios = Counter(card["scenario"] for card in latest.values())
    assert all(scenarios[s.value] >= 2 for s in Scenario), scenarios
    assert sum(card["risk_category"] == "high_risk" for card in latest.values()) >= 3
    languages = Counter(card["language"] for card in latest.values())
    assert languages["zh-CN"] >= 2 and languages["en"] >= 2
    assert any(
        "en" in c.get("translations", {}) for c in latest.values() if c["language"] == "zh-CN"
    )
    assert any(
        "zh-CN" in c.get("translations", {}) for c in latest.values() if c["language"] == "en"
    )
    assert sum(len(s["versions"]) >= 2 for s in samples.values()) >= 3
    assert any(s["state"] == "retired" for s in samples.values())


def test_audited_algorithms_declare_outcome_and_sensitive_attributes(samples):
    for source_id, (outcome, attributes) in AUDITED.items():
        card = samples[source_id]["versions"][-1]["card"]
        assert card["favourable_outcome"] == outcome, source_id
        declared = {a["attribute"] for a in card["sensitive_attributes"]}
        assert attributes <= declared, source_id
        assert all(
            a["used_for_testing"]
            for a in card["sensitive_attributes"]
            if a["attribute"] in attributes
        )
    assert samples["school-place-ranking"]["versions"][-1]["card"]["language"] == "zh-CN"


def test_agencies_sharing_a_slug_share_the_same_block(samples):
    by_slug: dict[str, list[dict]] = {}
    for sample in samples.values():
        by_slug.setdefault(sample["agency"]["slug"], []).append(sample["agency"])
    assert any(len(blocks) > 1 for blocks in by_slug.values())
    for slug, blocks in by_slug.items():
        assert all(block == blocks[0] for block in blocks), slug


def test_samples_use_only_reserved_example_domains():
    text = "\n".join(path.read_text(encoding="utf-8") for path in FILES)
    hosts = set(re.findall(r"https?://([^/\s\"#?]+)", text))
    hosts |= set(re.findall(r"[\w.+-]+@([\w.-]+)", text))
    assert hosts
    assert all(h.endswith(".example") or h.endswith("example.org") for h in hosts), hosts


def test_versions_record_real_changes(samples):
    fraud = [v["card"] for v in samples["benefit-fraud-risk"]["versions"]]
    paths = {c.path for c in diff_cards(fraud[0], fraud[1])}
    assert "training.date" in paths and any(p.startswith("data_sources.") for p in paths)
