"""Threshold rules: how a score column becomes a 0/1 prediction."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

import numpy as np

from fairness._errors import BAD_THRESHOLD, BAD_THRESHOLD_VALUE, FairnessInputError

ThresholdKind = Literal["score_gte", "top_k", "top_percent"]

_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_GTE = re.compile(rf"^\s*>=\s*({_NUMBER})\s*$")
_TOP_PERCENT = re.compile(rf"^\s*top\s*-?\s*({_NUMBER})\s*%\s*$", re.IGNORECASE)
_TOP_K = re.compile(rf"^\s*top\s*-?\s*({_NUMBER})\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class ThresholdRule:
    """A rule that turns scores into predictions (1 = selected / flagged).

    Attributes
    ----------
    kind:
        ``"score_gte"``: predicted positive when ``score >= value``.
        ``"top_k"``: the ``value`` rows with the highest scores are predicted positive.
        ``"top_percent"``: the top ``value`` percent of rows (``ceil(value / 100 * n)`` rows, where
        ``n`` counts the rows with a usable score) are predicted positive.
    value:
        The threshold score, the number of rows ``k`` (a positive whole number), or the percentage
        (greater than 0 and at most 100).

    Notes
    -----
    Ties at the cut: ``top_k`` and ``top_percent`` find the score ``s`` of the k-th highest row and
    select every row with ``score >= s``. Rows with equal scores are therefore always treated
    alike, and more than ``k`` rows are selected when several rows share the score at the cut (the
    reader then adds a warning saying how many). Selection never depends on row order.

    Examples
    --------
    >>> ThresholdRule.parse(">=0.7")
    ThresholdRule(kind='score_gte', value=0.7)
    >>> ThresholdRule.parse("top-10%").to_str()
    'top-10%'
    """

    kind: ThresholdKind
    value: float

    def __post_init__(self) -> None:
        value = self.value
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not number or not math.isfinite(value):
            raise FairnessInputError(
                BAD_THRESHOLD_VALUE.format(kind=self.kind, expected="a finite number", value=value),
                field="threshold",
            )
        if self.kind == "top_k" and (value < 1 or float(value) != int(value)):
            raise FairnessInputError(
                BAD_THRESHOLD_VALUE.format(
                    kind="top-k", expected="a whole number of rows, at least 1", value=value
                ),
                field="threshold",
            )
        if self.kind == "top_percent" and not 0 < value <= 100:
            raise FairnessInputError(
                BAD_THRESHOLD_VALUE.format(
                    kind="top-%", expected="a percentage above 0 and at most 100", value=value
                ),
                field="threshold",
            )
        if self.kind not in ("score_gte", "top_k", "top_percent"):
            raise FairnessInputError(BAD_THRESHOLD.format(text=self.kind), field="threshold")

    @classmethod
    def parse(cls, text: str) -> ThresholdRule:
        """Parse ``">=0.7"``, ``"top-100"`` or ``"top-10%"`` (spaces and case do not matter).

        Raises
        ------
        FairnessInputError
            With ``field="threshold"`` when the text matches none of the forms or the value is out
            of range.
        """
        if not isinstance(text, str):
            raise FairnessInputError(BAD_THRESHOLD.format(text=text), field="threshold")
        if m := _GTE.match(text):
            return cls("score_gte", float(m.group(1)))
        if m := _TOP_PERCENT.match(text):
            return cls("top_percent", float(m.group(1)))
        if m := _TOP_K.match(text):
            return cls("top_k", float(m.group(1)))
        raise FairnessInputError(BAD_THRESHOLD.format(text=text), field="threshold")

    def to_str(self) -> str:
        """The rule in the form ``parse`` reads: ``">=0.7"``, ``"top-100"``, ``"top-10%"``."""
        if self.kind == "score_gte":
            return f">={_fmt(self.value)}"
        if self.kind == "top_k":
            return f"top-{int(self.value)}"
        return f"top-{_fmt(self.value)}%"

    def apply(self, scores: np.ndarray) -> tuple[np.ndarray, int | None]:
        """Predictions (bool array) for ``scores`` (finite float64), and for the top rules the
        number of rows the rule asked for (``k``), else ``None``."""
        if self.kind == "score_gte":
            return scores >= self.value, None
        n = scores.shape[0]
        # 1e-9 absorbs float noise, so 10% of 50 rows is 5 rows, not 6.
        k = int(self.value) if self.kind == "top_k" else math.ceil(self.value / 100 * n - 1e-9)
        if n == 0 or k <= 0:
            return np.zeros(n, dtype=bool), k
        if k >= n:
            return np.ones(n, dtype=bool), k
        # The k-th highest score: partition is exact and O(n).
        cut = np.partition(scores, n - k)[n - k]
        return scores >= cut, k


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))
