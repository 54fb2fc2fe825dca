"""The model card's JSON Schema, generated from the card schema (the single source of truth)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from registry.cards import model_card_json_schema

router = APIRouter(prefix="/schema", tags=["schema"])


@router.get("/model-card")
def get_model_card_schema() -> dict[str, Any]:
    """JSON Schema of a model card, as validated at publish time."""
    return model_card_json_schema()
