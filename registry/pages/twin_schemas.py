"""Published JSON Schemas of the pages' ``.json`` twins, generated from the view-model types.

Each public page's twin is its view-model verbatim (``registry.pages.rendering``), and each
view-model is a ``TypedDict`` (``page_types``, ``audit_page_types``); pydantic turns those types
into JSON Schema 2020-12. The schemas are served under ``/api/v1/schema/pages/`` and committed
under ``docs/schemas/pages/`` so a change to a twin shows up in review.

Versioning (docs/pages.md): each twin schema has an integer ``x-version``. Adding a field is not
breaking (readers must ignore fields they do not know, so the schemas allow them); removing or
renaming a field, changing its type or meaning, or letting a required field be absent is breaking
and bumps the version. :func:`breaking_changes` tells the two apart, and the tests refuse a
breaking change to a committed schema unless its version was bumped.

Run ``python -m registry.pages.twin_schemas`` after changing a view-model type to rewrite the
committed files (``--check`` only reports).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import ConfigDict, TypeAdapter

from registry.pages.audit_page_types import AuditPage
from registry.pages.page_types import (
    AboutPage,
    AgenciesPage,
    AgencyPage,
    AlgorithmPage,
    AuditsPage,
    ComparePage,
    DiffPage,
    HomePage,
    MethodsPage,
    VersionsPage,
)

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_PATH = "/api/v1/schema/pages/{page}.json"
DOCS_DIR = Path(__file__).resolve().parents[2] / "docs" / "schemas" / "pages"
_ANNOTATIONS = ("title", "description", "examples", "$comment")


@dataclass(frozen=True)
class TwinSchema:
    """One page's twin: its view-model type, the schema's version and the twin's URL pattern."""

    vm_type: Any
    version: int
    twin: str


#: Every page registered with ``page_route``, by route name (a test checks none is missing).
TWINS: dict[str, TwinSchema] = {
    "home": TwinSchema(HomePage, 1, "/index.json"),
    "agencies": TwinSchema(AgenciesPage, 1, "/agencies.json"),
    "agency": TwinSchema(AgencyPage, 1, "/agencies/{slug}.json"),
    "algorithm": TwinSchema(AlgorithmPage, 1, "/algorithms/{public_id}.json"),
    "versions": TwinSchema(VersionsPage, 1, "/algorithms/{public_id}/versions.json"),
    "version": TwinSchema(AlgorithmPage, 1, "/algorithms/{public_id}/versions/{number}.json"),
    "diff": TwinSchema(DiffPage, 1, "/algorithms/{public_id}/diff.json"),
    "audit": TwinSchema(AuditPage, 2, "/audits/{audit_id}.json"),
    "audits": TwinSchema(AuditsPage, 1, "/audits.json"),
    "compare_agencies": TwinSchema(ComparePage, 1, "/compare/agencies.json"),
    "methods": TwinSchema(MethodsPage, 1, "/methods.json"),
    "about": TwinSchema(AboutPage, 1, "/about.json"),
}

ERR_UNKNOWN_PAGE = "No published schema for page {page!r}; pages: {pages}."


def schema_url(page: str, base_url: str = "") -> str:
    return base_url.rstrip("/") + SCHEMA_PATH.format(page=page)


@cache
def _generated(page: str) -> str:
    """The schema body of ``page`` as JSON text (generated once per process)."""
    twin = TWINS[page]
    # A list around the type lets the config reach every nested TypedDict: field docstrings
    # become descriptions. The page's own definition is then lifted to the root.
    adapter: TypeAdapter[Any] = TypeAdapter(
        list[twin.vm_type],  # type: ignore[name-defined]
        config=ConfigDict(use_attribute_docstrings=True),
    )
    wrapped = adapter.json_schema(mode="serialization")
    defs: dict[str, Any] = wrapped.get("$defs", {})
    root_name = wrapped["items"]["$ref"].rsplit("/", 1)[-1]
    root = defs.pop(root_name)
    first = ("title", "description")
    body = {
        **{key: root[key] for key in first if key in root},
        "x-version": twin.version,
        "x-twin": twin.twin,
        **{key: value for key, value in root.items() if key not in first},
        "$defs": {name: defs[name] for name in sorted(defs)},
    }
    return json.dumps(_drop_field_titles(body), sort_keys=False)


def twin_schema(page: str, *, base_url: str = "") -> dict[str, Any]:
    """The JSON Schema of ``page``'s ``.json`` twin; ``$id`` is its URL under ``base_url``.

    Raises ``KeyError`` (with :data:`ERR_UNKNOWN_PAGE`) for a page without a twin schema.
    """
    if page not in TWINS:
        raise KeyError(ERR_UNKNOWN_PAGE.format(page=page, pages=", ".join(sorted(TWINS))))
    body = json.loads(_generated(page))
    return {"$schema": JSON_SCHEMA_DIALECT, "$id": schema_url(page, base_url), **body}


