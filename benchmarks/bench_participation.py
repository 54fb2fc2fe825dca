"""A flood of public submissions while readers read: do the rate limits hold and the site stay up?

Local only, never part of the test suite. Builds a register with the demo loader, starts a real
server (uvicorn, ``--proxy-headers`` so that each flooding client can have an address of its own
through ``X-Forwarded-For``, as behind a reverse proxy) on a free loopback port and, for a fixed
time (default 30 s), runs

* 20 submitting clients (closed loops, each its own client address): the form's POST to
  ``/algorithms/{id}/participate``, each text different (so no duplicate refusal), spread over
  the demo's published algorithms;
* 4 readers (closed loops): GET of the algorithm pages (HTML) and their JSON twins.

Reports the submissions by answer (201, 429, other 4xx, 5xx), whether every 429 is the clear page
(the page saying when to try again, with ``Retry-After``), and the readers' count, p50, p95 and
max latency during the flood. Prints the table; it writes no file.

Usage::

    nice python benchmarks/bench_participation.py                 # 30 s
    nice python benchmarks/bench_participation.py --duration 5    # while iterating
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))
from _machine import describe  # noqa: E402

CLEAR_429 = ("Retry-After", "try again")  # the header, and words of the page (English)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def build(data_dir: Path) -> tuple[str, list[str]]:
    """A migrated SQLite register with the demo data; the published algorithms' ids."""
    from sqlmodel import select

    from registry.db import make_engine, session_scope
    from registry.migrate import upgrade
    from registry.models import Algorithm, AlgorithmState
    from registry.paths import SAMPLES_DIR
    from registry.services.clock import SystemClock
    from registry.services.demo import load_demo

    url = f"sqlite:///{data_dir / 'registry.db'}"
    upgrade(url)
    engine = make_engine(url)
    with session_scope(engine) as session:
        load_demo(session, SAMPLES_DIR, clock=SystemClock())
    with session_scope(engine) as session:
        ids = list(
            session.exec(
                select(Algorithm.public_id).where(Algorithm.state == AlgorithmState.published)
            )
        )
    engine.dispose()
    return url, ids


class Results:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.submissions: Counter[str] = Counter()
        self.unclear_429 = 0
        self.reads: list[float] = []
        self.read_errors: Counter[int] = Counter()

    def submitted(self, response: httpx.Response) -> None:
        status = response.status_code
        kind = (
            "201"
            if status == 201
            else "429"
            if status == 429
            else "5xx"
            if status >= 500
            else f"other ({status})"
        )
        unclear = status == 429 and (
            "retry-after" not in response.headers or CLEAR_429[1] not in response.text.lower()
        )
        with self.lock:
            self.submissions[kind] += 1
            self.unclear_429 += unclear

    def read(self, ms: float, status: int) -> None:
        with self.lock:
            self.reads.append(ms)
            if status != 200:
                self.read_errors[status] += 1


def submitter(base: str, ids: list[str], n: int, deadline: float, out: Results) -> None:
    address = f"198.51.100.{n + 1}"  # documentation range: one address per client
    with httpx.Client(base_url=base, timeout=30, headers={"X-Forwarded-For": address}) as client:
        i = 0
        while time.monotonic() < deadline:
            public_id = ids[(n + i) % len(ids)]
            data = {"kind": "question", "text": f"Flood client {n}, message {i}: why?"}
            try:
                out.submitted(client.post(f"/algorithms/{public_id}/participate", data=data))
            except httpx.HTTPError:
                with out.lock:
                    out.submissions["connection error"] += 1
            i += 1


def reader(base: str, ids: list[str], n: int, deadline: float, out: Results) -> None:
    with httpx.Client(base_url=base, timeout=30) as client:
        i = 0
        while time.monotonic() < deadline:
            public_id = ids[(n + i) % len(ids)]
            path = f"/algorithms/{public_id}" + (".json" if i % 2 else "")
            started = time.perf_counter()
            try:
                status = client.get(path).status_code
            except httpx.HTTPError:
                status = 0
            out.read((time.perf_counter() - started) * 1000, status)
            i += 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of flood")
    parser.add_argument("--submitters", type=int, default=20)
    parser.add_argument("--readers", type=int, default=4)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-participation-") as tmp:
        data_dir = Path(tmp)
        url, ids = build(data_dir)
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "REGISTRY_ENVIRONMENT": "development",
            "REGISTRY_DATA_DIR": str(data_dir),
            "REGISTRY_DATABASE_URL": url,
            "REGISTRY_AUDIT_WORKERS": "0",
            "REGISTRY_BASE_URL": base,
        }
        server = subprocess.Popen(
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
                "--proxy-headers",
                "--forwarded-allow-ips",
                "127.0.0.1",
            ],
            env=env,
            cwd=ROOT,
        )
        try:
            for _ in range(200):
                try:
                    if httpx.get(base + "/about?lang=en", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
            else:
                print("the server did not start", file=sys.stderr)
                return 2
            # Readers alone first, for a baseline without the flood.
            quiet = Results()
            deadline = time.monotonic() + min(5.0, args.duration)
            threads = [
                threading.Thread(target=reader, args=(base, ids, n, deadline, quiet))
                for n in range(args.readers)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            out = Results()
            deadline = time.monotonic() + args.duration
            threads = [
                threading.Thread(target=submitter, args=(base, ids, n, deadline, out))
                for n in range(args.submitters)
            ] + [
                threading.Thread(target=reader, args=(base, ids, n, deadline, out))
                for n in range(args.readers)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        finally:
            server.terminate()
            server.wait(timeout=10)

    def pct(values: list[float], q: float) -> float:
        return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if values else 0.0

    total = sum(out.submissions.values())
    print(f"Machine: {describe('uvicorn', 'limits', 'sqlalchemy')}")
    print(
        f"{args.submitters} submitting clients (one address each) and {args.readers} readers, "
        f"{args.duration:g} s, SQLite, one server process; {len(ids)} published algorithms.\n"
    )
    print("| submissions | count |")
    print("|---|---:|")
    for kind in ("201", "429", "5xx"):
        print(f"| {kind} | {out.submissions.get(kind, 0)} |")
    for kind, count in sorted(out.submissions.items()):
        if kind not in ("201", "429", "5xx"):
            print(f"| {kind} | {count} |")
    print(f"| total | {total} |")
    print(f"| 429 without the clear page or Retry-After | {out.unclear_429} |\n")
    print("| readers (algorithm page and twin) | reads | p50 ms | p95 ms | max ms | not 200 |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, res in (("alone", quiet), ("during the flood", out)):
        reads = res.reads
        print(
            f"| {name} | {len(reads)} | {pct(reads, 50):.1f} | {pct(reads, 95):.1f} | "
            f"{max(reads, default=0):.1f} | {sum(res.read_errors.values())} |"
        )
    ok = (
        out.submissions.get("5xx", 0) == 0
        and not out.read_errors
        and out.unclear_429 == 0
        and out.submissions.get("429", 0) > 0
    )
    print("\nverdict:", "ok" if ok else "NOT OK")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
