"""Coverage of the engine's nominal 95% intervals, by simulation, near parity and away from it.

For each scenario (true selection rates and group sizes), draws every group's count of positive
predictions from a binomial, audits the count table with ``fairness.audit_counts`` and records
whether each interval holds the true value:

- the between-group summaries ``selection_rate_difference`` (max - min) and
  ``selection_rate_ratio`` (min / max): folded pairwise intervals, the bound towards parity
  adjusted over the pairs that may realise the summary;
- the comparisons of every group with a named reference group ``g0``: Newcombe intervals of the
  difference and score (Miettinen-Nurminen) intervals of the ratio (every compared group pooled).

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
from scipy import stats

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
    Scenario("3 small groups, rare outcome", (0.05, 0.05, 0.08), (150, 150, 150)),
    Scenario("4 small groups of unequal size", (0.1, 0.1, 0.15, 0.2), (60, 80, 100, 120)),
)

ALPHA = 0.05

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
    # misses of the summaries' bound away from parity (upper bound of max - min, lower bound
    # of min / max)
    away = {"summary difference": 0, "summary ratio": 0}
    compared = 0
    for _ in range(simulations):
        positives = rng.binomial(sizes, rates)
        frame = pd.DataFrame({"g": names, "pp": positives, "pn": sizes - positives})
        table = fairness.CellTable(("g",), frame, has_labels=False)
        data = fairness.audit_counts(table, SPEC).to_dict()
        summaries = {row["summary"]: row for row in data["summaries"] if row["attribute"] == "g"}
        row = summaries["selection_rate_difference"]
        hits["summary difference"] += row["ci_low"] <= true_difference <= row["ci_high"]
        away["summary difference"] += true_difference > row["ci_high"]
        row = summaries["selection_rate_ratio"]
        # both rates 0 (no ratio, no interval): counted as covered, nothing could miss
        if row["ci_low"] is None:
            hits["summary ratio"] += 1
        else:
            hits["summary ratio"] += row["ci_low"] <= true_ratio <= row["ci_high"]
            away["summary ratio"] += true_ratio < row["ci_low"]
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
        "away difference": away["summary difference"] / simulations,
        "away ratio": away["summary ratio"] / simulations,
        "difference": hits["difference"] / compared,
        "ratio": hits["ratio"] / compared,
    }


def best_equal_tailed(scenario: Scenario, kind: str) -> float | None:
    """The highest coverage an equal-tailed interval for the summary can have here, in the normal
    model of the pair estimates (docs/metrics.md, "Ties"): ``1 - alpha/2 - P(every pair at the
    true maximum misses its own bound)``. ``None`` unless the maximum is at least four standard
    errors from parity (nearer, the folded interval is not equal-tailed and the bound does not
    apply)."""
    rates, sizes = np.array(scenario.rates), np.array(scenario.sizes, dtype=float)
    if kind == "difference":
        est, var = rates, rates * (1 - rates) / sizes
    else:
        est, var = np.log(rates), (1 - rates) / (sizes * rates)
    k = len(rates)
    pairs = [(i, j) for i in range(k) for j in range(k) if i != j]
    top = max(est[i] - est[j] for i, j in pairs)
    tied = [(i, j) for i, j in pairs if np.isclose(est[i] - est[j], top)]
    se = np.array([np.sqrt(var[i] + var[j]) for i, j in tied])
    if top < 4 * se.max():
        return None

    def cov(a: tuple[int, int], b: tuple[int, int]) -> float:
        (i, j), (m, n) = a, b
        return var[i] * (i == m) - var[i] * (i == n) - var[j] * (j == m) + var[j] * (j == n)

    matrix = np.array([[cov(a, b) for b in tied] for a in tied]) / np.outer(se, se)
    z = stats.norm.ppf(1 - ALPHA / 2)
    if len(tied) == 1:
        every_miss = ALPHA / 2
    else:
        every_miss = stats.multivariate_normal(np.zeros(len(tied)), matrix).cdf(
            np.full(len(tied), -z)
        )
    return 1 - ALPHA / 2 - float(every_miss)


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
        "| away-side misses | best equal-tailed | difference to g0 | ratio to g0 |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for scenario in SCENARIOS:
        result = simulate(scenario, args.simulations, rng)
        rates = ", ".join(f"{r:g}" for r in scenario.rates)
        sizes = ", ".join(f"{n:,}" for n in scenario.sizes)
        best = [best_equal_tailed(scenario, kind) for kind in ("difference", "ratio")]
        cells = [
            f"{result['summary difference']:.3f}",
            f"{result['summary ratio']:.3f}",
            f"{result['away difference']:.3f}, {result['away ratio']:.3f}",
            ", ".join("—" if b is None else f"{b:.3f}" for b in best),
            f"{result['difference']:.3f}",
            f"{result['ratio']:.3f}",
        ]
        print(f"| {scenario.name} | {rates} | {sizes} | {' | '.join(cells)} |", flush=True)
    print(f"\n{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
