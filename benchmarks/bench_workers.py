"""Benchmark: audits per minute with 1, 2 and 4 ``registry worker`` processes sharing one queue.

Issue 16, item 4. On a PostgreSQL server (default ``127.0.0.1:5432``, user ``postgres``) the script

1. creates a database of its own (``bench_workers_<random>``, dropped at the end), migrates it as
   ``registry db upgrade`` does, and loads a small register with the test factories: an agency,
   an algorithm with a published version, an auditor and the auditor's API token;
2. writes a seeded mix of samples (``bench_fairness.make_csv``: 3 sensitive attributes, label and
   prediction; default 20 x 10k, 6 x 100k and 2 x 1M rows, ``--mix``) and uploads each through the
   API (``POST /api/v1/algorithms/{id}/audits``, the app in process with no worker of its own), so
   every audit is queued the way a real upload is and its file lies in the real upload folder;
3. for each W in ``--workers`` (default 1, 2, 4) starts W real ``registry worker`` processes
   (``--threads 1``) with the settings environment the CLI reads, keeps the queue closed until
   every worker is up and idle (a transaction holds the queued rows' locks, so the workers'
   ``FOR UPDATE SKIP LOCKED`` claims find nothing), opens it, and waits until every audit has
   finished. The time is from the first claim to the last finish (``started_at``/``finished_at``
   as the workers stored them). It checks that every audit succeeded, was claimed once
   (``attempts`` = 1) and has exactly one ``audit.succeeded`` event from this run and no
   ``audit.requeued``/``audit.failed`` one, then stops the workers (SIGTERM: they finish their
   current audit and exit);
4. between runs re-queues the same uploads (the workers run with ``REGISTRY_KEEP_SAMPLES=1`` so the
   files stay; the rows' results, claims and times are cleared in the same transaction that keeps
   the queue closed for the next run).

``REGISTRY_AUDIT_SMALL_MB`` is 0 by default (``--small-mb``), so W processes run at most W audits
at once; with the default setting each process also has a small-audit thread.

Prints a Markdown section; ``--write-docs`` puts it in docs/benchmarks.md between
``<!-- workers:start -->`` and ``<!-- workers:end -->``.

Usage::

    python benchmarks/bench_workers.py --write-docs
    python benchmarks/bench_workers.py --workers 1,2 --mix 8x10000,2x100000   # quick look
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import describe, replace_section  # noqa: E402
from bench_fairness import SPEC, make_csv  # noqa: E402

DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DEFAULT_MIX = "20x10000,6x100000,2x1000000"
READY_LINE = "audit worker thread(s) running"
#: Columns a worker writes while claiming and finishing, cleared to re-queue an audit.
RESET = {
    "state": "queued",
    "attempts": 0,
    "claim_token": None,
    "worker_id": None,
    "heartbeat_at": None,
    "started_at": None,
    "finished_at": None,
    "progress": {},
    "error": None,
    "report": None,
    "counts": None,
    "verdict": None,
    "verdicts": None,
    "engine_version": None,
}


@dataclass
class RunResult:
    workers: int
    seconds: float  # first claim to last finish
    wall_seconds: float  # queue opened to observed empty (includes up to a poll interval)
    audits: int
    rows: int
    per_process: list[int]
    load_before: float
    problems: list[str]
    median_by_rows: dict[int, float]  # rows -> median seconds from claim to finish
    cpu_busy: float  # share of all CPUs busy (anyone's work) while the queue was open

    @property
    def per_minute(self) -> float:
        return self.audits / self.seconds * 60

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds


def cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs since boot, from /proc/stat; (0, 0) elsewhere."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    total = sum(fields[:8])  # guest time is already counted in user
    return total - idle, total


def parse_mix(text: str) -> list[tuple[int, int]]:
    """``"20x10000,6x100000"`` -> ``[(20, 10000), (6, 100000)]``."""
    mix = []
    for part in text.split(","):
        count, _, rows = part.strip().lower().partition("x")
        try:
            mix.append((int(count), int(rows)))
        except ValueError:
            raise SystemExit(f"--mix: expected COUNTxROWS[,COUNTxROWS...], got {part!r}") from None
    return mix


def with_database(url: str, name: str) -> str:
    return sa.engine.make_url(url).set(database=name).render_as_string(hide_password=False)


# -- set-up ---------------------------------------------------------------------------------------


def build_register(url: str) -> tuple[str, str]:
    """Migrate, then an algorithm with a published version and an auditor's token."""
    from registry.db import make_engine, session_scope
    from registry.migrate import upgrade
    from registry.models import Role
    from tests.registry.factories import make_account, make_published_algorithm, make_token

    upgrade(url)
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            algorithm = make_published_algorithm(session)
            auditor = make_account(session, role=Role.auditor)
            return algorithm.public_id, make_token(session, auditor)
    finally:
        engine.dispose()


