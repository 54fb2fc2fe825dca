"""End-to-end fixtures: the demo register (plus the page-test world, so an audit is always there)
served by a real uvicorn on a free localhost port, and headless Chromium through Playwright.

What they need is found, not configured: Chromium is ``CHROMIUM_PATH`` if set, else the first of
``chromium``, ``chromium-browser``, ``google-chrome`` on the PATH, else Playwright's own download;
axe-core is ``AXE_CORE_JS`` if set, else the ``axe.min.js`` bundled in the ``axe-playwright-python``
test dependency. Without one of them these tests skip naming the missing piece and how to get it,
except with ``CI=true`` where they fail.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import httpx
import pytest

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
AXE_PACKAGE = "axe_playwright_python"  # PyPI: axe-playwright-python, ships axe-core's axe.min.js
IN_CI = os.environ.get("CI", "").lower() == "true"
HOW_TO_GET_CHROMIUM = (
    "install it (Debian/Ubuntu: apt-get install chromium; or python -m playwright install "
    "chromium) or set CHROMIUM_PATH to its executable"
)
HOW_TO_GET_AXE = (
    "install the test extras (pip install -e '.[test]' brings axe-playwright-python, which "
    "bundles axe.min.js) or set AXE_CORE_JS to an axe.min.js file"
)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


def _missing(what: str, how: str) -> None:
    """Skip (fail with ``CI=true``), naming what is missing and how to get it."""
    message = f"{what}: {how}"
    if IN_CI:
        pytest.fail(f"{message} (required when CI=true)")
    pytest.skip(message)


def find_chromium() -> tuple[str | None, str]:
    """(the Chromium executable, or None; where it was looked for)."""
    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        return (configured if Path(configured).is_file() else None), f"CHROMIUM_PATH={configured}"
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found, name
    return None, f"{', '.join(CHROMIUM_NAMES)} on the PATH"


def find_axe_core() -> tuple[Path | None, str]:
    """(axe-core's ``axe.min.js``, or None; where it was looked for)."""
    configured = os.environ.get("AXE_CORE_JS")
    if configured:
        path = Path(configured)
        return (path if path.is_file() else None), f"AXE_CORE_JS={configured}"
    try:
        bundled = resources.files(AXE_PACKAGE) / "axe.min.js"
    except ModuleNotFoundError:
        return None, f"the {AXE_PACKAGE} package (not installed)"
    path = Path(str(bundled))
    return (path if path.is_file() else None), str(path)


def _labelled_sample_audit(session) -> str:  # type: ignore[no-untyped-def]
    """The id of the first published sample audit whose spec gives display labels."""
    from sqlmodel import select

    from registry.models import Audit, AuditState, AuditVisibility

    published = (Audit.visibility == AuditVisibility.published) & (
        Audit.state == AuditState.succeeded
    )
    audits = session.exec(select(Audit).where(published).order_by(Audit.id)).all()
    labelled = [a for a in audits if a.spec.get("labels")]
    assert labelled, "the sample data has no published audit with labels"
    return str(labelled[0].public_id)


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
    sample_audit_id: str = ""  # a published sample audit whose spec names its groups (labels)


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
        sample_audit_id = _labelled_sample_audit(session)
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
                if httpx.get(base + "/about?lang=en", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        else:
            pytest.fail("the uvicorn server did not start")
        yield Site(base, *ids, database_url=url, sample_audit_id=sample_audit_id)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="package")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    executable, looked_at = find_chromium()
    with sync_playwright() as pw:
        if executable is None and not os.environ.get("CHROMIUM_PATH"):
            downloaded = pw.chromium.executable_path  # after `playwright install chromium`
            if Path(downloaded).is_file():
                executable, looked_at = downloaded, downloaded
        if executable is None:
            _missing(f"Chromium not found (looked at {looked_at})", HOW_TO_GET_CHROMIUM)
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
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
    path, looked_at = find_axe_core()
    if path is None:
        _missing(f"axe-core not found (looked at {looked_at})", HOW_TO_GET_AXE)
    assert path is not None
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="package")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
