"""Time ``mask_personal_data`` on 5,000-character participation texts (issue 13).

Run: /work/venv/bin/python -m benchmarks.bench_personal_data
Texts: ordinary bilingual prose with years, amounts, percentages and versions (what most
submissions are); the same prose with an identifier of every kind in each paragraph; and a
number-heavy text (a pasted table of 8-19 digit numbers, the scanner's worst case). Median and
worst of ``RUNS`` runs after one warm-up. Target: well under 50 ms each.
"""

from __future__ import annotations

import random
import statistics
import time

from benchmarks._machine import describe
from registry.personal_data import mask_personal_data

RUNS = 50
SIZE = 5_000

PROSE = (
    "Why did the benefit-fraud model v2.3.1 flag my household in 2023? The score rose 12.5% "
    "after the 2022-01-15 update, and the fee of ¥12,000 (about €1,500) was withheld. "
    "我想了解这个算法在2019年到2023年之间的变化，为什么12,000份申请中有35%被标记？"
    "请说明第3号文件的依据。 "
)
IDENTIFIERS = (
    "Contact: jo@example.org, +44 20 7946 0018, 手机13812345678, 身份证11010519491231002X, "
    "BSN 123456782, NI AB 12 34 56 C, card 4111 1111 1111 1111, 12 High Street, "
    "Kerkstraat 12, 中山路12号。 "
)


def repeat_to(text: str, size: int = SIZE) -> str:
    return (text * (size // len(text) + 1))[:size]


def number_table(seed: int = 0) -> str:
    rng = random.Random(seed)
    cells = []
    while sum(len(c) + 1 for c in cells) < SIZE:
        cells.append("".join(rng.choice("0123456789") for _ in range(rng.randint(8, 19))))
    return repeat_to(" | ".join(cells))


def time_ms(text: str) -> tuple[float, float, int]:
    mask_personal_data(text)
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        result = mask_personal_data(text)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times), len(result.findings)


def main() -> None:
    print(describe("phonenumbers", "python-stdnum"))
    texts = {
        "ordinary prose": repeat_to(PROSE),
        "prose + identifiers": repeat_to(PROSE + IDENTIFIERS),
        "table of numbers": number_table(),
    }
    for name, text in texts.items():
        median, worst, found = time_ms(text)
        print(f"{name:22} {len(text):5} chars  median {median:6.1f} ms  worst {worst:6.1f} ms"
              f"  ({found} findings)")  # fmt: skip


if __name__ == "__main__":
    main()
