"""The fairness library imports no web or database package, and its CLI starts light."""

from __future__ import annotations

import json
import subprocess
import sys

FORBIDDEN = ("fastapi", "starlette", "sqlmodel", "sqlalchemy", "jinja2", "registry")

_SCRIPT = """
import importlib, json, pkgutil, sys
import fairness
for info in pkgutil.iter_modules(fairness.__path__):
    importlib.import_module("fairness." + info.name)
for name in fairness.__all__:
    getattr(fairness, name)
print(json.dumps(sorted(sys.modules)))
"""


def test_importing_fairness_and_all_submodules_loads_no_web_or_database_package():
    result = subprocess.run(
        [sys.executable, "-c", _SCRIPT], capture_output=True, text=True, check=True
    )
    modules = json.loads(result.stdout)
    loaded = [m for m in modules if m.split(".")[0] in FORBIDDEN]
    assert loaded == []


def test_cli_module_import_does_not_load_numpy_or_pandas():
    script = (
        "import sys, fairness.cli; print(sorted(m for m in ('numpy','pandas','scipy') "
        "if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True)  # fmt: skip
    assert result.stdout.strip() == "[]"
