"""docs/verify_log.py, a verifier written from docs/verification.md without importing registry,
agrees with the register: the formats are documented well enough to check the log from outside."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

from registry.services import transparency
from registry.transparency.note import Checkpoint, sign_checkpoint
from tests.registry.factories import make_published_algorithm

pytestmark = pytest.mark.db

SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "verify_log.py"


def standalone() -> ModuleType:
    spec = importlib.util.spec_from_file_location("verify_log", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fetcher(client):  # type: ignore[no-untyped-def]
    def fetch(path: str) -> str:
        response = client.get(f"/api/v1/log/{path}")
        assert response.status_code == 200, response.text
        return response.text  # type: ignore[no-any-return]

    return fetch


def test_the_script_imports_nothing_of_the_register():
    source = SCRIPT.read_text()
    assert "import registry" not in source and "from registry" not in source


def test_the_standalone_verifier_accepts_the_log_and_its_growth(client, session, settings):
    transparency.generate_key(settings, name="test.example/log")
    session.info[transparency.SETTINGS_KEY] = settings
    make_published_algorithm(session, versions=3)
    verify_log = standalone()
    problems, first = verify_log.check(fetcher(client))
    assert problems == []
    make_published_algorithm(session, versions=4)
    keys = client.get("/api/v1/log/keys").json()["keys"]
    problems, second = verify_log.check(fetcher(client), keys, first)
    assert problems == []
    assert second.split("\n")[1] == "7"


def test_the_standalone_verifier_finds_a_split_view_and_a_bad_leaf(client, session, settings):
    transparency.generate_key(settings, name="test.example/log")
    session.info[transparency.SETTINGS_KEY] = settings
    make_published_algorithm(session, versions=3)
    signer = transparency.load_signer(settings)
    assert signer is not None
    other = sign_checkpoint(Checkpoint("algorithm-registry/log", 3, bytes(32)), signer)
    verify_log = standalone()
    problems, _ = verify_log.check(fetcher(client), saved=other)
    assert problems == ["split view: two checkpoints of size 3 with different roots"]

    real = fetcher(client)

    def tampered(path: str) -> str:
        text = real(path)
        if path.startswith("entries"):
            body = json.loads(text)
            body["entries"][2]["leaf"] = body["entries"][2]["leaf"].replace("version", "versi0n")
            text = json.dumps(body)
        return text

    problems, _ = verify_log.check(tampered)
    assert problems == ["entry 2: leaf hash mismatch"]
