"""Loading the mapping tables (TOML) and target schemas (JSON) kept next to the formats."""

from __future__ import annotations

import json
import tomllib
from functools import cache
from importlib import resources
from typing import Any


@cache
def load_mapping(name: str) -> dict[str, Any]:
    """``registry/formats/mappings/<name>.toml`` as a dict (read once per process)."""
    text = (
        resources.files("registry.formats").joinpath("mappings", f"{name}.toml").read_text("utf-8")
    )
    return tomllib.loads(text)


@cache
def load_schema(name: str) -> dict[str, Any]:
    """``mappings/<name>.schema.json``: the JSON Schema an export is checked against."""
    path = resources.files("registry.formats").joinpath("mappings", f"{name}.schema.json")
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return data


@cache
def _validator(name: str) -> Any:
    """The schema's validator, built once (building it took most of an export's time)."""
    from jsonschema import Draft202012Validator

    return Draft202012Validator(load_schema(name))


def schema_problems(document: Any, name: str) -> list[str]:
    """Every way ``document`` breaks the schema ``name``, as ``path: message`` lines (sorted)."""
    problems = []
    for error in _validator(name).iter_errors(document):
        path = "/".join(str(p) for p in error.absolute_path) or "(record)"
        problems.append(f"{path}: {error.message}")
    return sorted(problems)
