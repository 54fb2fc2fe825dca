"""End-to-end fixtures: the demo register (plus the page-test world, so an audit is always there)
served by a real uvicorn on a free localhost port, and headless Chromium through Playwright.

Without Chromium or axe-core these tests skip, except with ``CI=true`` where they fail.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
AXE_CORE_JS = os.environ.get("AXE_CORE_JS", "/work/node/node_modules/axe-core/axe.min.js")
IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


def _missing(what: str) -> None:
    if IN_CI:
        pytest.fail(f"{what} is required when CI=true")
    pytest.skip(f"{what} is not available")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Site:
    base_url: str
    algorithm_id: str
    retired_id: str
    audit_id: str
    agency_slug: str
    database_url: str = ""  # the served database, for tests that prepare accounts directly


# Package scope, not session: Playwright's sync API keeps an event loop running in the main
# thread while it is open, which would break later tests that start their own (anyio.run).
@pytest.fixture(scope="package")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    from registry.config import Settings
    from registry.db import make_engine, session_scope
    from registry.migrate import upgrade
    from registry.paths import SAMPLES_DIR
    from registry.services.clock import SystemClock
    from registry.services.demo import load_demo
    from tests.pages.world import build_world

    data_dir = tmp_path_factory.mktemp("e2e")
    url = f"sqlite:///{data_dir / 'registry.db'}"
    upgrade(url)
    engine = make_engine(url)
    with session_scope(engine) as session:
        load_demo(session, SAMPLES_DIR, clock=SystemClock())
    with session_scope(engine) as session:
        world = build_world(session)
        ids = (world.main.public_id, world.retired.public_id, world.audit_id, world.agency_slug)
    engine.dispose()
    Settings(environment="development", data_dir=data_dir, database_url=url)  # validates early
    port = _free_port()
    env = {
        **os.environ,
        "REGISTRY_ENVIRONMENT": "development",
        "REGISTRY_DATA_DIR": str(data_dir),
        "REGISTRY_DATABASE_URL": url,
        "REGISTRY_AUDIT_WORKERS": "0",
        "REGISTRY_BASE_URL": f"http://127.0.0.1:{port}",
        "REGISTRY_STRICT_TEMPLATES": "1",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "registry.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(base + "/about", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        else:
            pytest.fail("the uvicorn server did not start")
        yield Site(base, *ids, database_url=url)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="package")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        _missing(f"Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def no_js_page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="package")
def axe_source() -> str:
    path = Path(AXE_CORE_JS)
    if not path.exists():
        _missing(f"axe-core at {AXE_CORE_JS}")
    return path.read_text()


@pytest.fixture(scope="package")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
