"""A/B of the fairness engine: ``fairness.audit`` on 1M and 10M rows, this checkout against an
earlier commit, in turns on the same files.

The files are ``bench_fairness.make_csv``'s seeded samples (3 sensitive attributes, their pairwise
intersections, labels and predictions; the default adverse-outcome checks). Each turn runs one
side's ``fairness.audit`` in a fresh child process (its imports done before the clock starts),
three times, and keeps the best; the sides alternate so that load from other jobs hits both.
Reports best and median per side and the ratio new / base of the bests, and writes them to
``docs/benchmarks.md`` between ``<!-- fairness-ab:start -->`` and ``<!-- fairness-ab:end -->``.

Usage::

    python benchmarks/ab_fairness.py                       # base: main before issue 12
    python benchmarks/ab_fairness.py --base HEAD~3 --no-10m --rounds 2 --no-write
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import describe, replace_section  # noqa: E402
from bench_fairness import SPEC, make_csv  # noqa: E402

DEFAULT_BASE = "b5fb97d^1"  # main before the first merge of the fairness-engine issue (12)

# Runs inside a checkout (cwd): the best of 3 audits of one file, in seconds, as JSON.
MEASURE = """
import json, sys, time
sys.path.insert(0, ".")
import fairness
path, spec = sys.argv[1], json.loads(sys.argv[2])
times = []
for _ in range(3):
    start = time.perf_counter()
    report = fairness.audit(path, spec)
    times.append(time.perf_counter() - start)
print(json.dumps({"best": min(times), "verdict": report.verdict}))
"""


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(ROOT), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", default=DEFAULT_BASE, help="commit to compare against")
    parser.add_argument("--rounds", type=int, default=3, help="turns per side and size")
    parser.add_argument("--no-10m", action="store_true", help="1M rows only")
    parser.add_argument("--no-write", action="store_true", help="do not update docs/benchmarks.md")
    args = parser.parse_args()

    base_rev = _git("rev-parse", "--short", args.base)
    new_rev = _git("rev-parse", "--short", "HEAD")
    sizes = [1_000_000] if args.no_10m else [1_000_000, 10_000_000]
    results: dict[int, dict[str, list[float]]] = {}
    verdicts: dict[str, set[str]] = {"base": set(), "new": set()}
    with tempfile.TemporaryDirectory(prefix="ab-fairness-") as tmp:
        work = Path(tmp)
        base_dir = work / "base"
        _git("worktree", "add", "--detach", str(base_dir), args.base)
        sides = {"base": base_dir, "new": ROOT}
        try:
            for rows in sizes:
                path = work / f"sample-{rows}.csv"
                print(f"writing {rows:,} rows", file=sys.stderr)
                make_csv(path, rows)
                results[rows] = {"base": [], "new": []}
                for turn in range(args.rounds):
                    for side, checkout in sides.items():
                        print(f"{rows:,} rows, turn {turn + 1}: {side}", file=sys.stderr)
                        out = subprocess.run(
                            [sys.executable, "-c", MEASURE, str(path), json.dumps(SPEC)],
                            cwd=checkout,
                            check=True,
                            capture_output=True,
                            text=True,
                        ).stdout
                        found = json.loads(out.strip().splitlines()[-1])
                        results[rows][side].append(found["best"])
                        verdicts[side].add(found["verdict"])
                path.unlink()
        finally:
            _git("worktree", "remove", "--force", str(base_dir))

    lines = [
        "## Fairness engine: A/B against an earlier commit (`benchmarks/ab_fairness.py`)",
        "",
        f"Machine: {describe('numpy', 'pandas', 'pyarrow', 'scipy')}.",
        f"Base `{base_rev}` (`{args.base}`), new `{new_rev}`; `fairness.audit` in process on "
        "`bench_fairness.py`'s seeded CSVs (3 sensitive attributes and their pairwise "
        "intersections, labels and predictions, the default adverse-outcome checks); each turn is "
        f"a fresh process, best of 3 audits; {args.rounds} alternating turns per side. Verdicts: "
        f"base {', '.join(sorted(verdicts['base']))}, new {', '.join(sorted(verdicts['new']))}.",
        f"Command: `python benchmarks/ab_fairness.py --base {args.base} --rounds {args.rounds}`.",
        "",
        "| rows | base best | new best | new / base | base median | new median |",
        "|---|---|---|---|---|---|",
    ]
    for rows, found in results.items():
        b, n = found["base"], found["new"]
        lines.append(
            f"| {rows:,} | {min(b):.2f} s | {min(n):.2f} s | {min(n) / min(b):.2f} | "
            f"{statistics.median(b):.2f} s | {statistics.median(n):.2f} s |"
        )
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        replace_section(ROOT / "docs" / "benchmarks.md", "fairness-ab", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
