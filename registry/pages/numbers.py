"""Numbers as a reader sees them, in the reader's language: the one formatter behind the
templates' ``fmt_num`` filter and the findings sentences, so a number in a sentence is the very
text of the table cell it comes from.

Comparison cells: a ratio is shown with two decimals (``2.48``), a difference in percentage points
with one (``8.2``).
"""

from __future__ import annotations

from functools import lru_cache

from babel.numbers import NumberPattern, format_decimal, parse_pattern

from registry import i18n

RATIO_DIGITS = 2
POINTS_DIGITS = 1


@lru_cache(maxsize=16)
def _pattern(digits: int) -> NumberPattern:
    return parse_pattern("#,##0." + "0" * digits if digits else "#,##0")


def decimal_text(value: float, digits: int, lang: str) -> str:
    """``value`` with exactly ``digits`` decimals, grouped as ``lang`` writes numbers (what
    ``babel.numbers.format_decimal`` writes with the pattern ``#,##0.00``; parsed once)."""
    return _pattern(digits).apply(float(value), i18n.babel_locale(lang))


def short_text(value: float, lang: str) -> str:
    """``value`` with at most three decimals, no trailing zeros (a threshold: ``0.8``, ``10``)."""
    return format_decimal(float(value), "#,##0.###", locale=i18n.babel_locale(lang))


def ratio_text(value: float, lang: str) -> str:
    """A ratio cell: ``2.48``."""
    return decimal_text(value, RATIO_DIGITS, lang)


def points_text(value: float, lang: str) -> str:
    """A difference cell, in percentage points: ``-12.3``."""
    return decimal_text(value, POINTS_DIGITS, lang)
