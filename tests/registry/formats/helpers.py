"""Shared test data of the formats tests: the sample cards, the messy files, an export's meta."""

from __future__ import annotations

import copy
import io
import json
import zipfile
from pathlib import Path
from typing import Any

from registry.formats import ExportMeta, PublishedAudit

ROOT = Path(__file__).resolve().parents[3]
SAMPLES = ROOT / "samples" / "cards"
DATA = ROOT / "tests" / "data" / "interop"


def sample_cards() -> dict[str, dict[str, Any]]:
    """The latest published version of every sample card, by file stem."""
    cards = {}
    for path in sorted(SAMPLES.glob("*.json")):
        versions = json.loads(path.read_text("utf-8"))["versions"]
        cards[path.stem] = copy.deepcopy(versions[-1]["card"])
    return cards


def meta(public_id: str = "alg-0001", **changes: Any) -> ExportMeta:
    values: dict[str, Any] = {
        "public_id": public_id,
        "version": 3,
        "agency_name": "Harbourside Municipal Social Welfare Bureau",
        "published_on": "2025-03-01",
        "page_url": f"https://registry.example/algorithms/{public_id}",
        "json_url": f"https://registry.example/algorithms/{public_id}.json",
        "audits": (
            PublishedAudit(
                title="Flag rates by age band, 2025 Q1",
                verdict="fail",
                published_on="2025-04-02",
                headline="Younger claimants were flagged more often than older claimants.",
                url="https://registry.example/audits/42",
            ),
        ),
    }
    values.update(changes)
    return ExportMeta(**values)


def messy_bytes(format_id: str) -> bytes:
    if format_id == "hf_model_card":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            folder = DATA / "hf_model_cards_messy"
            for path in sorted(folder.glob("*/README.md")):
                archive.writestr(str(path.relative_to(folder)), path.read_bytes())
        return buffer.getvalue()
    name = {
        "nl_algoritmeregister": "nl_algoritmeregister_messy.json",
        "nl_register_export": "nl_register_export_messy.json",
        "uk_atrs": "uk_atrs_messy.csv",
    }[format_id]
    return (DATA / name).read_bytes()


def get(card: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(card, dict):
            return None
        card = card.get(part)
    return card
