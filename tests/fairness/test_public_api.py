"""The public API of ``fairness``: one list of names, seen the same by type checkers and at run
time, each name documented, and every example in those docstrings runs as written."""

from __future__ import annotations

import ast
import doctest
import importlib
import inspect
from pathlib import Path

import pytest

import fairness

INIT = Path(fairness.__file__)
#: Public names defined in ``__init__`` itself rather than loaded from a private module.
DEFINED_IN_INIT = {"METRICS", "__version__"}


def _type_checking_imports() -> dict[str, str]:
    """Name -> module of every import under ``if TYPE_CHECKING:`` in fairness/__init__.py."""
    found: dict[str, str] = {}
    for node in ast.parse(INIT.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for statement in node.body:
                assert isinstance(statement, ast.ImportFrom), ast.unparse(statement)
                for alias in statement.names:
                    assert alias.asname is None, alias.asname
                    found[alias.name] = str(statement.module)
    return found


def test_all_lists_exactly_the_lazily_loaded_names():
    assert set(fairness.__all__) == set(fairness._EXPORTS) | DEFINED_IN_INIT
    assert len(fairness.__all__) == len(set(fairness.__all__))


def test_type_checkers_see_each_public_name_from_the_module_that_loads_it():
    expected = {name: f"fairness.{module}" for name, module in fairness._EXPORTS.items()}
    assert _type_checking_imports() == expected


@pytest.mark.parametrize("name", sorted(fairness._EXPORTS))
def test_each_public_name_is_defined_where_the_export_table_says(name):
    module = importlib.import_module(f"fairness.{fairness._EXPORTS[name]}")
    value = getattr(fairness, name)
    assert value is getattr(module, name)
    if inspect.isclass(value) or inspect.isfunction(value):
        assert value.__module__ == module.__name__  # defined there, not re-exported from elsewhere


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="has no attribute 'read_everything'"):
        fairness.read_everything  # noqa: B018


PUBLIC_CALLABLES = sorted(n for n in fairness._EXPORTS if callable(getattr(fairness, n)))


@pytest.mark.parametrize("name", PUBLIC_CALLABLES)
def test_each_public_function_and_class_has_a_docstring(name):
    assert inspect.getdoc(getattr(fairness, name)), f"fairness.{name} has no docstring"


@pytest.mark.parametrize(
    "name", ["sniff_format", "count_table_layout", "missing_columns_message", "read_header"]
)
def test_the_input_checks_are_documented_in_numpydoc(name):
    doc = inspect.getdoc(getattr(fairness, name)) or ""
    for section in ("Parameters\n----------", "Returns\n-------", "Examples\n--------"):
        assert section in doc, f"fairness.{name}: no {section.splitlines()[0]} section"


@pytest.mark.parametrize("name", PUBLIC_CALLABLES)
def test_docstring_examples_run_as_written(name):
    globs = {n: getattr(fairness, n) for n in fairness.__all__}
    tests = doctest.DocTestFinder(recurse=False).find(getattr(fairness, name), name, globs=globs)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    report: list[str] = []
    for test in tests:
        runner.run(test, out=report.append)
    assert runner.failures == 0, "".join(report)