def settings_env(data_dir: Path, url: str, small_mb: int) -> dict[str, str]:
    """What the workers' ``load_settings`` reads (the same variables an operator sets)."""
    return {
        "REGISTRY_ENVIRONMENT": "development",
        "REGISTRY_DATA_DIR": str(data_dir),
        "REGISTRY_DATABASE_URL": url,
        "REGISTRY_AUDIT_WORKERS": "0",
        "REGISTRY_AUDIT_SMALL_MB": str(small_mb),
        "REGISTRY_KEEP_SAMPLES": "1",
        # Every upload comes from one account at one address, faster than the defaults allow.
        "REGISTRY_WRITE_LIMIT_PER_ADDRESS": "100000/minute",
        "REGISTRY_WRITE_LIMIT_PER_ACCOUNT": "100000/minute",
    }


def upload_all(
    env: dict[str, str], algorithm: str, token: str, mix: list[tuple[int, int]], tmp: Path
) -> dict[str, int]:
    """Write and upload every sample through the API; {audit public id: rows}."""
    from fastapi.testclient import TestClient

    from registry.app import create_app
    from registry.config import Settings

    settings = Settings(**{k[len("REGISTRY_") :].lower(): v for k, v in env.items()})  # type: ignore[arg-type]
    app = create_app(settings)
    spec = json.dumps(SPEC)
    audits: dict[str, int] = {}
    seed = 20261201
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as client:
        for count, rows in mix:
            for _ in range(count):
                seed += 1
                path = tmp / f"sample-{seed}.csv"
                make_csv(path, rows, seed=seed)
                with path.open("rb") as fh:
                    response = client.post(
                        f"/api/v1/algorithms/{algorithm}/audits",
                        data={"spec": spec},
                        files={"file": (path.name, fh, "text/csv")},
                    )
                path.unlink()
                if response.status_code != 202:
                    raise SystemExit(f"upload refused: {response.status_code} {response.text}")
                audits[response.json()["id"]] = rows
    app.state.engine.dispose()
    return audits


