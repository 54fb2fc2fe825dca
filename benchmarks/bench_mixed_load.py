"""Mixed load on a real server: anonymous readers while editors write and auditors submit audits.

Starts ``registry serve`` (real processes, audit worker threads on) on a free loopback port and,
for a fixed time (default 40 s), runs

* 12 readers: anonymous GETs of the home page (numbered pages), search (text + filters, HTML and
  ``.json``), algorithm and agency pages and ``/about``, one after another;
* 6 writers: each saves its algorithm's draft through the API and, every third save, has a second
  editor publish it (four-eyes), so private and public ledger events interleave;
* 2 audit submitters: each uploads a sample, polls its audit until the worker has run it, and
  publishes it.

All clients are closed loops (the next request leaves when the last answer came back), on
127.0.0.1 only, and stop by themselves at the deadline; the server is stopped afterwards. The
register is built first through the services (so every change has its ledger event): by default
300 published algorithms in 12 agencies.

Reports per kind of request: count, rate, p50/p95/p99/max latency and non-2xx answers, and checks
the targets of issue 9: reader p95 under 250 ms, and no read slower than a write (each read
percentile at most the same write percentile). Writes the tables and the machine to
``docs/benchmarks.md`` between ``<!-- mixed-load:start -->`` and ``<!-- mixed-load:end -->``.

``--baseline DIR`` runs the same load first against the code in another checkout (for example the
main branch before the ledger-ordered index) for a before/after comparison; that checkout is only
read (no byte-code is written).

Usage::

    python benchmarks/bench_mixed_load.py                           # SQLite, 40 s
    python benchmarks/bench_mixed_load.py --postgres-url postgresql+psycopg://postgres@127.0.0.1/db
    python benchmarks/bench_mixed_load.py --duration 10 --algorithms 60 --no-write
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from _machine import describe, replace_section  # noqa: E402

READER_P95_TARGET_MS = 250.0
WORDS = [
    "benefit", "housing", "school", "traffic", "permit", "tax", "fraud", "hospital", "triage",
    "care", "grant", "parking", "library", "licence", "inspection", "waste", "transport",
]  # fmt: skip
SCENARIOS = ["government_services", "digital_industry", "public_services", "urban_living"]
RISKS = ["high_risk", "impactful", "other"]
READ_KINDS = ("home", "search", "search.json", "algorithm", "agency", "about")
WRITE_KINDS = ("draft save", "publish", "audit upload", "audit publish")
SPEC = {
    "columns": {"prediction": "pred", "label": "label", "sensitive_features": ["sex", "age_band"]},
    "bootstrap_replicates": 100,
    "seed": 5,
}


# -- set-up: runs in a subprocess whose ``registry`` is the code under test ----------------------


def setup_register(url: str, n_algorithms: int, writers: int, submitters: int) -> dict[str, Any]:
    """Migrate, then create agencies, editors, auditors, tokens and published algorithms."""
    import copy
    from datetime import UTC, datetime, timedelta

    from registry.db import make_engine, session_scope
    from registry.migrate import upgrade
    from registry.models import AccountCreate, AgencyCreate, AlgorithmCreate, Role
    from registry.services.cards import accounts, agencies, algorithms, drafts, tokens
    from tests.registry.factories import PUBLISHABLE_CARD

    rng = random.Random(7)
    upgrade(url)
    engine = make_engine(url)
    now = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
    out: dict[str, Any] = {"teams": [], "auditors": [], "algorithms": [], "agencies": []}
    with session_scope(engine) as session:
        teams: list[tuple[Any, Any, Any]] = []
        for a in range(max(12, writers)):
            slug = f"agency-{a:02d}"
            agency = agencies.create_agency(
                session,
                actor=None,
                data=AgencyCreate(
                    slug=slug, name=f"Agency {a:02d}", name_translations={"zh-CN": f"机构 {a:02d}"}
                ),
                now=now,
            )
            pair: list[Any] = []
            for role in ("editor", "publisher"):
                account = accounts.create_account(
                    session,
                    actor=None,
                    data=AccountCreate(
                        email=f"{role}-{a}@example.gov",
                        display_name=f"{role} {a}",
                        role=Role.agency_editor,
                        agency=agency.slug,
                    ),
                    now=now,
                )
                pair.append(account)
            teams.append((agency, *pair))
            out["agencies"].append(slug)
        for i in range(n_algorithms):
            agency, editor, publisher = teams[i % len(teams)]
            words = rng.sample(WORDS, 3)
            card = copy.deepcopy(PUBLISHABLE_CARD)
            card.update(
                name=f"{words[0].title()} {words[1]} {words[2]} model {i}",
                summary=f"Helps staff prioritise {words[0]} and {words[1]} cases.",
                scenario=rng.choice(SCENARIOS),
                status=rng.choice(["planned", "pilot", "in_use"]),
            )
            at = now + timedelta(minutes=i)
            algorithm = algorithms.create_algorithm(
                session,
                actor=editor,
                data=AlgorithmCreate(agency=agency.slug, card=card),
                now=at,
            )
            # Publishing names the reviewed draft revision where the code under test asks for one
            # (a --baseline checkout may predate revisions).
            reviewed = (
                {"revision": drafts.current_revision(session, algorithm)}
                if hasattr(drafts, "current_revision")
                else {}
            )
            drafts.publish_draft(
                session,
                actor=publisher,
                algorithm=algorithm,
                change_summary="First publication.",
                four_eyes=True,
                now=at,
                **reviewed,
            )
            out["algorithms"].append(algorithm.public_id)
        for w in range(writers):
            _agency, editor, publisher = teams[w]
            out["teams"].append(
                {
                    "algorithm": out["algorithms"][w],
                    "editor": tokens.create_token(
                        session, account=editor, name="bench", now=now
                    ).token,
                    "publisher": tokens.create_token(
                        session, account=publisher, name="bench", now=now
                    ).token,
                }
            )
        for s in range(submitters):
            auditor = accounts.create_account(
                session,
                actor=None,
                data=AccountCreate(
                    email=f"auditor-{s}@example.gov", display_name=f"Auditor {s}", role=Role.auditor
                ),
                now=now,
            )
            out["auditors"].append(
                {
                    "token": tokens.create_token(
                        session, account=auditor, name="bench", now=now
                    ).token,
                    "algorithm": out["algorithms"][-1 - s],
                }
            )
    engine.dispose()
    out["card"] = PUBLISHABLE_CARD
    return out


# -- the load ----------------------------------------------------------------------------------


class Recorder:
    def __init__(self) -> None:
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[int]] = defaultdict(list)
        self._lock = threading.Lock()

    def add(self, kind: str, ms: float, status: int) -> None:
        with self._lock:
            self.times[kind].append(ms)
            if not 200 <= status < 300:
                self.errors[kind].append(status)


def _sample_csv(rows: int, seed: int) -> bytes:
    rng = random.Random(seed)
    lines = ["sex,age_band,pred,label"]
    for _ in range(rows):
        sex = rng.choice("fm")
        band = rng.choice(["young", "middle", "old"])
        label = int(rng.random() < 0.4)
        pred = label if rng.random() < 0.8 else 1 - label
        lines.append(f"{sex},{band},{pred},{label}")
    return ("\n".join(lines) + "\n").encode()


def reader(base: str, world: dict[str, Any], seed: int, deadline: float, rec: Recorder) -> None:
    rng = random.Random(seed)
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    while time.monotonic() < deadline:
        q = rng.choice(WORDS)
        filters = f"scenario={rng.choice(SCENARIOS)}"
        paths = [
            ("home", f"/?page={rng.randint(1, 5)}"),
            ("search", f"/?q={q}&{filters}"),
            ("search.json", f"/index.json?q={q}&risk_category={rng.choice(RISKS)}"),
            ("algorithm", f"/algorithms/{rng.choice(world['algorithms'])}"),
            ("agency", f"/agencies/{rng.choice(world['agencies'])}"),
            ("about", "/about"),
        ]
        for kind, path in paths:
            if time.monotonic() >= deadline:
                break
            start = time.perf_counter()
            try:
                conn.request("GET", urllib.parse.quote(path, safe="/?=&"))
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(host, int(port), timeout=30)
                status = 599
            rec.add(kind, (time.perf_counter() - start) * 1000, status)
    conn.close()


def _timed(rec: Recorder, kind: str, send: Any, url: str, **kwargs: Any) -> httpx.Response | None:
    """``send(url, **kwargs)``, timed and recorded under ``kind``; None if it did not answer."""
    start = time.perf_counter()
    try:
        response: httpx.Response = send(url, **kwargs)
    except httpx.HTTPError:
        rec.add(kind, (time.perf_counter() - start) * 1000, 599)
        return None
    rec.add(kind, (time.perf_counter() - start) * 1000, response.status_code)
    return response


def writer(
    base: str, world: dict[str, Any], team: dict[str, str], deadline: float, rec: Recorder
) -> None:
    card = dict(world["card"])
    path = f"/api/v1/algorithms/{team['algorithm']}"
    editor = {"Authorization": f"Bearer {team['editor']}"}
    publisher = {"Authorization": f"Bearer {team['publisher']}"}
    n = 0
    with httpx.Client(base_url=base, timeout=30) as client:
        while time.monotonic() < deadline:
            n += 1
            card["summary"] = f"Revision {n} of this card, saved under load."
            saved = _timed(
                rec, "draft save", client.put, f"{path}/draft", json={"card": card}, headers=editor
            )
            if n % 3 or saved is None or time.monotonic() >= deadline:
                continue
            headers = dict(publisher)
            if saved.headers.get("etag"):  # a draft revision, where the server asks for it
                headers["If-Match"] = saved.headers["etag"]
            summary = {"change_summary": f"Revision {n}."}
            _timed(rec, "publish", client.post, f"{path}/publish", json=summary, headers=headers)


def submitter(
    base: str, auditor: dict[str, str], seed: int, deadline: float, rec: Recorder
) -> None:
    headers = {"Authorization": f"Bearer {auditor['token']}"}
    sample = _sample_csv(20_000, seed)
    form = {"spec": json.dumps(SPEC)}
    with httpx.Client(base_url=base, timeout=30) as client:
        while time.monotonic() < deadline:
            submitted = _timed(
                rec,
                "audit upload",
                client.post,
                f"/api/v1/algorithms/{auditor['algorithm']}/audits",
                headers=headers,
                data=form,
                files={"file": ("sample.csv", sample, "text/csv")},
            )
            if submitted is None or submitted.status_code != 202:
                time.sleep(0.5)
                continue
            audit = f"/api/v1/audits/{submitted.json()['id']}"
            state = "queued"
            while state in ("queued", "running") and time.monotonic() < deadline:
                time.sleep(0.25)
                polled = _timed(rec, "audit poll", client.get, audit, headers=headers)
                state = polled.json().get("state", "?") if polled is not None else "?"
            if state == "succeeded" and time.monotonic() < deadline:
                _timed(rec, "audit publish", client.post, f"{audit}/publish", headers=headers)


# -- servers and databases ----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(code_root: Path, data_dir: Path, url: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(code_root),
        "PYTHONDONTWRITEBYTECODE": "1",
        "REGISTRY_ENVIRONMENT": "development",
        "REGISTRY_DATA_DIR": str(data_dir),
        "REGISTRY_DATABASE_URL": url,
        "REGISTRY_AUDIT_WORKERS": "1",
        # The load's writers share one address and write faster than the production defaults
        # allow (docs/security.md); the benchmark measures reads under writes, not the limiter.
        "REGISTRY_WRITE_LIMIT_PER_ADDRESS": "100000/minute",
        "REGISTRY_WRITE_LIMIT_PER_ACCOUNT": "100000/minute",
    }


def build(code_root: Path, data_dir: Path, url: str, args: argparse.Namespace) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "_setup", url, str(args.algorithms),
         str(args.writers), str(args.submitters)],
        env=_env(code_root, data_dir, url), cwd=code_root, check=True, capture_output=True,
        timeout=900,
    )  # fmt: skip
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def serve(
    code_root: Path, data_dir: Path, url: str, workers: int
) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    cmd = [
        sys.executable, "-c", "from registry.cli import main; main()", "serve",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
    ]  # fmt: skip
    log = data_dir / "server.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            cmd, env=_env(code_root, data_dir, url), cwd=code_root, stdout=sink, stderr=sink
        )
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        if proc.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:]
            raise SystemExit(f"server exited with status {proc.returncode}:\n{tail}")
        try:
            if httpx.get(base + "/about?lang=en", timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.terminate()
    raise SystemExit("server did not start within 60 s")


class PostgresSchema:
    """A schema of its own in the given database, dropped afterwards (the database is kept)."""

    def __init__(self, url: str) -> None:
        import sqlalchemy as sa

        self.admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        self.name = f"bench_mixed_{uuid.uuid4().hex[:8]}"
        sep = "&" if "?" in url else "?"
        self.url = f"{url}{sep}options=-csearch_path%3D{self.name}"

    def __enter__(self) -> str:
        import sqlalchemy as sa

        with self.admin.connect() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{self.name}"'))
        return self.url

    def __exit__(self, *exc: object) -> None:
        import sqlalchemy as sa

        with self.admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{self.name}" CASCADE'))
        self.admin.dispose()


def run_once(code_root: Path, postgres_url: str | None, args: argparse.Namespace) -> Recorder:
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        if postgres_url:
            schema = PostgresSchema(postgres_url)
            url = schema.__enter__()
        else:
            url = f"sqlite:///{data_dir / 'registry.db'}"
        try:
            world = build(code_root, data_dir, url, args)
            proc, base = serve(code_root, data_dir, url, args.workers)
            try:
                with httpx.Client(base_url=base, timeout=120) as warm:  # every page type once
                    for path in ("/", "/?q=housing", "/index.json?q=care", "/about"):
                        warm.get(path)
                    warm.get(f"/algorithms/{world['algorithms'][0]}")
                rec = Recorder()
                deadline = time.monotonic() + args.duration
                threads = [
                    threading.Thread(target=reader, args=(base, world, n, deadline, rec))
                    for n in range(args.readers)
                ]
                threads += [
                    threading.Thread(target=writer, args=(base, world, team, deadline, rec))
                    for team in world["teams"]
                ]
                threads += [
                    threading.Thread(target=submitter, args=(base, auditor, n, deadline, rec))
                    for n, auditor in enumerate(world["auditors"])
                ]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join(timeout=args.duration + 60)
            finally:
                proc.terminate()
                proc.wait(timeout=30)
        finally:
            if postgres_url:
                schema.__exit__(None, None, None)
    return rec


# -- report -------------------------------------------------------------------------------------


def _pct(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def _row(label: str, values: list[float], errors: list[int], duration: float) -> str:
    statuses = ", ".join(f"{s}×{errors.count(s)}" for s in sorted(set(errors))) or "0"
    return (
        f"| {label} | {len(values):,} | {len(values) / duration:.1f} | {_pct(values, 50):.0f} | "
        f"{_pct(values, 95):.0f} | {_pct(values, 99):.0f} | {max(values, default=float('nan')):.0f}"
        f" | {statuses} |"
    )


def report(rec: Recorder, duration: float) -> tuple[list[str], dict[str, bool]]:
    reads = [t for k in READ_KINDS for t in rec.times[k]]
    writes = [t for k in WRITE_KINDS for t in rec.times[k]]
    read_errors = [s for k in READ_KINDS for s in rec.errors[k]]
    write_errors = [s for k in WRITE_KINDS for s in rec.errors[k]]
    lines = [
        "| requests | count | per s | p50 ms | p95 ms | p99 ms | max ms | non-2xx |",
        "|---|---|---|---|---|---|---|---|",
        _row("**all reads**", reads, read_errors, duration),
        *(_row(f"read: {k}", rec.times[k], rec.errors[k], duration) for k in READ_KINDS),
        _row("**all writes**", writes, write_errors, duration),
        *(_row(f"write: {k}", rec.times[k], rec.errors[k], duration) for k in WRITE_KINDS),
        _row(
            "audit polls (signed in)", rec.times["audit poll"], rec.errors["audit poll"], duration
        ),
    ]
    checks = {
        "reader p95 < 250 ms": bool(reads) and _pct(reads, 95) < READER_P95_TARGET_MS,
        "no read slower than a write (p50, p95, p99)": bool(reads and writes)
        and all(_pct(reads, q) <= _pct(writes, q) for q in (50, 95, 99)),
        "no errors": not read_errors and not write_errors,
    }
    return lines, checks


def _describe_code(code_root: Path) -> str:
    try:
        head = subprocess.run(
            ["git", "-C", str(code_root), "log", "-1", "--format=%h %s"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return str(code_root)
    dirty = subprocess.run(
        ["git", "-C", str(code_root), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    return f"`{head[:72]}`" + (" + uncommitted changes" if dirty else "")


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "_setup":
        url, n, writers, submitters = sys.argv[2], *map(int, sys.argv[3:6])
        print(json.dumps(setup_register(url, n, writers, submitters)))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=40.0, help="seconds of load")
    parser.add_argument("--readers", type=int, default=12)
    parser.add_argument("--writers", type=int, default=6)
    parser.add_argument("--submitters", type=int, default=2)
    parser.add_argument("--algorithms", type=int, default=300)
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="server worker processes"
    )
    parser.add_argument("--postgres-url", default=None, help="also run on this PostgreSQL database")
    parser.add_argument("--baseline", type=Path, default=None, help="another checkout to compare")
    parser.add_argument("--note", default="", help="a sentence about the conditions of the run")
    parser.add_argument("--no-write", action="store_true", help="do not update docs/benchmarks.md")
    args = parser.parse_args()
    if args.duration <= 0 or args.duration > 600:
        parser.error("--duration must be between 0 and 600 seconds")

    codes = [("after", ROOT)] + ([("before", args.baseline.resolve())] if args.baseline else [])
    databases = [("SQLite (WAL)", None)]
    if args.postgres_url:
        databases.append(("PostgreSQL (same machine)", args.postgres_url))
    sections, all_ok = [], True
    for db_label, pg in databases:
        for code_label, root in reversed(codes):  # the baseline first, when there is one
            started, load_before = time.perf_counter(), os.getloadavg()[0]
            rec = run_once(root, pg, args)
            took, load_after = time.perf_counter() - started, os.getloadavg()[0]
            lines, checks = report(rec, args.duration)
            if code_label == "after":
                all_ok &= all(checks.values())
            title = f"### {db_label}"
            if args.baseline:
                title += f", {code_label}: {_describe_code(root)}"
            verdict = "; ".join(f"{name}: {'yes' if ok else 'no'}" for name, ok in checks.items())
            footer = (
                f"{verdict}. (Whole run with set-up {took:.0f} s; 1-minute load average "
                f"{load_before:.1f} before, {load_after:.1f} after, on {os.cpu_count()} cores.)"
            )
            sections.append("\n".join([title, "", *lines, "", footer]))
            print(sections[-1], flush=True)
    command = "python benchmarks/bench_mixed_load.py" + (
        " --postgres-url URL" if args.postgres_url else ""
    ) + (" --baseline DIR" if args.baseline else "")  # fmt: skip
    header = [
        "## Mixed load: readers while editors write and auditors submit",
        "",
        f"Machine: {describe('fastapi', 'sqlalchemy', 'uvicorn', 'psycopg')}.",
        f"Load: {args.readers} anonymous readers, {args.writers} writers (draft save; every third "
        f"save published by a second editor), {args.submitters} audit submitters (upload 20,000 "
        f"rows, poll, publish), closed loops for {args.duration:.0f} s on 127.0.0.1; `registry "
        f"serve` with {args.workers} worker process(es) and one audit worker thread each; "
        f"{args.algorithms} published algorithms in 12 agencies. Latencies are what the clients "
        "measured. Reads: home, search (HTML and JSON), algorithm, agency and about pages. "
        "Targets (issue 9): reader p95 under 250 ms; no read slower than a write.",
        f"Command: `{command}`.",
        *([args.note] if args.note else []),
        "",
    ]
    text = "\n".join(header) + "\n" + "\n\n".join(sections)
    if not args.no_write:
        replace_section(ROOT / "docs" / "benchmarks.md", "mixed-load", text)
    return 0 if all_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
