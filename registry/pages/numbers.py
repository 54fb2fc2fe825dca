"""Numbers as a reader sees them, in the reader's language: the one formatter behind the
templates' ``fmt_num`` filter and the findings sentences, so a number in a sentence is the very
text of the table cell it comes from.

Comparison cells: a ratio is shown with two decimals (``2.48``), a difference in percentage points
with one (``8.2``).
"""

from __future__ import annotations

from babel.numbers import format_decimal

from registry import i18n

RATIO_DIGITS = 2
POINTS_DIGITS = 1


def decimal_text(value: float, digits: int, lang: str) -> str:
    """``value`` with exactly ``digits`` decimals, grouped as ``lang`` writes numbers."""
    pattern = "#,##0." + "0" * digits if digits else "#,##0"
    return format_decimal(float(value), pattern, locale=i18n.babel_locale(lang))


def short_text(value: float, lang: str) -> str:
    """``value`` with at most three decimals, no trailing zeros (a threshold: ``0.8``, ``10``)."""
    return format_decimal(float(value), "#,##0.###", locale=i18n.babel_locale(lang))


def ratio_text(value: float, lang: str) -> str:
    """A ratio cell: ``2.48``."""
    return decimal_text(value, RATIO_DIGITS, lang)


def points_text(value: float, lang: str) -> str:
    """A difference cell, in percentage points: ``-12.3``."""
    return decimal_text(value, POINTS_DIGITS, lang)
