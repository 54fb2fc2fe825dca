"""Benchmark the public pages on a large register: 2,000 algorithms, 5 versions and 3 audits each.

Builds the register once (bulk inserts on a migrated SQLite file, or ``--database-url`` for
PostgreSQL, then a search index rebuild), starts uvicorn on a free port, and drives it with 20
concurrent clients that each request home, search (text + filters), algorithm, audit, agency,
audits list and agencies compared pages in turn. Reports p50/p95 of two times per page type:

* server time: from the request reaching the app to the response headers (``Server-Timing``,
  added by this benchmark's wrapper app only), which includes waiting for the GIL and the
  database under concurrency but not the TCP accept queue;
* client latency: what the client measured on localhost, including queueing.

Writes the table and the machine to ``docs/benchmarks.md`` between ``<!-- pages:start -->`` and
``<!-- pages:end -->``.

Each worker's handler thread pool is ``REGISTRY_THREADPOOL_SIZE`` (default 8; anyio's own default
is 40). On 2 cores a small pool cut the 20-client p95 by about a quarter in trials (less GIL
contention); set the variable to compare.

Usage::

    python benchmarks/bench_pages.py                      # 2,000 algorithms, 20 clients
    python benchmarks/bench_pages.py --algorithms 300 --requests 200 --no-write
"""

from __future__ import annotations

import argparse
import copy
import http.client
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
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import describe, replace_section  # noqa: E402

TARGETS_MS = {
    "home": 100,
    "search": 100,
    "algorithm": 50,
    "audit": 50,
    "agency": 100,
    "audits": 100,
    "compare": 100,
}
VERDICTS = ["pass", "fail", "inconclusive"]
SORTS = [
    "name", "in_use", "high_risk", "independently_audited", "failed_audits", "failed_responded",
    "review_overdue",
]  # fmt: skip
WORDS = [
    "benefit", "housing", "school", "traffic", "permit", "tax", "fraud", "hospital", "triage",
    "elderly", "care", "grant", "voucher", "camera", "parking", "library", "licence", "inspection",
    "waste", "water", "transport", "energy", "pension",
]  # fmt: skip
ZH_WORDS = ["福利", "住房", "学校", "交通", "许可", "税务", "医院", "养老", "补贴", "停车"]
SCENARIOS = ["government_services", "digital_industry", "public_services", "urban_living"]
RISKS = ["high_risk", "impactful", "other"]
STATUSES = ["planned", "pilot", "in_use"]


