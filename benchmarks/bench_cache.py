"""Public pages through the nginx cache (deploy/), and directly from the app processes.

Builds a 2,000-algorithm register on a throwaway PostgreSQL database
(``bench_pages.build_register``: 5 versions and 3 published audits per algorithm), starts the
deployment of docs/deploy.md (``deploy/local_stack.py``: nginx in front of ``--apps``
``registry serve`` processes, one worker) and drives it with ``--clients`` concurrent
connections for ``--seconds`` over four page types: home (pages 1-5), search (a word, a scenario
and a risk category: 396 different URLs), algorithm (2,000) and audit (6,000), all at their
canonical ``?lang=en`` URLs.

The load generator is Debian's ``wrk`` (C, one thread per process): four wrk processes run at once,
one per page type, each with a quarter of the connections and a Lua script that picks a random URL
of its type for every request; each reports its own latency percentiles, requests and errors
(socket errors, timeouts, statuses above 399). Through nginx each wrk process talks to nginx.
Directly, each page type's connections are split over the app processes (one wrk per type and
app); the table shows the worse percentile of the two and the summed requests and errors.

Before the runs every URL of the mix (8,401 for 2,000 algorithms) is requested once through nginx,
and each run is preceded by a warm-up of ``--warmup`` seconds with the same mix (not counted): the
nginx cache and the apps' in-process page caches start warm, as they are on a register that has
been up for a while (``--cold`` skips the crawl). Pages stay fresh in nginx for
``REGISTRY_PAGE_MAX_AGE`` (300 s by default); with ``--max-age 60`` a 60 s run also sees every
entry expire and revalidate in the background (served stale meanwhile). The nginx access log
counts the cache statuses of the measured run.

The machine has 2 CPUs shared by nginx, the app processes, PostgreSQL and wrk.

Usage::

    python benchmarks/bench_cache.py                           # 200 clients, 60 s, 2,000 algorithms
    python benchmarks/bench_cache.py --algorithms 200 --seconds 10 --clients 40 --no-write

Writes docs/benchmarks.md between ``<!-- cache:start -->`` and ``<!-- cache:end -->``.
"""

from __future__ import annotations

import argparse
import collections
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import describe, replace_section  # noqa: E402

TARGET_P95_MS = 50
HEADING = "## Public pages through the nginx cache (`benchmarks/bench_cache.py`)"
KINDS = ("home", "search", "algorithm", "audit")

LUA = r"""
local kind, n = "%(kind)s", %(n)d
local words = {%(words)s}
local scenarios = {%(scenarios)s}
local risks = {%(risks)s}

function init(args)
  math.randomseed(tonumber(args[1]) or os.time())
end

local function path()
  if kind == "home" then
    return "/?page=" .. math.random(1, 5) .. "&lang=en"
  elseif kind == "search" then
    return "/?q=" .. words[math.random(#words)]
      .. "&scenario=" .. scenarios[math.random(#scenarios)]
      .. "&risk_category=" .. risks[math.random(#risks)] .. "&lang=en"
  elseif kind == "algorithm" then
    return string.format("/algorithms/alg-%%08d?lang=en", math.random(0, n - 1))
  else
    return string.format("/audits/aud-%%06d%%04d?lang=en", math.random(0, n - 1), math.random(0, 2))
  end
end

function request()
  return wrk.format("GET", path())
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%d %%.3f %%.3f %%.3f %%.3f\n",
    summary.requests, e.connect + e.read + e.write + e.status + e.timeout, summary.duration,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000))
end
"""


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _lua_list(words: list[str]) -> str:
    import urllib.parse

    return ", ".join(f'"{urllib.parse.quote(w)}"' for w in words)


def write_scripts(folder: Path, n_algorithms: int) -> dict[str, Path]:
    import bench_pages

    scripts = {}
    for kind in KINDS:
        script = folder / f"{kind}.lua"
        script.write_text(
            LUA
            % {
                "kind": kind,
                "n": n_algorithms,
                "words": _lua_list(bench_pages.WORDS + bench_pages.ZH_WORDS),
                "scenarios": _lua_list(bench_pages.SCENARIOS),
                "risks": _lua_list(bench_pages.RISKS),
            }
        )
        scripts[kind] = script
    return scripts


def run_wrk(
    targets: list[tuple[str, str]], scripts: dict[str, Path], clients: int, seconds: int
) -> dict[str, dict[str, float]]:
    """One wrk per (kind, base URL), all at once; per kind: the worst percentile, summed counts."""
    per_kind = collections.Counter(kind for kind, _ in targets)
    procs = []
    for seed, (kind, base) in enumerate(targets, start=1):
        connections = max(1, clients // len(KINDS) // per_kind[kind])
        cmd = [
            "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
            "-s", str(scripts[kind]), base, "--", str(seed * 7919),
        ]  # fmt: skip
        procs.append((kind, subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)))
    merged: dict[str, dict[str, float]] = {}
    for kind, proc in procs:
        out, _ = proc.communicate(timeout=seconds + 60)
        line = next((x for x in out.splitlines() if x.startswith("RESULT ")), None)
        if line is None:
            raise SystemExit(f"wrk gave no result for {kind}:\n{out}")
        requests, errors, duration_us, p50, p95, p99, worst = line.split()[1:]
        row = merged.setdefault(
            kind,
            {"requests": 0, "errors": 0, "seconds": 0.0, "p50": 0, "p95": 0, "p99": 0, "max": 0},
        )
        row["requests"] += int(requests)
        row["errors"] += int(errors)
        row["seconds"] = max(row["seconds"], int(duration_us) / 1e6)
        for key, value in (("p50", p50), ("p95", p95), ("p99", p99), ("max", worst)):
            row[key] = max(row[key], float(value))
    return merged


