"""Coverage of the engine's nominal 95% intervals, by simulation, near parity and away from it.

For each scenario (true selection rates and group sizes), draws every group's count of positive
predictions from a binomial, audits the count table with ``fairness.audit_counts`` and records
whether each interval holds the true value:

- the between-group summaries ``selection_rate_difference`` (max - min) and
  ``selection_rate_ratio`` (min / max): folded pairwise intervals, the bound towards parity
  adjusted over the pairs that may realise the summary;
- the comparisons of every group with a named reference group ``g0``: Newcombe intervals of the
  difference and Katz intervals of the ratio (every compared group pooled).

Usage::

    python benchmarks/coverage.py                      # 400 simulations per scenario (a few min)
    python benchmarks/coverage.py --simulations 2000   # the run recorded in docs/metrics.md

Prints a Markdown table (coverage, and the Monte Carlo standard error of a coverage of 0.95).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _machine import describe

import fairness


@dataclass(frozen=True)
class Scenario:
    name: str
    rates: tuple[float, ...]
    sizes: tuple[int, ...]


SCENARIOS = (
    Scenario("2 groups at parity (the review's case)", (0.3, 0.3), (2000, 2000)),
    Scenario("2 groups near parity", (0.3, 0.32), (2000, 2000)),
    Scenario("2 groups away from parity", (0.3, 0.4), (2000, 2000)),
    Scenario("2 small groups at parity, rare outcome", (0.05, 0.05), (100, 100)),
    Scenario("2 small groups apart, rare outcome", (0.05, 0.1), (100, 100)),
    Scenario("2 groups of unequal size at parity", (0.3, 0.3), (200, 5000)),
    Scenario("2 groups of unequal size apart", (0.3, 0.4), (200, 5000)),
    Scenario("3 groups at parity", (0.3, 0.3, 0.3), (1000, 1000, 1000)),
    Scenario("3 groups near parity", (0.3, 0.3, 0.32), (1000, 1000, 1000)),
    Scenario("3 groups, one apart", (0.3, 0.3, 0.4), (1000, 1000, 1000)),
    Scenario("3 groups spread", (0.2, 0.3, 0.4), (1000, 1000, 1000)),
    Scenario("4 groups at parity", (0.3, 0.3, 0.3, 0.3), (500, 500, 500, 500)),
    Scenario("4 groups spread", (0.1, 0.2, 0.3, 0.4), (500, 500, 500, 500)),
    Scenario("5 groups at parity", (0.3,) * 5, (400,) * 5),
    Scenario("5 groups, one near", (0.3, 0.3, 0.3, 0.3, 0.33), (400,) * 5),
    Scenario("5 groups spread", (0.2, 0.25, 0.3, 0.35, 0.4), (400,) * 5),
)

SPEC = {
    "favourable_outcome": "beneficial",
    "metrics": ["selection_rate"],
    "checks": [],
    "reference_groups": {"g": "g0"},
    "bootstrap_replicates": 0,
}


def simulate(scenario: Scenario, simulations: int, rng: np.random.Generator) -> dict[str, float]:
    rates, sizes = np.array(scenario.rates), np.array(scenario.sizes)
    names = [f"g{i}" for i in range(len(rates))]
    true_difference = rates.max() - rates.min()
    true_ratio = rates.min() / rates.max()
    hits = {"summary difference": 0, "summary ratio": 0, "difference": 0, "ratio": 0}
    compared = 0
    for _ in range(simulations):
        positives = rng.binomial(sizes, rates)
        frame = pd.DataFrame({"g": names, "pp": positives, "pn": sizes - positives})
        table = fairness.CellTable(("g",), frame, has_labels=False)
        data = fairness.audit_counts(table, SPEC).to_dict()
        summaries = {row["summary"]: row for row in data["summaries"] if row["attribute"] == "g"}
        row = summaries["selection_rate_difference"]
        hits["summary difference"] += row["ci_low"] <= true_difference <= row["ci_high"]
        row = summaries["selection_rate_ratio"]
        hits["summary ratio"] += row["ci_low"] <= true_ratio <= row["ci_high"]
        for row in data["comparisons"]:
            i = names.index(row["group"])
            difference, ratio = rates[i] - rates[0], rates[i] / rates[0]
            hits["difference"] += (
                row["difference_ci_low"] <= difference <= row["difference_ci_high"]
            )
            # an open upper bound (the reference's count is 0) is null in the report; no
            # interval at all (both counts 0) counts as a miss
            low, high = row["ratio_ci_low"], row["ratio_ci_high"]
            if low is not None:
                hits["ratio"] += low <= ratio <= (np.inf if high is None else high)
            compared += 1
    return {
        "summary difference": hits["summary difference"] / simulations,
        "summary ratio": hits["summary ratio"] / simulations,
        "difference": hits["difference"] / compared,
        "ratio": hits["ratio"] / compared,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--simulations", type=int, default=400, help="per scenario (400)")
    parser.add_argument("--seed", type=int, default=20261201)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    started = time.perf_counter()
    print(f"Machine: {describe('numpy', 'scipy', 'pandas')}.")
    print(f"{args.simulations} simulations per scenario, seed {args.seed}, nominal 95%.")
    se = (0.95 * 0.05 / args.simulations) ** 0.5
    print(f"Monte Carlo standard error of a coverage of 0.95: {se:.4f}.\n")
    print(
        "| scenario | true rates | group sizes | max − min | min / max "
        "| difference to g0 | ratio to g0 |"
    )
    print("|---|---|---|---|---|---|---|")
    for scenario in SCENARIOS:
        result = simulate(scenario, args.simulations, rng)
        rates = ", ".join(f"{r:g}" for r in scenario.rates)
        sizes = ", ".join(f"{n:,}" for n in scenario.sizes)
        cells = " | ".join(f"{result[k]:.3f}" for k in result)
        print(f"| {scenario.name} | {rates} | {sizes} | {cells} |", flush=True)
    print(f"\n{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
