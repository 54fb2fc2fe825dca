"""What running each audit in its own budgeted process costs, on the sample audits.

For every sample in ``samples/predictions/`` (with its spec), times the engine call the worker
makes (``execute_audit``) in the calling thread, and the same call through
``run_within_budget`` (a child process from the fork server, ``RLIMIT_AS`` set, results sent back
through a pipe), best of ``--repeat`` each, after starting the fork server once. Also reports the
child's peak address space (what ``REGISTRY_AUDIT_MEMORY_MB`` limits) and resident memory.

Usage::

    python benchmarks/bench_audit_budget.py            # prints, and updates docs/audits.md
    python benchmarks/bench_audit_budget.py --no-write
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import describe, replace_section  # noqa: E402

from registry.services.audits.budget import AuditJob, run_within_budget, warm_up  # noqa: E402
from registry.services.audits.engine import (  # noqa: E402
    EngineOutcome,
    execute_audit,
    resolve_spec,
)

PREDICTIONS = ROOT / "samples" / "predictions"
MEMORY_MB = 4096


def _peaks() -> tuple[int, int]:
    """This process's peak address space and peak resident memory, in MiB."""
    values = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmPeak", "VmHWM"):
            values[key] = int(rest.split()[0]) // 1024
    return values["VmPeak"], values["VmHWM"]


def measured(audit: Any, sample_path: Path | None, **kwargs: Any) -> EngineOutcome:
    """``execute_audit``, with the child's peaks attached (runs in the audit process)."""
    outcome = execute_audit(audit, sample_path, **kwargs)
    outcome.report["_peaks"] = _peaks()
    return outcome


def _cases() -> list[tuple[str, AuditJob, Path]]:
    cases = []
    for data in sorted(PREDICTIONS.iterdir()):
        if data.name.endswith(".spec.json") or data.suffix in (".md", ".py"):
            continue
        name = data.name.split(".")[0]
        spec_path = PREDICTIONS / f"{name}.spec.json"
        if not spec_path.exists():
            continue
        kind = "counts" if ".counts." in data.name else "sample"
        spec = resolve_spec(spec_path.read_text("utf-8"), card={}, input_kind=kind)
        cases.append((data.name, AuditJob(name, spec, kind), data))
    return cases


def _best(run: Any, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    started = time.perf_counter()
    warm_up()
    run_within_budget(
        execute_audit, _cases()[0][1], _cases()[0][2], rerun_counts=None,
        progress=lambda *_: None, timeout_s=0, memory_mb=MEMORY_MB,
    )  # fmt: skip
    first = time.perf_counter() - started
    rows = []
    for name, job, path in _cases():
        in_thread = _best(lambda job=job, path=path: execute_audit(job, path), args.repeat)
        peaks: list[tuple[int, int]] = []

        def child(
            job: AuditJob = job, path: Path = path, peaks: list[tuple[int, int]] = peaks
        ) -> None:
            outcome = run_within_budget(
                measured, job, path, rerun_counts=None, progress=lambda *_: None,
                timeout_s=600, memory_mb=MEMORY_MB,
            )  # fmt: skip
            peaks.append(outcome.report["_peaks"])

        in_child = _best(child, args.repeat)
        address, resident = max(peaks)
        rows.append(
            f"| `{name}` ({path.stat().st_size / 1e6:.1f} MB) | {in_thread * 1000:.0f} ms | "
            f"{in_child * 1000:.0f} ms | {(in_child - in_thread) * 1000:+.0f} ms | "
            f"{address} MiB | {resident} MiB |"
        )
    body = "\n".join(
        [
            f"Measured with `benchmarks/bench_audit_budget.py` (best of {args.repeat}) on "
            f"{describe('pyarrow', 'numpy', 'pandas')}.",
            "",
            "| sample | engine in the worker thread | in a budgeted process | difference "
            "| peak address space | peak resident |",
            "|---|---|---|---|---|---|",
            *rows,
            "",
            f"Starting the fork server (it imports the engine once) took {first:.1f} s with the "
            "first audit; the worker starts it when it starts, not when an audit is waiting.",
        ]
    )
    print(body)
    if not args.no_write:
        replace_section(ROOT / "docs" / "audits.md", "bench-audit-budget", body)


if __name__ == "__main__":
    main()
