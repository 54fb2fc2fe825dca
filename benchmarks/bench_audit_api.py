"""Benchmark: a 1M-row sample through the API (upload, run in the worker, stored) vs
`fairness audit` on the same file, and four parallel 100k-row uploads.

Runs a real uvicorn server with one in-process audit worker on a temporary SQLite database (or
``--database-url``). Prints a Markdown section; ``--write-docs`` puts it in docs/benchmarks.md
between ``<!-- audits:start -->`` and ``<!-- audits:end -->``.

    python benchmarks/bench_audit_api.py [--rows 1000000] [--write-docs]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import describe, replace_section  # noqa: E402

SPEC = {
    "columns": {"prediction": "pred", "label": "label", "sensitive_features": ["sex", "age_band"]},
    "favourable_outcome": "adverse",
    "checks": [{"name": "fpr", "metric": "false_positive_rate", "kind": "ratio", "threshold": 0.8}],
    "seed": 1,
}


def make_sample(path: Path, rows: int, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "sex": rng.choice(["female", "male", "other"], size=rows, p=[0.49, 0.49, 0.02]),
            "age_band": rng.choice(["18-24", "25-39", "40-64", "65+"], size=rows),
            "pred": (rng.random(rows) < 0.2).astype(np.int8),
            "label": (rng.random(rows) < 0.1).astype(np.int8),
        }
    )
    frame.to_csv(path, index=False)


def start_server(data_dir: Path, database_url: str | None):
    import uvicorn
    from sqlmodel import SQLModel

    import registry.models  # noqa: F401
    from registry.app import create_app
    from registry.config import Settings
    from registry.db import make_engine

    settings = Settings(
        environment="test", secret_key="benchmark-secret-key-0123456789", data_dir=data_dir,
        database_url=database_url, audit_workers=1,
    )  # fmt: skip
    settings.ensure_dirs()
    engine = make_engine(settings.resolved_database_url)
    SQLModel.metadata.create_all(engine)
    app = create_app(settings, engine=engine)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server, engine, f"http://127.0.0.1:{port}"


def make_world(engine):
    from registry.db import session_scope
    from registry.models import Role
    from tests.registry.factories import make_account, make_published_algorithm, make_token

    with session_scope(engine) as session:
        algorithm = make_published_algorithm(session)
        auditor = make_account(session, role=Role.auditor)
        return algorithm.public_id, make_token(session, auditor)


def submit_and_wait(base: str, public_id: str, token: str, path: Path) -> tuple[float, dict]:
    import httpx

    start = time.perf_counter()
    with httpx.Client(
        timeout=httpx.Timeout(600.0), headers={"Authorization": f"Bearer {token}"}
    ) as c:
        with path.open("rb") as fh:
            r = c.post(
                f"{base}/api/v1/algorithms/{public_id}/audits",
                data={"spec": json.dumps(SPEC)},
                files={"file": (path.name, fh)},
            )
        r.raise_for_status()
        url = base + r.json()["api_url"]
        while True:
            body = c.get(url).json()
            if body["state"] in ("succeeded", "failed"):
                break
            time.sleep(0.05)
    return time.perf_counter() - start, body


def cli_time(path: Path, spec_path: Path, out: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "fairness.cli", "audit", str(path), "--spec", str(spec_path),
         "--format", "json", "--output", str(out)],
        check=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    return time.perf_counter() - start


def lib_time(path: Path) -> float:
    """``fairness.audit`` on the file in this process, best of 3 (modules already imported)."""
    import fairness

    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        fairness.audit(path, SPEC)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--parallel-rows", type=int, default=100_000)
    parser.add_argument("--database-url")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        big = tmpdir / "big.csv"
        make_sample(big, args.rows)
        spec_path = tmpdir / "spec.json"
        spec_path.write_text(json.dumps(SPEC))
        server, engine, base = start_server(tmpdir / "data", args.database_url)
        public_id, token = make_world(engine)

        cli_seconds = cli_time(big, spec_path, tmpdir / "cli.json")
        lib_seconds = lib_time(big)
        size_mb = big.stat().st_size / 1e6
        api_seconds, body = submit_and_wait(base, public_id, token, big)
        assert body["state"] == "succeeded", body.get("error")
        same = body["report"] == json.loads((tmpdir / "cli.json").read_text())

        smalls = []
        for i in range(4):
            p = tmpdir / f"small{i}.csv"
            make_sample(p, args.parallel_rows, seed=100 + i)
            smalls.append(p)
        t0 = time.perf_counter()
        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(lambda p: submit_and_wait(base, public_id, token, p), smalls))
        parallel_seconds = time.perf_counter() - t0
        errors = sum(1 for _, b in results if b["state"] != "succeeded")
        server.should_exit = True

    section = "\n".join(
        [
            "## Audits through the API",
            "",
            f"Machine: {describe('fastapi', 'uvicorn', 'pyarrow', 'numpy')}.",
            "SQLite, one in-process worker, uvicorn on localhost.",
            f"Command: `python benchmarks/bench_audit_api.py --rows {args.rows}`.",
            "",
            "| measure | value |",
            "|---|---|",
            f"| `fairness audit` CLI, {args.rows:,} rows CSV | {cli_seconds:.2f} s |",
            f"| API: upload + queue + run + store, same file | {api_seconds:.2f} s |",
            f"| ratio API / CLI (target <= 1.5) | {api_seconds / cli_seconds:.2f} |",
            f"| `fairness.audit` in process, same file (best of 3) | {lib_seconds:.2f} s |",
            f"| ratio API / in-process library (no interpreter start-up on either side) | "
            f"{api_seconds / lib_seconds:.2f} |",
            f"| stored report identical to the CLI's | {'yes' if same else 'NO'} |",
            f"| 4 parallel uploads of {args.parallel_rows:,} rows, all done | "
            f"{parallel_seconds:.2f} s, {errors} errors |",
            "",
        ]
    )
    section += (
        f"\nSample: {size_mb:.1f} MB CSV. The CLI row includes starting Python and importing\n"
        "the engine (about 0.5 s); the in-process row does not, like the API's worker. The API\n"
        "row adds the HTTP upload, hashing, the header check, storing, and the client's polling.\n"
    )
    print(section)
    if args.write_docs:
        replace_section(ROOT / "docs" / "benchmarks.md", "audits", section)
    return 0 if errors == 0 and same else 1


if __name__ == "__main__":
    raise SystemExit(main())
