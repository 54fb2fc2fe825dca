"""Where the bundled templates and samples live, in a source checkout and in an installed wheel.

A wheel carries them under ``registry/_bundled/`` (see ``pyproject.toml``); a source checkout or an
editable install keeps them at the repository root.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
_BUNDLED = _PACKAGE_DIR / "_bundled"
_REPO_ROOT = _PACKAGE_DIR.parent


def _resource_dir(name: str) -> Path:
    bundled = _BUNDLED / name
    if bundled.is_dir():
        return bundled
    return _REPO_ROOT / name


TEMPLATES_DIR = _resource_dir("templates")
SAMPLES_DIR = _resource_dir("samples")
MIGRATIONS_DIR = _PACKAGE_DIR / "migrations"