# -- one run ------------------------------------------------------------------------------------


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    cmd = [
        sys.executable,
        "-c",
        "from registry.cli import main; main()",
        "worker",
        "--threads",
        "1",
    ]
    full_env = {**os.environ, **env, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    with log.open("wb") as sink:
        return subprocess.Popen(
            cmd, cwd=ROOT, env=full_env, stdout=sink, stderr=sink, start_new_session=True
        )


def stop_worker(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    # The worker's own session (start_new_session): anything it left behind, such as its audit
    # process server, goes with it.
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGTERM)


def run_once(
    engine: sa.Engine, env: dict[str, str], audits: dict[str, int], workers: int, args: Any
) -> RunResult:
    from registry.models import Audit

    table = Audit.__table__  # type: ignore[attr-defined]
    logs = Path(env["REGISTRY_DATA_DIR"]) / "logs"
    logs.mkdir(exist_ok=True)
    procs: list[subprocess.Popen[bytes]] = []
    with engine.connect() as gate:
        # Re-queue every audit and hold the rows' locks until the workers are idle: their
        # claims (FOR UPDATE SKIP LOCKED) skip locked rows, so nothing starts early.
        gate.execute(sa.update(table).values(**RESET))
        gate.execute(sa.select(table.c.id).with_for_update())
        marker = gate.execute(sa.text("SELECT coalesce(max(id), 0) FROM event")).scalar_one()
        try:
            for n in range(workers):
                procs.append(start_worker(env, logs / f"w{workers}-{n}.log"))
            deadline = time.monotonic() + 120
            for n, proc in enumerate(procs):
                log = logs / f"w{workers}-{n}.log"
                while READY_LINE not in log.read_text(errors="replace"):
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise SystemExit(f"worker {n} did not start:\n{log.read_text()[-3000:]}")
                    time.sleep(0.1)
            time.sleep(args.settle)  # the audit process server warms up, first polls pass
            load_before = os.getloadavg()[0]
            gate.commit()  # the queue opens
            cpu_start = cpu_times()
        except BaseException:
            for proc in procs:
                stop_worker(proc)
            raise
    opened = time.monotonic()
    try:
        while True:
            with engine.connect() as conn:
                pending = conn.execute(
                    sa.select(sa.func.count()).where(table.c.state.in_(("queued", "running")))
                ).scalar_one()
            if not pending:
                break
            if time.monotonic() - opened > args.timeout:
                raise SystemExit(f"W={workers}: {pending} audits still pending after the timeout")
            time.sleep(0.2)
        wall = time.monotonic() - opened
        cpu_end = cpu_times()
    finally:
        for proc in procs:
            stop_worker(proc)
    busy, total = (b - a for a, b in zip(cpu_start, cpu_end, strict=True))
    result = collect(engine, audits, workers, marker, wall, load_before)
    result.cpu_busy = busy / total if total else float("nan")
    return result


def collect(
    engine: sa.Engine,
    audits: dict[str, int],
    workers: int,
    marker: int,
    wall: float,
    load_before: float,
) -> RunResult:
    from registry.models import Audit

    table = Audit.__table__  # type: ignore[attr-defined]
    problems: list[str] = []
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(
                table.c.public_id,
                table.c.state,
                table.c.attempts,
                table.c.worker_id,
                table.c.started_at,
                table.c.finished_at,
                table.c.error,
            )
        ).all()
        events = conn.execute(
            sa.text(
                "SELECT subject_id, action FROM event WHERE id > :marker AND subject_type = 'audit'"
            ),
            {"marker": marker},
        ).all()
    if {r.public_id for r in rows} != set(audits):
        problems.append("the audits in the database are not the ones uploaded")
    for r in rows:
        if r.state != "succeeded":
            problems.append(f"{r.public_id} {r.state}: {r.error}")
        elif r.attempts != 1:
            problems.append(f"{r.public_id} claimed {r.attempts} times")
    per_audit = Counter((e.subject_id, e.action) for e in events)
    for public_id in audits:
        if per_audit[(public_id, "audit.succeeded")] != 1:
            problems.append(
                f"{public_id}: {per_audit[(public_id, 'audit.succeeded')]} audit.succeeded events"
            )
    for (public_id, action), n in per_audit.items():
        if action in ("audit.requeued", "audit.failed"):
            problems.append(f"{public_id}: {n} {action} event(s)")
    done = [r for r in rows if r.started_at and r.finished_at]
    seconds = (
        (max(r.finished_at for r in done) - min(r.started_at for r in done)).total_seconds()
        if done
        else float("nan")
    )
    by_rows: dict[int, list[float]] = {}
    for r in done:
        by_rows.setdefault(audits[r.public_id], []).append(
            (r.finished_at - r.started_at).total_seconds()
        )
    # worker_id is host:pid:thread:name; count audits per process.
    per_pid = Counter(r.worker_id.split(":")[1] for r in rows if r.worker_id)
    return RunResult(
        workers=workers,
        seconds=seconds,
        wall_seconds=wall,
        audits=len(rows),
        rows=sum(audits.values()),
        per_process=sorted(per_pid.values(), reverse=True),
        load_before=load_before,
        problems=problems,
        median_by_rows={n: statistics.median(v) for n, v in sorted(by_rows.items())},
        cpu_busy=float("nan"),
    )


# -- report -------------------------------------------------------------------------------------


