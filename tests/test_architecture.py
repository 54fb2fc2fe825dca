"""The layering rules of docs/ARCHITECTURE.md, checked on the source.

- services own the database and never import the web framework;
- route handlers (API and pages) never build queries themselves;
- the card schema knows nothing of the web or the database;
- the fairness library is independent of the registry (also checked at runtime in
  tests/fairness/test_independence.py).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WEB = ("fastapi", "starlette")
DATABASE = ("sqlalchemy", "sqlmodel", "alembic", "psycopg")


def _imports(path: Path) -> set[str]:
    """Top-level module names and ``module.name`` pairs imported anywhere in the file."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _offending(paths: list[Path], banned: tuple[str, ...]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in paths:
        bad = sorted(n for n in _imports(path) if n.split(".")[0] in banned)
        if bad:
            found[str(path.relative_to(ROOT))] = bad
    return found


def _py(folder: str, pattern: str = "*.py") -> list[Path]:
    paths = sorted((ROOT / folder).glob(pattern))
    assert paths, f"no files matched {folder}/{pattern}"
    return paths


def test_services_never_import_the_web_framework():
    assert _offending(_py("registry/services"), WEB) == {}
    assert _offending(_py("registry/services/staff"), WEB) == {}


def test_card_schema_imports_neither_web_nor_database():
    assert _offending(_py("registry/cards"), WEB + DATABASE) == {}


def test_fairness_imports_no_registry_web_or_database_package():
    assert _offending(_py("fairness"), (*WEB, *DATABASE, "jinja2", "registry")) == {}


@pytest.mark.parametrize(
    "paths",
    [
        pytest.param([p for p in _py("registry/api") if p.name != "deps.py"], id="api"),
        pytest.param(_py("registry/pages", "routes_*.py"), id="page-routes"),
        pytest.param(_py("registry/console", "routes_*.py"), id="console-routes"),
    ],
)
def test_route_modules_build_no_queries(paths):
    """Handlers call services; query builders (select, text, func) stay in registry/services."""
    query_builders = {"sqlmodel.select", "sqlalchemy.select", "sqlalchemy.text", "sqlalchemy.func"}
    found = {
        str(p.relative_to(ROOT)): sorted(_imports(p) & query_builders)
        for p in paths
        if _imports(p) & query_builders
    }
    assert found == {}
