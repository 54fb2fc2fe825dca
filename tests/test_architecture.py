"""The layering rules of docs/ARCHITECTURE.md, checked on the source with ``ast``.

- Services (``registry/services`` and every package under it) never import FastAPI or Starlette,
  and own the database: route handlers (API and pages) never build queries themselves.
- The card schema knows nothing of the web or the database.
- The fairness library is independent of the registry (also checked at run time in
  tests/fairness/test_independence.py).
- Nothing outside ``fairness/`` imports a private module of it (``fairness._*``): the registry, the
  benchmarks, the samples and the tests use the public API (``fairness.__all__``). One exception,
  ``tests/fairness/``: the unit tests of the library's internals may import a private module to
  test a private helper (array kernels, message constants, the segment size of the CSV reader),
  but never to get a name that ``fairness`` exports.
- No import cycles among the modules of ``registry`` and ``fairness``. Every import counts, also
  one deferred into a function body (deferring hides a cycle from import time, it does not remove
  it); only imports under ``if TYPE_CHECKING:`` are left out, since they never run.

Each rule is a function of a module's source text. The same functions are run on deliberately bad
synthetic sources (each must report its violation) and on every file of the tree (none may).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

import fairness

ROOT = Path(__file__).resolve().parents[1]
WEB = ("fastapi", "starlette")
DATABASE = ("sqlalchemy", "sqlmodel", "alembic", "psycopg")
QUERY_BUILDERS = {"sqlmodel.select", "sqlalchemy.select", "sqlalchemy.text", "sqlalchemy.func"}


# --- reading imports ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Import:
    """One import statement, with relative imports resolved against the importing module."""

    line: int
    module: str  # ``a.b`` for ``import a.b`` and for ``from a.b import c``
    names: tuple[str, ...]  # the names after ``import`` in a from-import; () otherwise
    type_only: bool  # under ``if TYPE_CHECKING:``, so it never runs

    def targets(self) -> list[str]:
        """Every dotted name the statement may load: the module, and ``module.name`` for each
        name of a from-import (which is a submodule when such a module exists)."""
        return [self.module, *(f"{self.module}.{name}" for name in self.names)]


def _is_type_checking(test: ast.expr) -> bool:
    return ast.unparse(test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING")


def imports_in(source: str, module: str = "", *, is_package: bool = False) -> list[Import]:
    """Every import statement of ``source`` (the text of module ``module``), anywhere in it."""
    found: list[Import] = []

    def visit(node: ast.AST, type_only: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                found.extend(Import(child.lineno, a.name, (), type_only) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:  # relative: resolve against the importing module's package
                    package = module.split(".") if is_package else module.split(".")[:-1]
                    package = package[: len(package) - (child.level - 1)]
                    base = ".".join([*package, *([child.module] if child.module else [])])
                names = tuple(a.name for a in child.names)
                found.append(Import(child.lineno, base, names, type_only))
            visit(child, type_only or (isinstance(child, ast.If) and _is_type_checking(child.test)))

    visit(ast.parse(source), False)
    return found


# --- the rules, each a function of source text ----------------------------------------------------
def banned_imports(source: str, banned: Iterable[str]) -> list[str]:
    """``line N: name`` for each import of a package in ``banned`` (top-level names)."""
    banned = tuple(banned)
    return sorted(
        f"line {imp.line}: {target}"
        for imp in imports_in(source)
        for target in imp.targets()
        if target.split(".")[0] in banned
    )


def web_framework_imports(source: str) -> list[str]:
    """Imports of FastAPI or Starlette: a service must not have any."""
    return banned_imports(source, WEB)


def _is_private_fairness(dotted: str) -> bool:
    parts = dotted.split(".")
    return (
        parts[0] == "fairness"
        and len(parts) > 1
        and parts[1].startswith("_")
        and not (parts[1].startswith("__") and parts[1].endswith("__"))  # __version__ is public
    )


def private_fairness_imports(source: str) -> list[str]:
    """Imports of a private module of fairness (``fairness._x``), in any spelling."""
    found = set()
    for imp in imports_in(source):
        for target in imp.targets():
            if _is_private_fairness(target):
                found.add(f"line {imp.line}: {'.'.join(target.split('.')[:2])}")
    return sorted(found)


def public_names_from_private_modules(source: str, public: Iterable[str]) -> list[str]:
    """For the internal tests: a name that ``fairness`` exports must come from ``fairness``."""
    public = set(public)
    return sorted(
        f"line {imp.line}: {name} from {imp.module} (use fairness.{name})"
        for imp in imports_in(source)
        if _is_private_fairness(imp.module)
        for name in imp.names
        if name in public
    )


def import_graph(modules: Mapping[str, str], packages: Iterable[str] = ()) -> dict[str, set[str]]:
    """Module -> the modules among ``modules`` it imports (type-only imports left out).

    ``modules`` maps each dotted module name to its source; ``packages`` names those that are
    packages (their ``__init__``), for resolving relative imports.
    """
    packages = set(packages)
    graph: dict[str, set[str]] = {}
    for name, source in modules.items():
        edges = set()
        for imp in imports_in(source, name, is_package=name in packages):
            if imp.type_only:
                continue
            submodules = [t for t in imp.targets()[1:] if t in modules]
            for target in submodules or ([imp.module] if imp.module in modules else []):
                if target != name:
                    edges.add(target)
        graph[name] = edges
    return graph


def import_cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """Every cycle met in a depth-first walk, as ``[a, b, ..., a]``; ``[]`` when acyclic."""
    cycles: list[list[str]] = []
    state: dict[str, str] = {}  # "open" while on the current path, then "done"
    path: list[str] = []

    def walk(node: str) -> None:
        state[node] = "open"
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                cycles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                walk(nxt)
        path.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            walk(node)
    return cycles


# --- the tree -------------------------------------------------------------------------------------
def _py(folder: str, pattern: str = "**/*.py") -> list[Path]:
    paths = sorted((ROOT / folder).glob(pattern))
    assert paths, f"no files matched {folder}/{pattern}"
    return paths


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _on_tree(paths: Iterable[Path], rule: Callable[[str], list[str]]) -> dict[str, list[str]]:
    found = {_rel(p): rule(_read(p)) for p in paths}
    return {path: problems for path, problems in found.items() if problems}


SERVICES = _py("registry/services")
OUTSIDE_FAIRNESS = [
    p
    for folder in ("registry", "tests", "benchmarks", "samples")
    for p in _py(folder)
    if not p.is_relative_to(ROOT / "tests" / "fairness")
]
FAIRNESS_UNIT_TESTS = _py("tests/fairness")


def test_every_service_module_is_checked_including_subpackages():
    checked = {_rel(p) for p in SERVICES}
    assert {p.parent.name for p in SERVICES} >= {"services", "cards", "audits", "public", "demo"}
    assert "registry/services/audits/engine.py" in checked


def test_services_never_import_the_web_framework():
    assert _on_tree(SERVICES, web_framework_imports) == {}


def test_card_schema_imports_neither_web_nor_database():
    assert _on_tree(_py("registry/cards"), lambda s: banned_imports(s, WEB + DATABASE)) == {}


FORMATS_MAY_IMPORT = ("registry.cards", "registry.formats", "registry.errors")


def formats_imports(source: str) -> list[str]:
    """Imports a formats module must not make: the web, the database, the registry beyond cards."""
    found = banned_imports(source, WEB + DATABASE)
    for imp in imports_in(source):
        if imp.module.split(".")[0] == "registry" and not imp.module.startswith(FORMATS_MAY_IMPORT):
            found.append(f"line {imp.line}: {imp.module}")
    return sorted(found)


def test_formats_import_rule_reports_a_service_import():
    source = (
        "from registry.services.cards import drafts\nfrom registry.cards import validate_draft\n"
    )
    assert formats_imports(source) == ["line 1: registry.services.cards"]


def test_formats_are_pure_card_mappings():
    """registry.formats (other standards in and out) knows the card schema, nothing else."""
    assert _on_tree(_py("registry/formats"), formats_imports) == {}


def test_fairness_imports_no_registry_web_or_database_package():
    banned = (*WEB, *DATABASE, "jinja2", "registry")
    assert _on_tree(_py("fairness"), lambda s: banned_imports(s, banned)) == {}


@pytest.mark.parametrize(
    "paths",
    [
        pytest.param([p for p in _py("registry/api") if p.name != "deps.py"], id="api"),
        pytest.param(_py("registry/pages", "**/routes_*.py"), id="page-routes"),
        pytest.param(_py("registry/console", "**/routes_*.py"), id="console-routes"),
    ],
)
def test_route_modules_build_no_queries(paths):
    """Handlers call services; query builders (select, text, func) stay in registry/services."""

    def queries(source: str) -> list[str]:
        return sorted({t for i in imports_in(source) for t in i.targets()} & QUERY_BUILDERS)

    assert _on_tree(paths, queries) == {}


def test_nothing_outside_fairness_imports_a_private_fairness_module():
    assert any(_rel(p).startswith("registry/services/audits/") for p in OUTSIDE_FAIRNESS)
    assert _on_tree(OUTSIDE_FAIRNESS, private_fairness_imports) == {}


def test_internal_unit_tests_take_public_names_from_the_public_api():
    rule = lambda s: public_names_from_private_modules(s, fairness.__all__)  # noqa: E731
    assert _on_tree(FAIRNESS_UNIT_TESTS, rule) == {}


def test_registry_and_fairness_have_no_import_cycles():
    paths = _py("registry") + _py("fairness")
    modules = {_module_name(p): _read(p) for p in paths}
    packages = {_module_name(p) for p in paths if p.name == "__init__.py"}
    graph = import_graph(modules, packages)
    assert graph["registry.services.audits.engine"] >= {"fairness", "registry.errors"}
    assert import_cycles(graph) == []


# --- each rule catches a deliberately bad module ------------------------------------------------
@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from fastapi import Depends\n", ["line 1: fastapi", "line 1: fastapi.Depends"]),
        ("import starlette.requests\n", ["line 1: starlette.requests"]),
        ("def f():\n    from fastapi import HTTPException\n",
         ["line 2: fastapi", "line 2: fastapi.HTTPException"]),
        ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from fastapi import Request\n",
         ["line 3: fastapi", "line 3: fastapi.Request"]),
    ],
    ids=["from-import", "import", "inside-a-function", "type-only"],
)  # fmt: skip
def test_the_web_rule_reports_a_service_importing_fastapi_or_starlette(source, expected):
    assert web_framework_imports(source) == expected


@pytest.mark.parametrize(
    "source",
    [
        "from registry.errors import Invalid\nfrom fairness import sniff_format\n",
        "import fastapi_offline_docs\nimport starlettes\n",  # names that only start alike
    ],
)
def test_the_web_rule_passes_a_clean_service(source):
    assert web_framework_imports(source) == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from fairness._spec import Check\n", ["line 1: fairness._spec"]),
        ("import fairness._batches as batches\n", ["line 1: fairness._batches"]),
        ("from fairness import AuditSpec, _errors\n", ["line 1: fairness._errors"]),
        ("import fairness._counts_input\n", ["line 1: fairness._counts_input"]),
        ("def f():\n    from fairness._errors import missing_columns_message\n",
         ["line 2: fairness._errors"]),
    ],
    ids=["from-private-module", "import-as", "private-name-of-package", "import", "deferred"],
)  # fmt: skip
def test_the_seam_rule_reports_a_private_fairness_import(source, expected):
    assert private_fairness_imports(source) == expected


def test_the_seam_rule_passes_the_public_api():
    source = "import fairness\nfrom fairness import __version__, AuditSpec, sniff_format\n"
    assert private_fairness_imports(source) == []


def test_the_internal_tests_rule_reports_a_public_name_taken_from_a_private_module():
    source = "from fairness._read import read_sample\nfrom fairness._metrics import records\n"
    assert public_names_from_private_modules(source, fairness.__all__) == [
        "line 1: read_sample from fairness._read (use fairness.read_sample)"
    ]


@pytest.mark.parametrize(
    ("modules", "expected"),
    [
        pytest.param(
            {"registry.a": "from registry import b\n", "registry.b": "import registry.a\n"},
            [["registry.a", "registry.b", "registry.a"]],
            id="two-modules",
        ),
        pytest.param(
            {
                "fairness._spec": "def f():\n    from fairness._spec_validation import validate\n",
                "fairness._spec_validation": "from fairness._spec import AuditSpec\n",
            },
            [["fairness._spec", "fairness._spec_validation", "fairness._spec"]],
            id="deferred-import",
        ),
        pytest.param(
            {
                "registry.cli": "from registry.cli import audit\n",
                "registry.cli.audit": "from . import common\n",
                "registry.cli.common": "from .. import cli\n",
            },
            [["registry.cli", "registry.cli.audit", "registry.cli.common", "registry.cli"]],
            id="relative-imports-through-a-package",
        ),
    ],
)
def test_the_cycle_rule_reports_the_cycle(modules, expected):
    packages = {"registry.cli"}
    assert import_cycles(import_graph(modules, packages)) == expected


def test_the_cycle_rule_leaves_out_type_only_imports_and_passes_a_chain():
    modules = {
        "registry.a": "import typing\nif typing.TYPE_CHECKING:\n    import registry.b\n",
        "registry.b": "import registry.a\nimport registry.c\n",
        "registry.c": "import os\nfrom fairness import audit\n",
    }
    graph = import_graph(modules)
    assert graph == {"registry.a": set(), "registry.b": {"registry.a", "registry.c"},
                     "registry.c": set()}  # fmt: skip
    assert import_cycles(graph) == []
