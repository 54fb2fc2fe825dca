"""An auditor's big CSV through a real server: upload, audit, store; peak memory on both sides.

Starts ``registry serve`` as its own process on a fresh data folder loaded with the demo data,
writes a seeded synthetic CSV (``--rows``, default 10M rows, about 415 MB; 50M rows is about 2 GB),
submits it with ``registry audit submit --wait`` (which streams the file), and reports the wall
time and the peak resident memory of the server process (``VmHWM``) and of the client.

Usage::

    python benchmarks/bench_big_upload.py                  # 10M rows, writes docs/benchmarks.md
    python benchmarks/bench_big_upload.py --rows 50000000  # about 2 GB
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import describe, replace_section
from bench_fairness import ATTRIBUTES, make_csv

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


CLIENT_WRAPPER = (
    "import resource, subprocess, sys;"
    "subprocess.run(sys.argv[1:], check=True);"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _peak_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-upload-") as tmp:
        work = Path(tmp)
        env = {**os.environ, "REGISTRY_DATA_DIR": str(work / "data")}
        loaded = subprocess.run(
            [BIN / "registry", "demo", "--no-serve"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        token = re.search(r"token for auditor@demo\.example: (\S+)", loaded).group(1)  # type: ignore[union-attr]
        sample = work / "sample.csv"
        make_csv(sample, args.rows)
        spec = work / "spec.json"
        columns = {
            "label": "label",
            "prediction": "prediction",
            "sensitive_features": list(ATTRIBUTES),
        }
        spec.write_text(json.dumps({"columns": columns, "seed": 7}))
        port = _free_port()
        server = subprocess.Popen(
            [BIN / "registry", "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
            import httpx

            listing = httpx.get(f"{base}/api/v1/algorithms", params={"q": "fraud"}).json()
            public_id = listing["items"][0]["public_id"]
            idle = _peak_kib(server.pid)
            submit = [
                str(BIN / "registry"), "audit", "submit", "--url", base, "--token", token,
                "--algorithm", public_id, "--file", str(sample), "--spec", str(spec),
                "--wait", "--poll", "0.25",
            ]  # fmt: skip
            started = time.perf_counter()
            # A fresh wrapper process, so the peak is the client's alone (not the demo loader's).
            out = subprocess.run(
                [sys.executable, "-c", CLIENT_WRAPPER, *submit],
                check=True, capture_output=True, text=True,
            )  # fmt: skip
            elapsed = time.perf_counter() - started
            client_kib = int(out.stderr.strip().splitlines()[-1])
            server_kib = _peak_kib(server.pid)
            verdict = re.search(r"verdict: (\w+)", out.stdout)
            size_mb = sample.stat().st_size / 1e6
        finally:
            server.terminate()
            server.wait(timeout=30)
    text = "\n".join(
        [
            "## A big CSV through a real server (`benchmarks/bench_big_upload.py`)",
            "",
            f"Machine: {describe('fastapi', 'uvicorn', 'pyarrow', 'numpy')}.",
            "`registry serve` (SQLite, one in-process audit worker) in its own process; the file "
            f"is streamed by `registry audit submit --wait`. {args.rows:,} rows, "
            f"{size_mb:,.0f} MB CSV, 3 sensitive attributes and their pairs, 2,000 bootstrap "
            "replicates.",
            "",
            "| measure | value |",
            "|---|---|",
            f"| upload + queue + audit + store, wall time | {elapsed:.1f} s |",
            f"| verdict stored | {verdict.group(1) if verdict else 'none'} |",
            f"| server peak RSS, idle after start | {idle / 1024:,.0f} MiB |",
            f"| server peak RSS over the whole run | {server_kib / 1024:,.0f} MiB |",
            f"| client (`registry audit submit`) peak RSS | {client_kib / 1024:,.0f} MiB |",
            "",
            f"Reproduce: `python benchmarks/bench_big_upload.py --rows {args.rows}`.",
        ]
    )
    print(text)
    if not args.no_write:
        replace_section(ROOT / "docs" / "benchmarks.md", "big-upload", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