def build_register(url: str, n_algorithms: int, seed: int = 11) -> None:
    """Bulk-load a synthetic register (valid published cards, published audits with reports)."""
    from sqlmodel import Session

    from registry.cards import card_sha256
    from registry.db import make_engine
    from registry.migrate import upgrade
    from registry.models import Account, Agency, Algorithm, CardVersion, Role
    from registry.models.audit import Audit, AuditInput, AuditKind, AuditState, AuditVisibility
    from registry.services.public.search_index import rebuild
    from tests.pages.world import AUDIT_SPEC, audit_report
    from tests.registry.factories import PUBLISHABLE_CARD

    rng = random.Random(seed)
    upgrade(url)
    engine = make_engine(url)
    report = audit_report()
    t0 = datetime(2022, 1, 1, tzinfo=UTC)
    with Session(engine) as session:
        agencies = [
            Agency(
                slug=f"agency-{i:02d}",
                name=f"Agency {i:02d}",
                name_translations={"zh-CN": f"机构 {i:02d}"},
                created_at=t0,
            )
            for i in range(25)
        ]
        session.add_all(agencies)
        session.flush()
        staff = Account(
            email="bench@example.gov", display_name="Bench", role=Role.admin, created_at=t0
        )
        session.add(staff)
        session.flush()
        for i in range(n_algorithms):
            agency = agencies[i % len(agencies)]
            words = rng.sample(WORDS, 3)
            name = f"{words[0].title()} {words[1]} {words[2]} model {i}"
            summary = (
                f"Helps staff prioritise {words[0]} and {words[1]} cases in the {words[2]} service."
            )
            at = t0 + timedelta(hours=i)
            algorithm = Algorithm(
                public_id=f"alg-{i:08d}"[:12],
                agency_id=agency.id,
                name=name,
                summary=summary,
                scenario=rng.choice(SCENARIOS),
                risk_category=rng.choice(RISKS),
                lifecycle_status=rng.choice(STATUSES),
                language="en",
                state="published",
                current_version=5,
                created_at=at,
                updated_at=at + timedelta(days=40),
                first_published_at=at,
            )
            session.add(algorithm)
            session.flush()
            versions = []
            for k in range(1, 6):
                card = copy.deepcopy(PUBLISHABLE_CARD)
                card.update(
                    name=name,
                    summary=summary,
                    scenario=algorithm.scenario,
                    risk_category="other",
                    status=algorithm.lifecycle_status,
                    human_oversight=f"Revision {k}: a caseworker reviews every output.",
                    translations={
                        "zh-CN": {"name": f"{rng.choice(ZH_WORDS)}{rng.choice(ZH_WORDS)}模型 {i}"}
                    },
                )
                versions.append(
                    CardVersion(
                        algorithm_id=algorithm.id,
                        number=k,
                        card=card,
                        card_schema_version="1",
                        change_summary=f"Revision {k}.",
                        author_id=staff.id,
                        publisher_id=staff.id,
                        created_at=at + timedelta(days=k * 7),
                        published_at=at + timedelta(days=k * 7),
                        sha256=card_sha256(card),
                    )
                )
            session.add_all(versions)
            session.flush()
            for j in range(3):
                published = at + timedelta(days=36 + j)
                values = {
                    "public_id": f"aud-{i:06d}{j:04d}"[:14],
                    "algorithm_id": algorithm.id,
                    "card_version_id": versions[-1].id,
                    "algorithm_public_id": algorithm.public_id,
                    "version_number": 5,
                    "submitter_id": staff.id,
                    "submitter_name": "Bench",
                    "kind": AuditKind.independent if j else AuditKind.self_assessment,
                    "input_kind": AuditInput.counts,
                    "spec": AUDIT_SPEC,
                    "spec_sha256": "0" * 64,
                    "sample_sha256": "1" * 64,
                    "sample_bytes": 100,
                    "sample_format": "counts",
                    "state": AuditState.succeeded,
                    "report": report,
                    "verdict": rng.choice(["pass", "fail", "inconclusive"]),
                    "engine_version": "0.1.0",
                    "visibility": AuditVisibility.published,
                    "published_at": published,
                    "created_at": published,
                    "updated_at": published,
                }
                session.add(Audit(**{k: v for k, v in values.items() if k in Audit.model_fields}))
            if i % 200 == 199:
                session.commit()
        session.commit()
        # Rows bulk-inserted without ledger events: index them the way `registry search reindex`
        # does (the app only re-indexes after writes that record a public event).
        rebuild(session)
        session.commit()
    engine.dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(data_dir: Path, url: str, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "REGISTRY_ENVIRONMENT": "development",
        "REGISTRY_DATA_DIR": str(data_dir),
        "REGISTRY_DATABASE_URL": url,
        "REGISTRY_AUDIT_WORKERS": "0",
    }
    cmd = [
        sys.executable, "-m", "uvicorn", "bench_pages:timed_app", "--factory", "--app-dir",
        str(Path(__file__).resolve().parent), "--host", "127.0.0.1", "--port", str(port),
        "--workers", str(workers), "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(base + "/about?lang=en", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.terminate()
    raise SystemExit("server did not start")


def timed_app():  # type: ignore[no-untyped-def]
    """The registry app wrapped in a timing middleware that adds ``Server-Timing: app;dur=<ms>``."""
    from registry.app import create_app

    app = create_app()

    async def timed(scope, receive, send):  # type: ignore[no-untyped-def]
        start = time.perf_counter()

        async def send_timed(message):  # type: ignore[no-untyped-def]
            if message["type"] == "http.response.start":
                took = f"app;dur={(time.perf_counter() - start) * 1000:.2f}".encode()
                message["headers"] = [*message.get("headers", []), (b"server-timing", took)]
            await send(message)

        await app(scope, receive, send_timed)

    return timed


def drive(
    base: str, n_algorithms: int, clients: int, requests_per_client: int
) -> dict[str, dict[str, list[float]]]:
    """Every client requests each page type in turn; returns server and client times (ms)."""
    results: dict[str, dict[str, list[float]]] = {
        k: {"server": [], "client": [], "errors": []} for k in TARGETS_MS
    }
    lock = threading.Lock()

    def paths(rng: random.Random) -> list[tuple[str, str]]:
        # canonical URLs (the language in the URL): an address without lang is a 303
        return [(kind, f"{path}{'&' if '?' in path else '?'}lang=en") for kind, path in listed(rng)]

    def listed(rng: random.Random) -> list[tuple[str, str]]:
        i = rng.randrange(n_algorithms)
        q = rng.choice(WORDS + ZH_WORDS)
        return [
            ("home", f"/?page={rng.randint(1, 5)}"),
            (
                "search",
                f"/?q={q}&scenario={rng.choice(SCENARIOS)}&risk_category={rng.choice(RISKS)}",
            ),
            ("algorithm", f"/algorithms/alg-{i:08d}"[:24]),
            ("audit", f"/audits/aud-{i:06d}{rng.randrange(3):04d}"),
            ("agency", f"/agencies/agency-{rng.randrange(25):02d}?page={rng.randint(1, 3)}"),
            ("audits", f"/audits?verdict={rng.choice(VERDICTS)}&page={rng.randint(1, 20)}"),
            (
                "compare",
                f"/compare/agencies?sort={rng.choice(SORTS)}&order={rng.choice(['asc', 'desc'])}",
            ),
        ]

    host, port = base.removeprefix("http://").split(":")

    def worker(seed: int) -> None:
        # http.client keeps the load generator light: it shares the machine with the server.
        rng = random.Random(seed)
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        for _ in range(max(1, requests_per_client // len(TARGETS_MS))):
            for kind, path in paths(rng):
                start = time.perf_counter()
                conn.request("GET", urllib.parse.quote(path, safe="/?=&"))
                response = conn.getresponse()
                response.read()
                elapsed = (time.perf_counter() - start) * 1000
                timing = (response.getheader("server-timing") or "app;dur=nan").split("dur=")[1]
                with lock:
                    results[kind]["client"].append(elapsed)
                    results[kind]["server"].append(float(timing))
                    if response.status != 200:
                        results[kind]["errors"].append(response.status)
        conn.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def _pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def _table(results: dict[str, dict[str, list[float]]]) -> tuple[list[str], bool]:
    lines = [
        "| page | target p95 | server p50 | server p95 | client p50 | client p95 | errors |",
        "|---|---|---|---|---|---|---|",
    ]
    ok = True
    for kind, target in TARGETS_MS.items():
        r = results[kind]
        p95 = _pct(r["server"], 95)
        ok &= p95 < target and not r["errors"]
        lines.append(
            f"| {kind} | < {target} ms | {_pct(r['server'], 50):.1f} ms | {p95:.1f} ms | "
            f"{_pct(r['client'], 50):.1f} ms | {_pct(r['client'], 95):.1f} ms | "
            f"{len(r['errors'])} |"
        )
    return lines, ok


def run(args: argparse.Namespace, database_url: str | None) -> tuple[str, bool]:
    """Build, serve and measure one register; return its markdown and whether the targets held."""
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        url = database_url or f"sqlite:///{data_dir / 'registry.db'}"
        started = time.perf_counter()
        build_register(url, args.algorithms)
        build_s = time.perf_counter() - started
        proc, base = start_server(data_dir, url, args.workers)
        try:
            with httpx.Client(base_url=base, timeout=120) as warm:
                started = time.perf_counter()
                warm.get("/")
                index_s = time.perf_counter() - started
            alone = drive(base, args.algorithms, 1, args.requests)
            started = time.perf_counter()
            loaded = drive(base, args.algorithms, args.clients, args.requests)
            wall = time.perf_counter() - started
        finally:
            proc.terminate()
            proc.wait(timeout=20)

    total = sum(len(r["client"]) for r in loaded.values())
    single = sum(len(r["client"]) for r in alone.values())
    database = "PostgreSQL 15 (same machine)" if database_url else "SQLite (WAL)"
    alone_lines, alone_ok = _table(alone)
    loaded_lines, loaded_ok = _table(loaded)
    lines = [
        f"### {database}",
        "",
        f"Bulk load and search index rebuild {build_s:.1f} s; first home page {index_s:.1f} s.",
        "",
        f"One client at a time ({single:,} requests): the cost of one page.",
        "",
        *alone_lines,
        "",
        f"{args.clients} concurrent clients ({total:,} requests in {wall:.1f} s, "
        f"{total / wall:.0f} req/s): server time includes waiting behind other requests.",
        "",
        *loaded_lines,
        "",
        f"Targets met with one client: {'yes' if alone_ok else 'no'}; "
        f"with {args.clients} concurrent clients: {'yes' if loaded_ok else 'no'}.",
    ]
    return "\n".join(lines), loaded_ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--algorithms", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument(
        "--requests", type=int, default=200, help="requests per client (all page types)"
    )
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="uvicorn worker processes"
    )
    parser.add_argument(
        "--postgres-url", default=None, help="also measure on this empty PostgreSQL database"
    )
    parser.add_argument("--no-cache", action="store_true", help="disable the rendered-page cache")
    parser.add_argument("--no-write", action="store_true", help="do not update docs/benchmarks.md")
    args = parser.parse_args()
    if args.no_cache:
        os.environ["REGISTRY_PAGE_CACHE_SIZE"] = "0"
    command = (
        f"python benchmarks/bench_pages.py --algorithms {args.algorithms} --clients {args.clients}"
    )
    command += " --postgres-url URL" if args.postgres_url else ""
    command += " --no-cache" if args.no_cache else ""
    header = [
        "## Public pages",
        "",
        f"Machine: {describe('fastapi', 'sqlalchemy', 'jinja2', 'uvicorn')}.",
        f"Register: {args.algorithms:,} algorithms, 5 versions and 3 published audits each; "
        f"uvicorn with {args.workers} worker process(es) on the same machine as the load "
        f"generator; page cache {'off' if args.no_cache else 'on'} (requests pick random "
        "algorithms and audits, so mostly misses). Every client requests home, search (text + "
        "two filters), algorithm, audit, agency, audits list (a verdict filter, pages 1-20) and "
        "agencies compared (a random sort) pages in turn.",
        f"Command: `{command}`.",
        "",
    ]
    sections, ok = [], True
    for url in [None, *([args.postgres_url] if args.postgres_url else [])]:
        text, held = run(args, url)
        sections.append(text)
        ok &= held
    text = "\n".join(header) + "\n\n".join(sections)
    print(text)
    if not args.no_write:
        replace_section(ROOT / "docs" / "benchmarks.md", "pages", text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
