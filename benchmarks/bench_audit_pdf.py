"""Time the audit PDF (``/audits/{id}.pdf``) of every published audit of the demo register.

Loads the demo (``registry demo --no-serve``) into a temporary data folder, then asks the app
in-process (page cache off, so every request prints) for each published audit's page, its JSON
twin (to count the per-group rows) and its PDF in English and Chinese, three times each. Prints a
table, largest audit first; docs/pages.md quotes the result.

Usage::

    python benchmarks/bench_audit_pdf.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import describe  # noqa: E402

REPEATS = 3


def main() -> int:
    from fastapi.testclient import TestClient
    from sqlmodel import Session, select

    from registry.app import create_app
    from registry.config import Settings
    from registry.db import make_engine
    from registry.models.audit import Audit, AuditVisibility

    with tempfile.TemporaryDirectory(prefix="bench-pdf-") as tmp:
        data = Path(tmp) / "data"
        loader = "import sys; from registry.cli import main; sys.argv[0] = 'registry'; main()"
        subprocess.run(
            [sys.executable, "-c", loader, "demo", "--no-serve"],
            env={**os.environ, "REGISTRY_DATA_DIR": str(data)},
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        settings = Settings(data_dir=data, page_cache_size=0)
        engine = make_engine(settings.resolved_database_url)
        with Session(engine) as session:
            ids = session.exec(
                select(Audit.public_id).where(Audit.visibility == AuditVisibility.published)
            ).all()
        rows = []
        with TestClient(create_app(settings, engine=engine)) as client:
            for audit_id in ids:
                twin = client.get(f"/audits/{audit_id}.json").json()
                groups = sum(len(t["rows"]) for a in twin["attributes"] for t in a["tables"])
                times = {}
                for lang in ("en", "zh-CN"):
                    samples = []
                    for _ in range(REPEATS):
                        start = time.perf_counter()
                        response = client.get(f"/audits/{audit_id}.pdf?lang={lang}")
                        samples.append(time.perf_counter() - start)
                        assert response.status_code == 200, response.text[:500]
                    times[lang] = (statistics.median(samples), len(response.content))
                rows.append((groups, audit_id, times))
    print(describe())
    print("| audit | group rows | en: s (KiB) | zh-CN: s (KiB) |")
    print("|---|---:|---:|---:|")
    for groups, audit_id, times in sorted(rows, key=lambda r: r[0], reverse=True):
        cells = [f"{t:.2f} ({size / 1024:.0f})" for t, size in times.values()]
        print(f"| {audit_id} | {groups} | {' | '.join(cells)} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
