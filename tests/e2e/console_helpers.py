"""Helpers shared by the console's end-to-end tests: signing in through the form, running an audit
worker against the served database, writing sample CSVs, and waiting for a job to finish."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DONE_TIMEOUT_MS = 240_000  # a 1M-row audit on a small shared machine


def sign_in(page, base: str, email: str, password: str, lang: str | None = None) -> None:  # type: ignore[no-untyped-def]
    """Sign in through the form (``?lang=`` chooses the language first, when given)."""
    page.goto(f"{base}/console/sign-in" + (f"?lang={lang}" if lang else ""))
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("main button[type=submit]").click()
    assert "/console/sign-in" not in page.url, page.locator("main").inner_text()


@contextmanager
def audit_worker(database_url: str) -> Iterator[None]:
    """``registry worker`` against the served database, as an operator would run it (the e2e
    server itself runs none)."""
    data_dir = Path(database_url.removeprefix("sqlite:///")).parent
    env = {
        **os.environ,
        "REGISTRY_ENVIRONMENT": "development",
        "REGISTRY_DATA_DIR": str(data_dir),
        "REGISTRY_DATABASE_URL": database_url,
    }
    command = [str(Path(sys.executable).parent / "registry"), "worker"]
    proc = subprocess.Popen(command, env=env)
    try:
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def write_big_csv(path: Path, n: int = 1_000_000) -> Path:
    """``n`` rows (1M: about 25 MB): a case number, two attributes, a decision and an outcome."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(7)
    sex = rng.choice(np.array(["female", "male"]), n)
    age = rng.choice(np.array(["18-34", "35-54", "55+"]), n, p=[0.4, 0.4, 0.2])
    outcome = (rng.random(n) < 0.3).astype(np.int8)
    selected = ((rng.random(n) < 0.25 + 0.4 * outcome) ^ (rng.random(n) < 0.05)).astype(np.int8)
    frame = pd.DataFrame(
        {
            "case_number": np.arange(5_000_000, 5_000_000 + n),
            "sex": sex,
            "age_band": age,
            "selected": selected,
            "outcome": outcome,
        }
    )
    frame.to_csv(path, index=False)
    return path


def write_small_csv(path: Path) -> Path:
    """400 rows: an applicant id, two attributes, a decision and an outcome."""
    lines = ["applicant_id,sex,region,selected,outcome"]
    for i in range(400):
        sex = "female" if i % 2 else "male"
        region = ("north", "south", "east")[i % 3]
        lines.append(f"A{i:05d},{sex},{region},{int(i % 5 < 2)},{int(i % 7 < 3)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def wait_until_done(page, timeout: int = DONE_TIMEOUT_MS) -> None:  # type: ignore[no-untyped-def]
    """Wait until the audit's page no longer shows the run's progress (with script the page polls
    and reloads itself when done; without, its <noscript> meta refresh reloads it)."""
    page.wait_for_function(
        "() => document.querySelector('.staff-state')"
        " && !document.getElementById('job-progress-bar')",
        timeout=timeout,
    )