def every_path(n_algorithms: int) -> list[str]:
    """Every URL the Lua scripts can ask for (the same percent-encoding)."""
    import urllib.parse

    import bench_pages

    paths = [f"/?page={p}&lang=en" for p in range(1, 6)]
    for word in bench_pages.WORDS + bench_pages.ZH_WORDS:
        for scenario in bench_pages.SCENARIOS:
            for risk in bench_pages.RISKS:
                paths.append(
                    f"/?q={urllib.parse.quote(word)}&scenario={urllib.parse.quote(scenario)}"
                    f"&risk_category={urllib.parse.quote(risk)}&lang=en"
                )
    for i in range(n_algorithms):
        paths.append(f"/algorithms/alg-{i:08d}?lang=en")
        paths.extend(f"/audits/aud-{i:06d}{j:04d}?lang=en" for j in range(3))
    return paths


def crawl(base: str, paths: list[str], threads: int = 8) -> int:
    """Request every path once through ``base``; returns how many did not answer 200."""
    import http.client
    import threading

    host, port = base.removeprefix("http://").split(":")
    queue = list(reversed(paths))
    lock = threading.Lock()
    failed = [0]

    def work() -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=60)
        while True:
            with lock:
                if not queue:
                    break
                path = queue.pop()
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                with lock:
                    failed[0] += 1
        conn.close()

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    return failed[0]


def cache_statuses(log: Path, skip_lines: int) -> dict[str, list[float]]:
    """nginx's time (ms, from reading the request to sending the answer) per cache status."""
    times: dict[str, list[float]] = collections.defaultdict(list)
    with log.open() as f:
        for i, line in enumerate(f):
            if i < skip_lines:
                continue
            match = re.search(r'" (\d{3}) (\S+) ([\d.]+) ', line)
            if match:
                times[match.group(2)].append(float(match.group(3)) * 1000)
    return times


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def _count_lines(path: Path) -> int:
    if not path.exists():
        return 0
    with path.open() as f:
        return sum(1 for _ in f)


def table(results: dict[str, dict[str, float]]) -> tuple[list[str], bool]:
    lines = [
        "| page | p50 | p95 | p99 | max | requests | req/s | errors |",
        "|---|---|---|---|---|---|---|---|",
    ]
    ok = True
    for kind in KINDS:
        r = results[kind]
        ok &= r["p95"] < TARGET_P95_MS and r["errors"] == 0
        lines.append(
            f"| {kind} | {r['p50']:.1f} ms | {r['p95']:.1f} ms | {r['p99']:.1f} ms | "
            f"{r['max']:.0f} ms | {int(r['requests']):,} | {r['requests'] / r['seconds']:,.0f} | "
            f"{int(r['errors'])} |"
        )
    total = sum(r["requests"] for r in results.values())
    seconds = max(r["seconds"] for r in results.values())
    lines.append(f"| all | | | | | {int(total):,} | {total / seconds:,.0f} | "
                 f"{int(sum(r['errors'] for r in results.values()))} |")  # fmt: skip
    return lines, ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--algorithms", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=10, help="seconds of warm-up before each run")
    parser.add_argument("--cold", action="store_true", help="no crawl of every URL before the runs")
    parser.add_argument("--apps", type=int, default=2, help="registry serve processes")
    parser.add_argument(
        "--max-age", type=int, default=None, help="REGISTRY_PAGE_MAX_AGE (default: the app's 300 s)"
    )
    parser.add_argument(
        "--append", action="store_true", help="add to the cache section instead of replacing it"
    )
    parser.add_argument("--no-direct", action="store_true", help="skip the run without nginx")
    parser.add_argument("--no-write", action="store_true", help="do not update docs/benchmarks.md")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: apt-get install wrk")

    import bench_pages

    from tests.postgres import postgres_url

    local_stack = _load("local_stack", ROOT / "deploy" / "local_stack.py")
    state = Path(tempfile.mkdtemp(prefix="registry-bench-cache-"))
    state.chmod(0o711)
    with postgres_url() as url:
        started = time.perf_counter()
        bench_pages.build_register(url, args.algorithms)
        build_s = time.perf_counter() - started
        print(f"register built in {build_s:.0f} s", flush=True)
        config = local_stack.StackConfig(
            database_url=url,
            state_dir=state,
            apps=args.apps,
            workers=1,
            port=local_stack.free_port(),
            access_log=True,
            start_timeout_s=180.0,
            env={"REGISTRY_PAGE_MAX_AGE": str(args.max_age)} if args.max_age is not None else {},
        )
        stack = local_stack.LocalStack(config)
        scripts = write_scripts(state, args.algorithms)
        stack.start()
        try:
            access = stack.logs_dir / "nginx-access.log"
            through = [(kind, stack.url) for kind in KINDS]
            crawl_s = 0.0
            if not args.cold:
                started = time.perf_counter()
                failed = crawl(stack.url, every_path(args.algorithms))
                crawl_s = time.perf_counter() - started
                print(f"crawled every URL in {crawl_s:.0f} s ({failed} not 200)", flush=True)
                if failed:
                    raise SystemExit(f"{failed} URLs of the mix did not answer 200")
            run_wrk(through, scripts, args.clients, args.warmup)
            skip = _count_lines(access)
            load_before = os.getloadavg()[0]
            cached = run_wrk(through, scripts, args.clients, args.seconds)
            load_after = os.getloadavg()[0]
            statuses = cache_statuses(access, skip)
            print("through nginx:", cached, {k: len(v) for k, v in statuses.items()}, flush=True)
            direct = None
            if not args.no_direct:
                apps = [(kind, stack.app_url(n)) for kind in KINDS for n in range(args.apps)]
                run_wrk(apps, scripts, args.clients, args.warmup)
                direct = run_wrk(apps, scripts, args.clients, args.seconds)
                print("direct:", direct, flush=True)
        finally:
            stack.stop()
            shutil.rmtree(state, ignore_errors=True)

    body = render(args, build_s, crawl_s, cached, statuses, direct, (load_before, load_after))
    print(body)
    if not args.no_write:
        doc = ROOT / "docs" / "benchmarks.md"
        if args.append:
            body = _section(doc, "cache") + "\n\n---\n\n" + body
        replace_section(doc, "cache", body)
    return 0


