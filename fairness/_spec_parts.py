"""The parts of an audit spec that its validation needs too: messages, ``SpecError``, the column
mapping, the sample description, a declared check, and the fields a preset fills in.

``_spec`` (the ``AuditSpec`` document) and ``_spec_validation`` (field-by-field checks) both import
from here, so neither imports the other back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fairness._errors import FairnessError
from fairness._policies import ONE_SIDED, PRESET_DEFAULTS, PRESETS

SPEC_VERSION = 1

SPEC_INVALID = "The audit spec is invalid:\n{errors}"
UNKNOWN_KEY = "{path}: unknown key; expected one of {expected}"
EXPECTED = "{path}: expected {what}, got {value!r}"
NOT_A_MAPPING = "{path}: expected a table/object, got {kind}"
DUPLICATE_CHECK = "{path}: check name {name!r} is used more than once"
UNCHECKABLE_METRIC = (
    "{path}: {metric!r} describes the labels, not the decisions; it cannot be checked"
)
DESCRIPTIVE_METRIC = (
    "{path}: {metric!r} is reported for each group but cannot be checked: it is not a single "
    "rate, so the ratio and difference intervals and tests that checks rely on (Katz, "
    "Newcombe, z / Fisher) do not apply to it; check one of its parts instead (e.g. "
    "true_positive_rate, precision)"
)
LL144_ADVERSE = (
    "favourable_outcome: preset 'll144' covers selection for a benefit (hiring, promotion); "
    "favourable_outcome must be 'beneficial'"
)
CONTROL_IS_SENSITIVE = (
    "columns.control_features: {column!r} is also a sensitive feature; a column is either "
    "audited (sensitive_features) or held constant (control_features), not both"
)
CONTROL_HAS_ROLE = (
    "columns.control_features: {column!r} is already the {role} column; name a column of "
    "case characteristics (e.g. region) to compare groups within"
)
SPEC_FILE_UNREADABLE = "Cannot read the spec file {path}: {detail}"


class SpecError(FairnessError, ValueError):
    """The spec is invalid. ``errors`` lists every problem as ``"field: message"``."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = list(errors)
        super().__init__(SPEC_INVALID.format(errors="\n".join(f"- {e}" for e in self.errors)))


@dataclass(frozen=True)
class Columns:
    """The column mapping of the sample file (see ``fairness.read_sample``)."""

    label: str | None = None
    prediction: str | None = None
    score: str | None = None
    threshold: str | None = None
    weight: str | None = None
    sensitive_features: tuple[str, ...] = ()
    pos_label: str | None = None
    delimiter: str | None = None
    #: Columns to compare groups within (conditional parity; fairlearn's ``control_features``).
    control_features: tuple[str, ...] = ()


@dataclass(frozen=True)
class SampleDescription:
    """Free text describing the sample, carried verbatim into the report."""

    period: str | None = None
    population: str | None = None
    source: str | None = None
    kind: str | None = None  # "historical" or "test"


SAMPLE_KINDS = ("historical", "test")


@dataclass(frozen=True)
class Check:
    """A declared test: ``metric`` compared to the reference group as a ``ratio`` (pass when the
    oriented ratio is at least ``threshold``) or a ``difference`` (pass when the group is worse off
    than the reference by at most ``threshold``).

    ``band="two-sided"`` (Aequitas's band) flags a group beyond the threshold in either direction:
    a ratio must lie within ``[threshold, 1 / threshold]``, a difference within ``±threshold``."""

    name: str
    metric: str
    kind: str
    threshold: float
    band: str = ONE_SIDED

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "metric": self.metric,
            "kind": self.kind,
            "threshold": self.threshold,
        }
        if self.band != ONE_SIDED:  # the default is left out: existing documents stay unchanged
            out["band"] = self.band
        return out


def preset_fills(data: Mapping[str, Any]) -> dict[str, Any]:
    """The fields the named preset supplies when the document does not give them."""
    preset = data.get("preset")
    if preset not in PRESETS:
        return {}
    return {k: v for k, v in PRESET_DEFAULTS[preset].items() if k not in data}