def report(results: list[RunResult], mix: list[tuple[int, int]], args: Any, setup: float) -> str:
    """One row per worker count: the median run (the runs alternate the order of the counts)."""
    by_w: dict[int, list[RunResult]] = {}
    for r in results:
        by_w.setdefault(r.workers, []).append(r)
    median = {w: statistics.median(r.seconds for r in runs) for w, runs in by_w.items()}
    base = median.get(1, next(iter(median.values())))
    mix_text = ", ".join(f"{c} × {n:,}" for c, n in mix)
    audits = sum(c for c, _ in mix)
    total_rows = sum(c * n for c, n in mix)
    lines = [
        "## Audits per minute with several workers",
        "",
        f"Machine: {describe('sqlalchemy', 'psycopg', 'pyarrow', 'numpy')}.",
        f"CPUs: {os.cpu_count()}, shared with other jobs (the 1-minute load average before each "
        "run is in the table; the benchmark itself ran under `nice -n 10`).",
        "PostgreSQL 15 on 127.0.0.1, a database of the benchmark's own; "
        "`registry worker --threads 1` processes with "
        f"`REGISTRY_AUDIT_SMALL_MB={args.small_mb}` (so W processes run at most W audits at "
        "once) and the default audit budget (each audit in a child of the worker's audit "
        "process server).",
        f"Command: `nice -n 10 python benchmarks/bench_workers.py --workers {args.workers} "
        f"--mix {args.mix} --rounds {args.rounds} --small-mb {args.small_mb} --write-docs`.",
        "",
        f"Mix: {mix_text} rows ({audits} audits, {total_rows:,} rows), seeded samples from "
        "`bench_fairness.make_csv` (3 sensitive attributes and their pairwise intersections, "
        "labels and predictions; the spec still names 2,000 bootstrap replicates, which the "
        "engine records but no longer draws), uploaded once through the API and "
        f"re-queued for each run. {args.rounds} round(s), the worker counts in alternating "
        "order (1, 2, 4 then 4, 2, 1) so a change in the machine's other load falls on all of "
        "them; the table gives the median run.",
        "",
        "| workers | first claim to queue empty (runs) | audits per minute | rows per second | "
        "speed-up over 1 | audits per process | load before | CPUs busy | checks |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for w, runs in by_w.items():
        seconds = median[w]
        problems = [p for r in runs for p in r.problems]
        checks = "all succeeded, each claimed once" if not problems else "; ".join(problems[:3])
        each = ", ".join(f"{r.seconds:.1f}" for r in runs)
        lines.append(
            f"| {w} | {seconds:.1f} s ({each}) | {audits / seconds * 60:.0f} | "
            f"{total_rows / seconds:,.0f} | {base / seconds:.2f}× | "
            f"{', '.join(map(str, runs[-1].per_process))} | "
            f"{', '.join(f'{r.load_before:.1f}' for r in runs)} | "
            f"{', '.join(f'{r.cpu_busy:.0%}' for r in runs)} | {checks} |"
        )
    sizes = sorted({n for _, n in mix})
    lines += [
        "",
        "Median time of one audit, claim to finish, by sample size (all runs of each worker "
        "count): an audit's time barely depends on its rows, and grows once the workers "
        "outnumber the free CPUs, because they then share them.",
        "",
        "| workers | " + " | ".join(f"{n:,} rows" for n in sizes) + " |",
        "|---|" + "---|" * len(sizes),
    ]
    for w, runs in by_w.items():
        cells = []
        for n in sizes:
            values = [r.median_by_rows[n] for r in runs if n in r.median_by_rows]
            cells.append(f"{statistics.median(values):.2f} s" if values else "-")
        lines.append(f"| {w} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "The time runs from the first claim to the last finish as the workers stored them "
        "(`started_at`, `finished_at`); every worker was started and idle before the queue "
        "opened. Checked after each run: every audit `succeeded` with `attempts` = 1, one "
        "`audit.succeeded` event each, no `audit.requeued` or `audit.failed`. "
        f"Set-up (database, migrations, samples, uploads): {setup:.0f} s.",
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--server-url", default=DEFAULT_SERVER, help="Any database on the server.")
    parser.add_argument("--workers", default="1,2,4", help="Comma-separated worker counts.")
    parser.add_argument("--mix", default=DEFAULT_MIX, help="COUNTxROWS[,COUNTxROWS...]")
    parser.add_argument("--rounds", type=int, default=2, help="Runs of each worker count.")
    parser.add_argument("--small-mb", type=int, default=0, help="REGISTRY_AUDIT_SMALL_MB.")
    parser.add_argument("--settle", type=float, default=3.0, help="Seconds idle before opening.")
    parser.add_argument("--timeout", type=float, default=900.0, help="Per run, in seconds.")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    mix = parse_mix(args.mix)
    counts = [int(w) for w in args.workers.split(",")]

    name = f"bench_workers_{secrets.token_hex(4)}"
    admin = sa.create_engine(args.server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = with_database(args.server_url, name)
    results: list[RunResult] = []
    try:
        with tempfile.TemporaryDirectory(prefix="bench-workers-") as tmp:
            tmpdir = Path(tmp)
            data_dir = tmpdir / "data"
            env = settings_env(data_dir, url, args.small_mb)
            t0 = time.perf_counter()
            algorithm, token = build_register(url)
            audits = upload_all(env, algorithm, token, mix, tmpdir)
            setup = time.perf_counter() - t0
            print(f"set-up {setup:.1f} s: {len(audits)} audits queued", flush=True)
            engine = sa.create_engine(url)
            try:
                order = [c for r in range(args.rounds) for c in (counts[::-1] if r % 2 else counts)]
                for w in order:
                    result = run_once(engine, env, audits, w, args)
                    results.append(result)
                    print(
                        f"W={w}: {result.seconds:.1f} s, {result.per_minute:.0f} audits/min, "
                        f"{result.rows_per_second:,.0f} rows/s, per process "
                        f"{result.per_process}, CPUs busy {result.cpu_busy:.0%}, "
                        f"median by rows {result.median_by_rows}, "
                        f"problems {result.problems[:3]}",
                        flush=True,
                    )
            finally:
                engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    section = report(results, mix, args, setup)
    print(section)
    if args.write_docs:
        replace_section(ROOT / "docs" / "benchmarks.md", "workers", section)
    return 0 if all(not r.problems for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
