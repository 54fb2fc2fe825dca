"""The arguments of ``read_sample``: checked once, before the file is opened, into a ``Plan``.

Also the checks that need the file's header: every mapped column present, and a warning for each
column whose name suggests direct personal identifiers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fairness._columns import looks_like_identifier
from fairness._errors import (
    AMBIGUOUS_PREDICTION,
    BAD_MAX_GROUPS,
    IDENTIFIER_WARNING,
    NEED_PREDICTION,
    NO_SENSITIVE,
    REPEATED_MAPPING,
    SCORE_WITHOUT_THRESHOLD,
    THRESHOLD_WITHOUT_SCORE,
    FairnessInputError,
    missing_columns_message,
)
from fairness._threshold import ThresholdRule


@dataclass(frozen=True)
class Plan:
    """Which column plays which role, and how predictions are made."""

    label: str | None
    prediction: str | None
    score: str | None
    threshold: ThresholdRule | None
    weight: str | None
    sensitive: tuple[str, ...]
    pos_label: str | None
    controls: tuple[str, ...] = ()

    @property
    def grouping(self) -> tuple[str, ...]:
        """The columns that make a cell: the sensitive features, then the control features."""
        return (*self.sensitive, *self.controls)

    @property
    def needed(self) -> list[str]:
        cols = [self.label, self.prediction, self.score, self.weight, *self.grouping]
        return [c for c in cols if c is not None]

    @property
    def kinds(self) -> dict[str, str]:
        """How the reader should deliver each column (see ``fairness._batches``)."""
        kinds = dict.fromkeys(self.grouping, "group")
        for column in (self.label, self.prediction):
            if column is not None:
                kinds[column] = "binary"
        return kinds

    def mapping(self) -> dict[str, object]:
        """The column mapping as recorded in ``ReadStats.columns``."""
        mapping: dict[str, object] = {
            "label": self.label,
            "prediction": self.prediction,
            "score": self.score,
            "threshold": self.threshold.to_str() if self.threshold else None,
            "weight": self.weight,
            "sensitive_features": list(self.sensitive),
            "pos_label": self.pos_label,
            "control_features": list(self.controls) if self.controls else None,
        }
        return {k: v for k, v in mapping.items() if v is not None}


def make_plan(
    *,
    label: str | None,
    prediction: str | None,
    sensitive_features: Sequence[str],
    score: str | None,
    threshold: ThresholdRule | str | None,
    weight: str | None,
    pos_label: str | None,
    max_groups: int,
    control_features: Sequence[str] = (),
) -> Plan:
    """Check the arguments of ``read_sample`` (see there) and return the ``Plan``."""
    if isinstance(sensitive_features, str):
        sensitive_features = [sensitive_features]
    sensitive = tuple(sensitive_features or ())
    if not sensitive:
        raise FairnessInputError(NO_SENSITIVE, field="sensitive_features")
    if isinstance(control_features, str):
        control_features = [control_features]
    controls = tuple(control_features or ())
    if isinstance(threshold, str):
        threshold = ThresholdRule.parse(threshold)
    if prediction is not None and score is not None and threshold is not None:
        raise FairnessInputError(
            AMBIGUOUS_PREDICTION.format(prediction=prediction, score=score), field="prediction"
        )
    if prediction is None and score is None:
        raise FairnessInputError(NEED_PREDICTION, field="prediction")
    if prediction is None and threshold is None:
        raise FairnessInputError(SCORE_WITHOUT_THRESHOLD.format(score=score), field="threshold")
    if threshold is not None and score is None:
        raise FairnessInputError(THRESHOLD_WITHOUT_SCORE, field="threshold")
    if isinstance(max_groups, bool) or not isinstance(max_groups, int) or max_groups < 1:
        raise FairnessInputError(BAD_MAX_GROUPS.format(value=max_groups), field="max_groups")
    roles: dict[str, list[str]] = {}
    for role, column in (
        ("label", label),
        ("prediction", prediction),
        ("score", score),
        ("weight", weight),
        *(("sensitive_features", c) for c in sensitive),
        *(("control_features", c) for c in controls),
    ):
        if column is not None:
            roles.setdefault(column, []).append(role)
    for column, used_as in roles.items():
        if len(used_as) > 1:
            raise FairnessInputError(
                REPEATED_MAPPING.format(column=column, roles=", ".join(used_as)),
                column=column,
                field=used_as[-1],
            )
    return Plan(label, prediction, score, threshold, weight, sensitive, pos_label, controls)


def check_columns(wanted: Sequence[str], present: Sequence[str]) -> None:
    """Refuse when a wanted column is absent, listing the columns that exist."""
    missing = [c for c in wanted if c not in present]
    if missing:
        raise FairnessInputError(
            missing_columns_message(list(missing), list(present)), column=missing[0]
        )


def identifier_warnings(columns: Sequence[str]) -> list[str]:
    """One warning per column whose name suggests direct personal identifiers."""
    return [IDENTIFIER_WARNING.format(column=c) for c in columns if looks_like_identifier(c)]