def render(
    args: argparse.Namespace,
    build_s: float,
    crawl_s: float,
    cached: dict[str, dict[str, float]],
    statuses: dict[str, list[float]],
    direct: dict[str, dict[str, float]] | None,
    loads: tuple[float, float],
) -> str:
    """The markdown of one run."""
    load_before, load_after = loads
    cached_lines, ok = table(cached)
    total = sum(len(v) for v in statuses.values()) or 1
    mix = ", ".join(
        f"{name} {len(times) / total:.1%} (nginx's own p95 {_p95(times):.1f} ms)"
        for name, times in sorted(statuses.items(), key=lambda kv: -len(kv[1]))
    )
    lines = [
        *([] if args.append else [HEADING, ""]),
        f"Machine: {describe('uvicorn', 'sqlalchemy', 'psycopg')}; nginx "
        f"{_nginx_version()}, wrk {_wrk_version()}, PostgreSQL on the same machine. The 2 CPUs "
        "are shared by nginx, the app processes, PostgreSQL and the load generator "
        f"(1-minute load average {load_before:.1f} before the run through nginx, "
        f"{load_after:.1f} after it).",
        "",
        f"Register: {args.algorithms:,} algorithms (5 versions, 3 published audits each), built in "
        f"{build_s:.0f} s. {args.clients} concurrent connections for {args.seconds} s over four "
        "page types at once (wrk, one process per page type with a quarter of the connections, a "
        "random URL of its type per request), after "
        + (
            "a crawl of every URL of the mix through nginx "
            f"({len(every_path(args.algorithms)):,} URLs, {crawl_s:.0f} s) and "
            if not args.cold
            else ""
        )
        + f"a {args.warmup} s warm-up of the same mix. "
        f"{args.apps} `registry serve` processes and one `registry worker`; "
        f"REGISTRY_PAGE_MAX_AGE {args.max_age if args.max_age is not None else 300} s, other "
        "settings at their defaults.",
        "",
        f"**Through the nginx cache** (deploy/nginx/registry.conf); cache statuses (nginx's "
        f"`$request_time`: from reading the request to sending the answer): {mix}.",
        "",
        *cached_lines,
        "",
        f"p95 under {TARGET_P95_MS} ms for every page type with 0 errors: {'yes' if ok else 'no'}.",
    ]
    if direct is not None:
        direct_lines, _ = table(direct)
        lines += [
            "",
            f"**Directly from the {args.apps} app processes** (no nginx: each page type's "
            "connections split evenly over the processes; each percentile is the worse of the "
            "processes'):",
            "",
            *direct_lines,
        ]
    return "\n".join(lines)


def _section(doc: Path, marker: str) -> str:
    text = doc.read_text()
    start, end = f"<!-- {marker}:start -->", f"<!-- {marker}:end -->"
    if start not in text or end not in text:
        return ""
    return text.split(start, 1)[1].split(end, 1)[0].strip()


def _nginx_version() -> str:
    out = subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr
    return out.strip().split("/")[-1] if "/" in out else "unknown"


def _wrk_version() -> str:
    out = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
    match = re.search(r"wrk (\S+)", out.stdout + out.stderr)
    return match.group(1) if match else "unknown"


if __name__ == "__main__":
    sys.exit(main())
