"""The audit spec: columns, sample description, policies and checks, declared before the run.

One JSON (or TOML) document holds everything an audit needs besides the data, so a registry stores
exactly one spec per audit. ``AuditSpec.from_dict`` validates the whole document and reports every
problem at once, each naming its field (``checks[2].threshold: ...``); unknown keys are rejected.
``from_dict(spec.to_dict()) == spec``.
"""

from __future__ import annotations

import copy
import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from fairness._policies import BENEFICIAL, PRESET_DEFAULTS
from fairness._spec_parts import (
    SPEC_FILE_UNREADABLE,
    SPEC_VERSION,
    Check,
    Columns,
    SampleDescription,
    SpecError,
)
from fairness._spec_validation import validate


@dataclass(frozen=True)
class AuditSpec:
    """Everything an audit needs besides the data. See ``docs/report-format.md`` for each field.

    ``checks=None`` means "the preset's checks, or the defaults for the favourable outcome";
    ``metrics=None`` means every metric the data allows; ``intersection_depth="all"`` means the
    intersection of all attributes. ``labels`` holds the names readers see for attributes, groups
    and checks, in ``en`` and ``zh-CN`` (see ``fairness._spec_labels``); empty when not given.
    ``score_measures=None`` means every score measure the data allows (``calibration``,
    ``roc_auc_comparison``, ``ks``); ``calibration_bins`` is the number of equal-width bins of the
    reliability diagrams.
    """

    columns: Columns = field(default_factory=Columns)
    sample: SampleDescription = field(default_factory=SampleDescription)
    preset: str | None = None
    favourable_outcome: str = BENEFICIAL
    reference: str = "most_favoured"
    reference_groups: Mapping[str, str] = field(default_factory=dict)
    metrics: tuple[str, ...] | None = None
    checks: tuple[Check, ...] | None = None
    min_denominator: float = 30.0
    alpha: float = 0.05
    correction: str = "bh"
    bootstrap_replicates: int = 2000
    seed: int = 0
    intersection_depth: int | str = 2
    small_category_share: float = 0.0
    exclude_unknown_from_ratios: bool = False
    metric_backend: str = "numpy"
    labels: Mapping[str, Any] = field(default_factory=dict)
    score_measures: tuple[str, ...] | None = None
    calibration_bins: int = 10

    # -- construction -----------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> AuditSpec:
        """Validate a spec document and build the spec; raise ``SpecError`` listing every problem.

        Parameters
        ----------
        data : mapping or None
            The document (``None`` or ``{}`` for all defaults).

        Returns
        -------
        AuditSpec

        Raises
        ------
        SpecError
            With ``errors`` naming each field at fault.

        Examples
        --------
        >>> spec = AuditSpec.from_dict({"preset": "four-fifths", "alpha": 0.01})
        >>> spec.reference, spec.alpha
        ('most_favoured', 0.01)
        """
        values, errors = validate({} if data is None else data, keys=SPEC_KEYS)
        if errors:
            raise SpecError(errors)
        return cls(**values)

    @classmethod
    def from_json(cls, text: str) -> AuditSpec:
        """Build a spec from JSON text (see :meth:`from_dict`)."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SpecError([f"(document): not valid JSON: {exc}"]) from None
        return cls.from_dict(data)

    @classmethod
    def from_toml(cls, text: str) -> AuditSpec:
        """Build a spec from TOML text (see :meth:`from_dict`)."""
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise SpecError([f"(document): not valid TOML: {exc}"]) from None
        return cls.from_dict(data)

    @classmethod
    def load(cls, path: str | Path) -> AuditSpec:
        """Read a spec file: TOML when it ends in ``.toml``, JSON otherwise."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SpecError([SPEC_FILE_UNREADABLE.format(path=path, detail=exc)]) from None
        return cls.from_toml(text) if path.suffix.lower() == ".toml" else cls.from_json(text)

    # -- output -----------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The spec as a JSON-ready document; ``AuditSpec.from_dict(s.to_dict()) == s``."""
        out: dict[str, Any] = {"spec_version": SPEC_VERSION}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "columns":
                value = {k.name: getattr(value, k.name) for k in fields(Columns)}
                value["sensitive_features"] = list(value["sensitive_features"])
                if value["control_features"]:
                    value["control_features"] = list(value["control_features"])
                else:  # left out when empty, so a spec without them keeps its old form
                    del value["control_features"]
            elif f.name == "sample":
                value = {k.name: getattr(value, k.name) for k in fields(SampleDescription)}
            elif f.name == "reference_groups":
                value = dict(sorted(value.items()))
            elif f.name == "metrics" and value is not None:
                value = list(value)
            elif f.name == "checks" and value is not None:
                value = [c.to_dict() for c in value]
            elif f.name == "metric_backend" and value == "numpy":
                continue  # the default is left out, so existing documents stay unchanged
            elif f.name == "score_measures":
                if value is None:
                    continue  # as metric_backend: documents without it keep their old form
                value = list(value)
            elif f.name == "calibration_bins" and value == 10:
                continue
            elif f.name == "labels":
                if not value:
                    continue  # as metric_backend: a spec without labels keeps its old form
                value = copy.deepcopy(dict(value))
            out[f.name] = value
        return out

    def with_overrides(self, **overrides: Any) -> AuditSpec:
        """A copy with top-level fields or column-mapping fields replaced, validated again.

        Column keys (``label``, ``prediction``, ``score``, ``threshold``, ``weight``,
        ``sensitive_features``, ``pos_label``, ``delimiter``, ``control_features``) go into
        ``columns``; every other key
        is a top-level spec field. ``None`` values are ignored.
        """
        if not overrides:
            return self
        data = self.to_dict()
        column_names = {f.name for f in fields(Columns)}
        for key, value in overrides.items():
            if value is None:
                continue
            if key in column_names:
                if key in ("sensitive_features", "control_features") and isinstance(value, str):
                    value = [v.strip() for v in value.split(",") if v.strip()]
                data["columns"][key] = value
            else:
                data[key] = value
        preset = overrides.get("preset")
        if preset in PRESET_DEFAULTS and preset != self.preset:
            # let the new preset fill the fields this spec left at their plain defaults
            defaults = AuditSpec()
            for key in PRESET_DEFAULTS[preset]:
                if key not in overrides and getattr(self, key) == getattr(defaults, key):
                    data.pop(key, None)
        return AuditSpec.from_dict(data)


#: The keys a spec document may have: ``spec_version`` and the fields of ``AuditSpec``.
SPEC_KEYS = ("spec_version", *(f.name for f in fields(AuditSpec)))