def _drop_field_titles(schema: Any) -> Any:
    """pydantic titles every property after its name ("Public Id"); only types keep a title."""
    if isinstance(schema, list):
        return [_drop_field_titles(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: _drop_field_titles(value) for key, value in schema.items()}
    if isinstance(out.get("properties"), dict):
        out["properties"] = {
            name: {k: v for k, v in prop.items() if k != "title"}
            for name, prop in out["properties"].items()
        }
    return out


# --- what counts as breaking --------------------------------------------------------------------


def breaking_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Differences between two versions of a twin schema that can break a reader.

    Breaking: a property removed (a rename is a removal), a required property made optional, or
    any change to an existing property's schema other than new properties inside it or new words
    (title, description). Not breaking: new properties anywhere. Returns one line per finding.
    """
    found: list[str] = []
    seen: set[tuple[str, str]] = set()

    def resolve(schema: dict[str, Any], root: dict[str, Any]) -> tuple[dict[str, Any], str]:
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            name = ref.removeprefix("#/$defs/")
            return root.get("$defs", {}).get(name, {}), name
        return schema, ""

    def compare(o: Any, n: Any, where: str) -> None:
        if not isinstance(o, dict) or not isinstance(n, dict):
            if o != n:
                found.append(f"{where}: changed from {_show(o)} to {_show(n)}")
            return
        o, o_ref = resolve(o, old)
        n, n_ref = resolve(n, new)
        if o_ref or n_ref:
            if (o_ref, n_ref) in seen:  # a recursive type already being compared
                return
            seen.add((o_ref, n_ref))
        o_props, n_props = o.get("properties"), n.get("properties")
        if isinstance(o_props, dict) and isinstance(n_props, dict):
            n_required = set(n.get("required", []))
            for name in o.get("required", []):
                if name in n_props and name not in n_required:
                    found.append(f"{where}.{name}: no longer always present")
            for name, sub in o_props.items():
                if name not in n_props:
                    found.append(f"{where}.{name}: removed")
                else:
                    compare(sub, n_props[name], f"{where}.{name}")
        rest_o = {k: v for k, v in o.items() if k not in (*_ANNOTATIONS, "properties", "required")}
        rest_n = {k: v for k, v in n.items() if k not in (*_ANNOTATIONS, "properties", "required")}
        for key in sorted(set(rest_o) | set(rest_n)):
            if key in ("$defs", "x-version", "x-twin", "$id", "$schema"):
                continue
            if key not in rest_n or key not in rest_o:
                found.append(f"{where}: '{key}' changed from {_show(rest_o.get(key))} to "
                             f"{_show(rest_n.get(key))}")  # fmt: skip
                continue
            a, b = rest_o[key], rest_n[key]
            if isinstance(a, list) and isinstance(b, list):
                if len(a) != len(b):
                    found.append(f"{where}: '{key}' changed from {_show(a)} to {_show(b)}")
                    continue
                for index, (x, y) in enumerate(zip(a, b, strict=True)):
                    compare(x, y, f"{where}<{key} {index}>")
            elif isinstance(a, dict) and isinstance(b, dict):
                compare(a, b, f"{where}<{key}>")
            elif a != b:
                found.append(f"{where}: '{key}' changed from {_show(a)} to {_show(b)}")

    compare(old, new, "$")
    return found


def _show(value: Any) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= 80 else text[:77] + "..."


# --- the committed copies ------------------------------------------------------------------------


def committed_path(page: str, folder: Path = DOCS_DIR) -> Path:
    return folder / f"{page}.json"


def committed_text(page: str) -> str:
    """The file content committed for ``page`` (relative ``$id``, two-space indent)."""
    return json.dumps(twin_schema(page), indent=2, ensure_ascii=False) + "\n"


def check_committed(folder: Path = DOCS_DIR) -> list[str]:
    """Problems with the committed schemas: missing, stale, or changed in a breaking way without
    a new version. Empty when every file equals what the types generate."""
    problems = []
    for page in TWINS:
        path = committed_path(page, folder)
        if not path.exists():
            problems.append(f"{path.name}: missing")
            continue
        text = path.read_text(encoding="utf-8")
        if text == committed_text(page):
            continue
        old, new = json.loads(text), twin_schema(page)
        breaking = breaking_changes(old, new)
        if breaking and old.get("x-version") == new["x-version"]:
            problems.append(
                f"{path.name}: breaking change without a new version (bump TWINS[{page!r}] and "
                "note it in docs/pages.md): " + "; ".join(breaking)
            )
        else:
            problems.append(f"{path.name}: out of date (run python -m registry.pages.twin_schemas)")
    return problems


def write_committed(folder: Path = DOCS_DIR) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for page in TWINS:
        path = committed_path(page, folder)
        path.write_text(committed_text(page), encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="report, do not write")
    args = parser.parse_args(argv)
    problems = check_committed()
    if args.check:
        print("\n".join(problems) or "twin schemas are up to date")
        return 1 if problems else 0
    refused = [p for p in problems if "breaking change" in p]
    if refused:
        print("\n".join(refused), file=sys.stderr)
        return 1
    for path in write_committed():
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
