"""Benchmark one search's cost in-process: text + two filters, facet counts not cached.

Builds the page benchmark's register (``bench_pages.build_register``: 2,000 algorithms on SQLite),
then runs ``registry.services.public.search.search`` for every query word of ``bench_pages`` (23
English, 10 Chinese) with a scenario and a risk filter, clearing the facet-count cache before each
call, ``--rounds`` times. Reports the best time per query (the steadiest figure on a shared
machine), then their median, mean and worst, English and Chinese apart.

The search analysis (stems, synonyms, jieba) must cost no more than 20% over the plain word and
bigram index it replaced: run this script in a checkout of each and compare (docs/benchmarks.md).

Usage::

    python benchmarks/bench_search.py                 # 2,000 algorithms, 15 rounds
    python benchmarks/bench_search.py --database-url sqlite:////tmp/reg.db --no-write
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import describe, replace_section  # noqa: E402
from bench_pages import RISKS, SCENARIOS, WORDS, ZH_WORDS, build_register  # noqa: E402


def measure(url: str, rounds: int) -> dict[str, float]:
    from registry.db import make_engine, session_scope
    from registry.services.public import search as public_search

    rng = random.Random(1)
    queries = [(q, rng.choice(SCENARIOS), rng.choice(RISKS)) for q in WORDS + ZH_WORDS]
    best: dict[str, float] = {}
    engine = make_engine(url)
    with session_scope(engine) as session:
        public_search.search(session, query=public_search.SearchQuery(q="福利"))  # warm up
        for _ in range(rounds):
            for q, scenario, risk in queries:
                public_search._cubes.clear()
                filters = {"scenario": (scenario,), "risk_category": (risk,)}
                started = time.perf_counter()
                public_search.search(session, query=public_search.SearchQuery(q=q, filters=filters))
                elapsed = (time.perf_counter() - started) * 1000
                best[q] = min(best.get(q, float("inf")), elapsed)
    values = list(best.values())
    return {
        "median": statistics.median(values),
        "mean": statistics.mean(values),
        "worst": max(values),
        "en": statistics.median(best[w] for w in WORDS),
        "zh": statistics.median(best[w] for w in ZH_WORDS),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--algorithms", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--database-url", default=None, help="an already built register")
    parser.add_argument("--no-write", action="store_true", help="do not update docs/benchmarks.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url
        if url is None:
            url = f"sqlite:///{Path(tmp) / 'registry.db'}"
            build_register(url, args.algorithms)
        result = measure(url, args.rounds)
    line = (
        f"| {result['median']:.1f} ms | {result['mean']:.1f} ms | {result['worst']:.1f} ms | "
        f"{result['en']:.1f} ms | {result['zh']:.1f} ms |"
    )
    print(line)
    if not args.no_write:
        body = "\n".join(
            [
                "## Search (in-process)",
                "",
                f"Machine: {describe('sqlalchemy', 'snowballstemmer', 'jieba', 'rapidfuzz')}.",
                f"Register: {args.algorithms:,} algorithms on SQLite; {args.rounds} rounds; the "
                "best time of each query (text + scenario + risk filter, facet counts uncached).",
                f"Command: `python benchmarks/bench_search.py --rounds {args.rounds}`.",
                "",
                "| median | mean | worst | English median | Chinese median |",
                "|---|---|---|---|---|",
                line,
            ]
        )
        replace_section(ROOT / "docs" / "benchmarks.md", "search", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
