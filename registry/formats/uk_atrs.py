"""UK Algorithmic Transparency Recording Standard 3.0 (metadata, tier 1, tier 2): JSON and CSV.

The record is nested by section (``metadata.title``, ``tier_1.name``,
``tier_2.owner_and_responsibility.senior_responsible_owner``); numbered groups hold one supplier,
model or dataset each. The CSV layout is the same record flattened to one row per record with one
column per dotted path, groups numbered from 1. The standard's attribute list (reference numbers,
names, tiers, required flags, from the official v3.0 table) and the mapping are data:
``mappings/uk_atrs-3.0.toml``. Reading accepts either layout (sniffed).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from typing import Any

from registry.formats._base import (
    ExportMeta,
    ExportResult,
    FormatError,
    ImportedRecord,
    Msg,
    NoteKind,
)
from registry.formats._mapping import load_mapping
from registry.formats._reading import (
    RecordBuilder,
    content_key,
    decode_text,
    load_json,
    mark_duplicates,
    skipped_record,
)
from registry.formats._writing import (
    EXPORT_INFO_KEY,
    GAPS_EXPLAINED,
    filename_part,
    get_path,
    json_bytes,
    provided,
)
from registry.formats.common import contact_value, impact_kind, split_contact

MAPPING_NAME = "uk_atrs-3.0"
MISSING_COLUMN = "x_registry_missing_required"
SECTIONS = ("metadata", "tier_1", "tier_2")
MODEL = "tier_2.tool_specification.model_specification"
DATA = "tier_2.tool_specification.data_specification"
#: Attributes the metadata section repeats: the metadata copy is read when the other is empty.
REPEATED = {
    "tier_1.name": "metadata.title",
    "tier_2.owner_and_responsibility.organisation_or_department": "metadata.organisation_name",
    "tier_2.tool_specification.phase": "metadata.phase",
}
_BLOCK_LINE = re.compile(r"^(?P<label>[A-Z][a-z]{1,20}):(?: (?P<value>.*))?$")
_METRIC = re.compile(
    r"^(?P<name>[^:]{1,200}): (?P<value>-?[\d.]+)"
    r"(?: \((?P<low>-?[\d.]+) to (?P<high>-?[\d.]+)(?:, (?P<level>[\d.]+)%)?\))?"
    r"(?: \[(?P<group>[^\]]{1,200})\])?$"
)


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """A nested record as ``{dotted.path: value}``; list items numbered from 1."""
    flat: dict[str, Any] = {}
    if isinstance(value, Mapping):
        for key, item in value.items():
            flat.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value, start=1):
            flat.update(flatten(item, f"{prefix}.{index}"))
    else:
        flat[prefix] = value
    return flat


def unflatten(flat: Mapping[str, Any]) -> dict[str, Any]:
    """The inverse of ``flatten``: numbered parts become lists (in number order)."""
    root: dict[str, Any] = {}
    for path, value in flat.items():
        node = root
        parts = path.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value

    def lists(node: Any) -> Any:
        if isinstance(node, dict):
            if node and all(k.isdigit() for k in node):
                return [lists(node[k]) for k in sorted(node, key=int)]
            return {k: lists(v) for k, v in node.items()}
        return node

    result: dict[str, Any] = lists(root)
    return result


class UkAtrs:
    id = "uk_atrs"
    title = "UK Algorithmic Transparency Recording Standard 3.0 (JSON)"
    standard = "UK Algorithmic Transparency Recording Standard"
    standard_version = "3.0"
    can_read = True
    can_write = True
    media_type = "application/json"
    layout = "json"

    def __init__(self, mapping_name: str = MAPPING_NAME) -> None:
        self.mapping = load_mapping(mapping_name)
        self.standard_version = str(self.mapping["standard"]["version"])
        self.default_language = str(self.mapping["standard"]["default_language"])
        attributes = self.mapping["attribute"]
        #: Required attributes outside numbered groups, in the standard's order.
        self.required_paths = tuple(
            a["path"] for a in attributes if a["required"] and "{n}" not in a["path"]
        )
        #: Numbered groups -> the required attribute names of each group.
        self.group_required: dict[str, list[str]] = {}
        for a in attributes:
            if a["required"] and "{n}" in a["path"]:
                group, _, name = a["path"].partition(".{n}.")
                self.group_required.setdefault(group, []).append(name)
        self._attribute_path = re.compile(
            "|".join(
                re.escape(a["path"]).replace(re.escape("{n}"), r"[1-9]\d{0,3}") for a in attributes
            )
        )

    def is_attribute(self, path: str) -> bool:
        """Whether a dotted path is one of the standard's attributes in our layout."""
        return self._attribute_path.fullmatch(path) is not None

    def required(self, path: str) -> bool:
        """Whether the standard marks the attribute at this path (any group number) required."""
        group, sep, rest = path.rpartition(".")
        if sep and group.rpartition(".")[2].isdigit():
            return rest in self.group_required.get(group.rpartition(".")[0], [])
        return path in self.required_paths

    # --- read -------------------------------------------------------------------------------
    def entries(self, data: bytes) -> list[Any]:
        text = decode_text(data).lstrip()
        if text.startswith(("{", "[")):
            value = load_json(data)
            if isinstance(value, Mapping) and isinstance(value.get("records"), list):
                return list(value["records"])
            if isinstance(value, Mapping):
                return [value]
            if isinstance(value, list):
                return value
            raise FormatError("Expected one ATRS record (a JSON object) or a list of records.")
        if not text:
            raise FormatError("The file is empty.")
        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames or not any(
            name and name.startswith(tuple(f"{s}." for s in SECTIONS)) for name in reader.fieldnames
        ):
            raise FormatError(
                "Expected JSON, or CSV whose header names ATRS attributes such as tier_1.name.",
                line=1,
            )
        rows = []
        try:
            for row in reader:
                cells = {
                    k: v
                    for k, v in row.items()
                    if k and k != MISSING_COLUMN and v not in (None, "")
                }
                rows.append(unflatten(cells))
        except csv.Error as exc:
            raise FormatError(f"The CSV cannot be read: {exc}.", line=reader.line_num) from exc
        return rows

    def read(self, data: bytes) -> list[ImportedRecord]:
        records = []
        for index, entry in enumerate(self.entries(data)):
            if not isinstance(entry, Mapping) or not any(k in entry for k in SECTIONS):
                records.append(
                    skipped_record(
                        index,
                        entry,
                        reason=Msg(
                            "Entry {index} is not an ATRS record (no metadata, tier_1 or tier_2).",
                            index=index,
                        ),
                        standard=self.standard,
                        standard_version=self.standard_version,
                        default_language=self.default_language,
                    )
                )
                continue
            records.append(self.read_entry(index, entry))
        return mark_duplicates(records)

    def read_entry(self, index: int, entry: Mapping[str, Any]) -> ImportedRecord:
        m = self.mapping
        plain = {k: v for k, v in entry.items() if k != EXPORT_INFO_KEY}
        flat = flatten(plain)
        borrowed = {
            key: copy
            for key, copy in REPEATED.items()
            if not provided(flat.get(key)) and provided(flat.get(copy))
        }
        flat |= {key: flat[copy] for key, copy in borrowed.items()}
        b = RecordBuilder(
            flat,
            index=index,
            standard=self.standard,
            standard_version=self.standard_version,
            content=content_key(plain),
        )
        for key, copy in borrowed.items():
            b.note(
                "",
                NoteKind.CONVERTED,
                Msg("'{key}' is empty; '{copy}' was read in its place.", key=key, copy=copy),
                copy,
            )
        for row in m["scalar"]:
            b.text(row["path"], row["field"], required=self.required(row["path"]))
        for row in m["lines"]:
            text = b.clean(row["path"], b.raw(row["path"]), row["field"])
            if text is None:
                b.empty(row["path"], row["field"], required=False)
                continue
            items = [
                line.removeprefix("- ").strip()[:200] for line in text.splitlines() if line.strip()
            ]
            b.set(row["field"], items)
            b.note(
                row["field"],
                NoteKind.CONVERTED,
                Msg(
                    "Each line of '{path}' became one item of {field}.",
                    path=row["path"],
                    field=row["field"],
                ),
                row["path"],
            )
        split_contact(b, "tier_1.contact_email", required=True)
        org_key = "tier_2.owner_and_responsibility.organisation_or_department"
        b.agency_name = b.clean(org_key, b.raw(org_key), "agency")
        if b.agency_name is None:
            b.empty(org_key, "agency", required=True)
        else:
            b.note(
                "agency",
                NoteKind.MAPPED,
                Msg(
                    "'{key}' names the responsible agency (matched or created by name).",
                    key=org_key,
                ),
                org_key,
            )
        b.vocabulary(
            "tier_2.tool_specification.phase",
            "status",
            m["vocabulary"]["phase"],
            canonical=m["export"]["phase"],
            required=True,
        )
        self._model_task(b)
        self._performance(b)
        self._scope(b)
        for name, spec in m["lists"].items():
            self._list(b, name, spec)
        for spec in m["blocks"].values():
            self._blocks(b, spec)
        self._data_details(b)
        self._other_models(b)
        for path, reason in m["not_mapped"].items():
            if path.endswith("scope"):
                continue
            for key in self._numbered(b, path):
                if key not in borrowed.values():
                    b.not_mapped(key, reason)
        b.language(None, self.default_language)
        b.unknown_keys(self.known_paths(flat))
        return b.finish()

    @staticmethod
    def _numbered(b: RecordBuilder, path: str) -> list[str]:
        """The entry's keys for a path; ``{n}`` stands for every group number present."""
        if "{n}" not in path:
            return [path]
        group, _, name = path.partition(".{n}.")
        pattern = re.compile(re.escape(group) + r"\.(\d+)\." + re.escape(name))
        return [k for k in b.entry if pattern.fullmatch(k)]

    def _other_models(self, b: RecordBuilder) -> None:
        """Model specifications after the first: the card describes one model."""
        for key in b.entry:
            group, _, rest = key.partition(MODEL + ".")
            number = rest.partition(".")[0]
            if group or not number.isdigit() or number == "1" or not self.is_attribute(key):
                continue
            value = b.raw(key)
            if provided(value):
                b.note(
                    "",
                    NoteKind.NOT_MAPPED,
                    Msg(
                        "'{key}' belongs to model specification {number}; the card describes"
                        " one model, so only the first model specification was read.",
                        key=key,
                        number=number,
                    ),
                    key,
                )

    def known_paths(self, flat: Mapping[str, Any]) -> set[str]:
        """The entry's keys that are attributes of the standard (the rest get a note)."""
        return {key for key in flat if self.is_attribute(key)}

    def _model_task(self, b: RecordBuilder) -> None:
        key = f"{MODEL}.1.model_task"
        text = b.clean(key, b.raw(key), "model_type")
        if text is None:
            b.empty(key, "model_type", required=False)
            return
        words = self.mapping["model_task"]
        for kind in ("rules", "statistical", "machine_learning", "generative"):
            if text.lower().startswith(words[kind].lower()):
                rest = text[len(words[kind]) :].strip(" ()").lower()
                if rest == words["self_learning"].lower():
                    learning: bool | None = True
                elif rest == words["not_self_learning"].lower():
                    learning = False
                else:
                    learning = None
                if learning is None:
                    b.note(
                        "model_type",
                        NoteKind.NEEDS_PERSON,
                        Msg(
                            "'{key}' names the kind ({kind}) but not whether it learns in"
                            " use; model_type was"
                            " left empty for a person to complete.",
                            key=key,
                            kind=kind,
                        ),
                        key,
                    )
                    return
                b.set("model_type", {"kind": kind, "self_learning": learning})
                b.note(
                    "model_type",
                    NoteKind.CONVERTED,
                    Msg(
                        "'{key}' = '{text}' was read as model_type {kind}.",
                        key=key,
                        text=text,
                        kind=kind,
                    ),
                    key,
                )
                return
        b.note(
            "model_type",
            NoteKind.NEEDS_PERSON,
            Msg(
                "'{key}' = '{text}' does not name a kind of model we know (rules, statistical, "
                "machine learning, generative); model_type was left empty for a person to"
                " choose.",
                key=key,
                text=text,
            ),
            key,
        )

    def _performance(self, b: RecordBuilder) -> None:
        key = f"{MODEL}.1.model_performance"
        text = b.clean(key, b.raw(key), "evaluation")
        if text is None:
            b.empty(key, "evaluation", required=False)
            return
        evaluation: dict[str, Any] = {}
        metrics = []
        unread = []
        for line in (ln.removeprefix("- ").strip() for ln in text.splitlines() if ln.strip()):
            if line.startswith("Method: "):
                evaluation["method"] = line[8:]
                continue
            if line.startswith("Results by group: "):
                evaluation["per_group_summary"] = line[len("Results by group: ") :]
                continue
            if line.startswith("Evaluation data: "):
                evaluation["data_reference"] = line[17:]
                continue
            match = _METRIC.match(line)
            if match is None:
                unread.append(line)
                continue
            metric: dict[str, Any] = {"name": match["name"], "value": float(match["value"])}
            if match["low"] is not None:
                metric["interval_low"] = float(match["low"])
                metric["interval_high"] = float(match["high"])
            if match["level"] is not None:
                metric["confidence_level"] = round(float(match["level"]) / 100, 6)
            if match["group"]:
                metric["group"] = match["group"]
            metrics.append(metric)
        if metrics:
            evaluation["metrics"] = metrics
        if unread:
            summary = "\n".join(unread)
            if len(summary) <= 4000:
                evaluation["per_group_summary"] = summary
            b.note(
                "evaluation",
                NoteKind.NEEDS_PERSON,
                Msg(
                    "{n} line(s) of '{key}' are not metrics in the form 'name: value (low to"
                    " high, "
                    "level%) [group]'; they were kept as evaluation.per_group_summary for a"
                    " person to"
                    " sort.",
                    n=len(unread),
                    key=key,
                ),
                key,
            )
        if evaluation:
            b.set("evaluation", evaluation)
            b.note(
                "evaluation",
                NoteKind.CONVERTED,
                Msg("'{key}' was read into evaluation ({n} metric(s)).", key=key, n=len(metrics)),
                key,
            )

    def _scope(self, b: RecordBuilder) -> None:
        key = "tier_2.description_and_rationale.scope"
        text = b.clean(key, b.raw(key), "out_of_scope_uses")
        if text is None:
            b.empty(key, "out_of_scope_uses", required=False)
            return
        uses = []
        for line in (ln.removeprefix("- ").strip() for ln in text.splitlines() if ln.strip()):
            if line.startswith("Not for: "):
                use, _, reason = line[9:].partition(" — ")
                uses.append({"use": use, "reason": reason} if reason else {"use": use})
        if uses:
            b.set("out_of_scope_uses", uses)
            b.note(
                "out_of_scope_uses",
                NoteKind.CONVERTED,
                Msg("The 'Not for:' lines of '{key}' became out_of_scope_uses.", key=key),
                key,
            )
        else:
            b.note(
                "out_of_scope_uses",
                NoteKind.NOT_MAPPED,
                Msg(
                    "'{key}' describes the tool's scope in free text; our card only lists"
                    " uses it "
                    "must not serve, so it was not imported.",
                    key=key,
                ),
                key,
            )

    def _list(self, b: RecordBuilder, name: str, spec: Mapping[str, Any]) -> None:
        path, field, items_map = spec["path"], spec["field"], spec["items"]
        count = 0
        items = []
        while True:
            count += 1
            prefix = f"{path}.{count}."
            source = {k[len(prefix) :]: b.raw(k) for k in list(b.entry) if k.startswith(prefix)}
            if not source:
                break
            item: dict[str, Any] = {}
            for their_key, our_key in items_map.items():
                text = b.clean(f"{prefix}{their_key}", source.get(their_key), f"{field}.{our_key}")
                if text is not None:
                    item[our_key] = text
            if field == "sensitive_attributes" or "sensitive_attributes" in item:
                attrs = str(item.pop("sensitive_attributes", ""))
                item["sensitive_attributes"] = [
                    a.strip()[:200] for a in re.split(r"[,;\n]", attrs) if a.strip()
                ]
            if field == "suppliers":
                item["in_house"] = False
            if field == "data_sources":
                item.update(self._data_description(str(source.get("data_description") or "")))
            if not item.get(spec["name"]):
                b.note(
                    field,
                    NoteKind.NEEDS_PERSON,
                    Msg(
                        "Item {count} of '{path}' has no {name}; it was left out of {field}"
                        " for a "
                        "person to complete.",
                        count=count,
                        path=path,
                        name=spec["name"],
                        field=field,
                    ),
                    path,
                )
                continue
            items.append(item)
        if not _keep_items(b, field, items, path):
            b.empty(path, field, required=False)

    def _blocks(self, b: RecordBuilder, spec: Mapping[str, Any]) -> None:
        """Items from a free-text attribute written as blocks of labelled lines (ours)."""
        path, field, labels = spec["path"], spec["field"], spec["labels"]
        text = b.clean(path, b.raw(path), field)
        if text is None:
            b.empty(path, field, required=False)
            return
        first = next(iter(labels))
        found: list[dict[str, str]] = []
        current: dict[str, str] | None = None
        last = ""
        unread = []
        for line in text.splitlines():
            match = _BLOCK_LINE.match(line)
            if match and match["label"] in labels:
                if match["label"] == first or current is None:
                    current = {}
                    found.append(current)
                last = labels[match["label"]]
                current[last] = (match["value"] or "").strip()
            elif current is not None:
                current[last] = f"{current.get(last, '')}\n{line}"
            elif line.strip():
                unread.append(line)
        if unread:
            b.note(
                field,
                NoteKind.NEEDS_PERSON,
                Msg(
                    "'{key}' has text that is not in labelled lines ({labels}); a person should"
                    " split it into items of {field}.",
                    key=path,
                    labels=", ".join(labels),
                    field=field,
                ),
                path,
            )
        items = []
        for count, raw in enumerate(found, start=1):
            item: dict[str, Any] = {k: v.strip() for k, v in raw.items() if v.strip()}
            if field == "impact_assessments":
                item = self._assessment_item(item)
                when = item.get("completed_on")
                if when is not None and _iso_date(str(when)) is None:
                    del item["completed_on"]
                    b.note(
                        field,
                        NoteKind.NEEDS_PERSON,
                        Msg(
                            "Item {count} of '{key}': '{when}' is not a date (YYYY-MM-DD);"
                            " the assessment was kept without its date for a person to fill.",
                            count=count,
                            key=path,
                            when=when,
                        ),
                        path,
                    )
                elif when is not None:
                    item["completed_on"] = _iso_date(str(when))
                key_name = "kind"
            else:
                key_name = "name"
            if not item.get(key_name):
                b.note(
                    field,
                    NoteKind.NEEDS_PERSON,
                    Msg(
                        "Item {count} of '{path}' has no {name}; it was left out of {field}"
                        " for a "
                        "person to complete.",
                        count=count,
                        path=path,
                        name=first,
                        field=field,
                    ),
                    path,
                )
                continue
            items.append(item)
        _keep_items(b, field, items, path)

    def _assessment_item(self, item: dict[str, Any]) -> dict[str, Any]:
        title = str(item.pop("kind", ""))
        if not title and not item:
            return {}
        kind = impact_kind(title, self.mapping["vocabulary"]["impact_assessment"])
        summary = item.get("summary")
        out: dict[str, Any] = {"kind": kind}
        if isinstance(summary, str) and summary.startswith("Not done: "):
            out["not_done_reason"] = summary[len("Not done: ") :]
        else:
            if summary:
                out["summary"] = summary
            elif kind == "other" and title:
                out["summary"] = title
            for key in ("url", "completed_on"):
                if item.get(key):
                    out[key] = item[key]
        if (
            kind == "other"
            and title
            and title != self.mapping["export"]["impact_assessment"]["other"]
            and summary
        ):
            out["summary"] = f"{title}: {summary}"[:1000]
        return out

    def _data_description(self, text: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for line in text.splitlines():
            if line.startswith("Personal data: "):
                answer = line[len("Personal data: ") :].strip().lower()
                out["personal_data"] = {"yes": True, "no": False}.get(answer)
            elif line.startswith("Collected: "):
                found = re.match(r"Collected: (\S*)\s*to\s*(\S*)$", line.strip())
                for value, key in zip(
                    found.groups() if found else (),
                    ("collected_from", "collected_until"),
                    strict=False,
                ):
                    if re.fullmatch(r"\d{4}-\d{2}", value):
                        out[key] = value
        return {k: v for k, v in out.items() if v is not None}

    def _data_details(self, b: RecordBuilder) -> None:
        """Roles of data sources from dataset_purposes lines ('name: role'); no role, no source."""
        key = f"{MODEL}.1.dataset_purposes"
        text = b.clean(key, b.raw(key), "data_sources")
        roles: dict[str, str] = {}
        table = self.mapping["vocabulary"]["data_role"]
        for line in (text or "").splitlines():
            name, _, role = line.removeprefix("- ").rpartition(": ")
            if role.strip().lower() in table:
                roles[name.strip()] = table[role.strip().lower()]
        sources = b.card.get("data_sources") or []
        kept = []
        for source in sources:
            found_role = roles.get(str(source["name"]))
            if found_role is None:
                b.note(
                    "data_sources",
                    NoteKind.NEEDS_PERSON,
                    Msg(
                        "The data source '{source_name}' has no purpose in '{key}' (training,"
                        " testing, "
                        "operational input); it was left out of data_sources for a person to"
                        " add with its"
                        " role.",
                        source_name=source["name"],
                        key=key,
                    ),
                    key,
                )
                continue
            kept.append({**source, "role": found_role})
        if kept:
            b.card["data_sources"] = kept
        else:
            b.card.pop("data_sources", None)
        reps = [
            str(b.raw(k)).strip()
            for k in b.entry
            if k.startswith(f"{DATA}.")
            and k.endswith(".data_completeness_and_representativeness")
            and provided(b.raw(k))
        ]
        if reps and "representativeness" not in b.card:
            # we write the card's one text into every dataset; read it back once
            b.set("representativeness", "\n".join(dict.fromkeys(reps))[:4000])
            b.note(
                "representativeness",
                NoteKind.CONVERTED,
                Msg(
                    "The completeness and representativeness of each data source were joined"
                    " into "
                    "representativeness."
                ),
                DATA,
            )

    # --- write ------------------------------------------------------------------------------
    def record(
        self, card: Mapping[str, Any], meta: ExportMeta
    ) -> tuple[dict[str, Any], tuple[str, ...]]:
        m = self.mapping
        flat: dict[str, Any] = {}
        phase = m["export"]["phase"].get(str(card.get("status")))
        flat["metadata.standard_version"] = self.standard_version
        flat["metadata.date_of_completion"] = meta.published_on
        flat["metadata.title"] = card.get("name")
        flat["metadata.organisation_name"] = meta.agency_name
        flat["metadata.phase"] = phase
        for row in m["scalar"]:
            flat[row["path"]] = get_path(card, row["field"])
        for row in m["lines"]:
            values = card.get(row["field"]) or []
            flat[row["path"]] = "\n".join(f"- {v}" for v in values) or None
        flat["tier_1.website_url"] = meta.page_url
        flat["tier_1.contact_email"] = contact_value(card)
        flat["tier_2.owner_and_responsibility.organisation_or_department"] = meta.agency_name
        flat["tier_2.tool_specification.phase"] = phase
        flat["tier_2.decision_making_process.provided_information"] = (
            "\n".join(f"- {v}" for v in card.get("outputs", [])) or None
        )
        flat["tier_2.tool_specification.models"] = card.get("name")
        flat[f"{MODEL}.1.model_name"] = card.get("name")
        flat[f"{MODEL}.1.model_version"] = str(meta.version)
        kind = get_path(card, "model_type.kind")
        if kind:
            words = m["model_task"]
            learning = (
                words["self_learning"]
                if get_path(card, "model_type.self_learning")
                else words["not_self_learning"]
            )
            flat[f"{MODEL}.1.model_task"] = f"{words[str(kind)]} ({learning})"
        flat[f"{MODEL}.1.model_performance"] = _performance_text(card.get("evaluation"))
        uses = [u for u in card.get("out_of_scope_uses", []) if isinstance(u, Mapping)]
        flat["tier_2.description_and_rationale.scope"] = (
            "\n".join(
                f"Not for: {u['use']}" + (f" — {u['reason']}" if u.get("reason") else "")
                for u in uses
            )
            or None
        )
        external = [
            s for s in card.get("suppliers", []) if isinstance(s, Mapping) and not s.get("in_house")
        ]
        if card.get("suppliers"):
            flat["tier_2.owner_and_responsibility.external_supplier_involvement"] = (
                "Yes" if external else "No"
            )
        lists = m["lists"]
        self._write_list(flat, lists["suppliers"], external)
        assessments = []
        for item in card.get("impact_assessments", []):
            entry = dict(item)
            entry["kind"] = m["export"]["impact_assessment"].get(
                str(item["kind"]), str(item["kind"])
            )
            if item.get("not_done_reason"):
                entry["summary"] = f"Not done: {item['not_done_reason']}"
            assessments.append(entry)
        blocks = m["blocks"]
        flat[blocks["impact_assessments"]["path"]] = _blocks_text(
            blocks["impact_assessments"]["labels"], assessments
        )
        flat[blocks["risks"]["path"]] = _blocks_text(
            blocks["risks"]["labels"], card.get("risks", [])
        )
        sources = []
        purposes = []
        for source in card.get("data_sources", []):
            entry = dict(source)
            entry["sensitive_attributes"] = (
                ", ".join(source.get("sensitive_attributes", [])) or None
            )
            sources.append(entry)
            purposes.append(f"- {source['name']}: {m['export']['data_role'][str(source['role'])]}")
        self._write_list(flat, lists["data_sources"], sources)
        for index, source in enumerate(card.get("data_sources", []), start=1):
            lines = []
            if source.get("personal_data") is not None:
                lines.append(f"Personal data: {'yes' if source['personal_data'] else 'no'}")
            if source.get("collected_from") or source.get("collected_until"):
                lines.append(
                    f"Collected: {source.get('collected_from', '')} to "
                    f"{source.get('collected_until', '')}".rstrip()
                )
            flat[f"{DATA}.{index}.data_description"] = "\n".join(lines) or None
            flat[f"{DATA}.{index}.data_completeness_and_representativeness"] = card.get(
                "representativeness"
            )
        flat[f"{MODEL}.1.dataset_purposes"] = "\n".join(purposes) or None
        flat = {k: v for k, v in flat.items() if provided(v)}
        return flat, self.missing(flat, data_groups=len(sources))

    def missing(self, flat: Mapping[str, Any], *, data_groups: int) -> tuple[str, ...]:
        """The standard's required attributes left empty, as paths, in the standard's order.

        One model specification is always written (the card describes one model); every
        dataset written is checked, and the first when there is none (the data specification
        is required).
        """
        counts = {MODEL: 1, DATA: max(data_groups, 1)}
        paths: list[str] = []
        done: set[str] = set()
        for attribute in self.mapping["attribute"]:
            path = attribute["path"]
            if "{n}" not in path:
                paths += [path] if attribute["required"] else []
                continue
            group = path.partition(".{n}.")[0]
            if group in done or group not in counts:
                continue  # each group once, at its first attribute
            done.add(group)
            for number in range(1, counts[group] + 1):
                paths += [f"{group}.{number}.{name}" for name in self.group_required[group]]
        return tuple(p for p in paths if not provided(flat.get(p)))

    def _write_list(
        self, flat: dict[str, Any], spec: Mapping[str, Any], items: Sequence[Mapping[str, Any]]
    ) -> None:
        for index, item in enumerate(items, start=1):
            for their_key, our_key in spec["items"].items():
                value = item.get(our_key)
                if provided(value):
                    flat[f"{spec['path']}.{index}.{their_key}"] = value

    def info(self, meta: ExportMeta, missing: Sequence[str]) -> dict[str, Any]:
        return {
            "standard": self.standard,
            "standard_version": self.standard_version,
            "public_id": meta.public_id,
            "version": meta.version,
            "published_on": meta.published_on,
            "missing_required": list(missing),
            "missing_required_explained": GAPS_EXPLAINED,
            "audits": [
                {
                    "title": a.title,
                    "verdict": a.verdict,
                    "published_on": a.published_on,
                    "headline": a.headline,
                    "url": a.url,
                }
                for a in meta.audits
            ],
        }

    def write(self, card: dict[str, Any], *, meta: ExportMeta) -> ExportResult:
        return self.write_many([(card, meta)], single=True)

    def write_many(
        self, items: Sequence[tuple[dict[str, Any], ExportMeta]], *, single: bool = False
    ) -> ExportResult:
        docs = []
        all_missing: list[str] = []
        for card, meta in items:
            flat, missing = self.record(card, meta)
            doc = unflatten(flat)
            doc[EXPORT_INFO_KEY] = self.info(meta, missing)
            docs.append(doc)
            all_missing += list(missing) if single else [f"{meta.public_id}: {p}" for p in missing]
        name = (
            f"{filename_part(items[0][1].public_id)}-v{items[0][1].version}"
            if single
            else "register"
        )
        return ExportResult(
            content=json_bytes(docs[0] if single else docs),
            media_type=self.media_type,
            filename=f"{name}.atrs-3.0.json",
            missing_required=tuple(all_missing),
        )


class UkAtrsCsv(UkAtrs):
    """The same records as CSV: one row each, one column per dotted path."""

    id = "uk_atrs_csv"
    title = "UK Algorithmic Transparency Recording Standard 3.0 (CSV)"
    media_type = "text/csv"
    layout = "csv"

    def write_many(
        self, items: Sequence[tuple[dict[str, Any], ExportMeta]], *, single: bool = False
    ) -> ExportResult:
        rows = []
        all_missing: list[str] = []
        for card, meta in items:
            flat, missing = self.record(card, meta)
            flat[MISSING_COLUMN] = "; ".join(missing)
            rows.append(flat)
            all_missing += list(missing) if single else [f"{meta.public_id}: {p}" for p in missing]
        columns = self.columns(rows)
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: row.get(k, "") for k in columns})
        name = (
            f"{filename_part(items[0][1].public_id)}-v{items[0][1].version}"
            if single
            else "register"
        )
        return ExportResult(
            content=out.getvalue().encode("utf-8"),
            media_type="text/csv; charset=utf-8",
            filename=f"{name}.atrs-3.0.csv",
            missing_required=tuple(all_missing),
        )

    def columns(self, rows: Sequence[Mapping[str, Any]]) -> list[str]:
        """Every attribute of the list, then numbered list columns present, then the gaps column."""
        m = self.mapping
        names: dict[str, list[str]] = {}
        for attribute in m["attribute"]:
            group, sep, name = attribute["path"].partition(".{n}.")
            if sep:
                names.setdefault(group, []).append(name)
        fixed: list[str] = []
        for attribute in m["attribute"]:
            path = attribute["path"]
            group = path.partition(".{n}.")[0]
            if "{n}" not in path:
                fixed.append(path)
            elif not any(c.startswith(f"{group}.") for c in fixed):
                count = max(
                    [1 if group == MODEL else 0]
                    + [
                        int(k[len(group) + 1 :].partition(".")[0])
                        for row in rows
                        for k in row
                        if k.startswith(f"{group}.")
                        and k[len(group) + 1 :].partition(".")[0].isdigit()
                    ]
                )
                for number in range(1, count + 1):
                    fixed += [f"{group}.{number}.{name}" for name in names[group]]
        extra = sorted(
            {k for row in rows for k in row} - set(fixed) - {MISSING_COLUMN}, key=_column_order
        )
        return [*fixed, *extra, MISSING_COLUMN]


def _iso_date(text: str) -> str | None:
    """A date as YYYY-MM-DD (also from DD/MM/YYYY, the UK way of writing it), or None."""
    import datetime as dt

    for form in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(text.strip(), form).date().isoformat()
        except ValueError:
            continue
    return None


def _column_order(key: str) -> tuple[Any, ...]:
    return tuple(int(p) if p.isdigit() else p for p in key.split("."))


def _performance_text(evaluation: Any) -> str | None:
    if not isinstance(evaluation, Mapping):
        return None
    lines = []
    if evaluation.get("method"):
        lines.append(f"Method: {evaluation['method']}")
    if evaluation.get("data_reference"):
        lines.append(f"Evaluation data: {evaluation['data_reference']}")
    for metric in evaluation.get("metrics", []):
        line = f"- {metric['name']}: {metric['value']:g}"
        if metric.get("interval_low") is not None and metric.get("interval_high") is not None:
            level = (
                f", {metric['confidence_level'] * 100:g}%" if metric.get("confidence_level") else ""
            )
            line += f" ({metric['interval_low']:g} to {metric['interval_high']:g}{level})"
        if metric.get("group"):
            line += f" [{metric['group']}]"
        lines.append(line)
    if evaluation.get("per_group_summary"):
        lines.append(f"Results by group: {evaluation['per_group_summary']}")
    return "\n".join(lines) or None


def _blocks_text(labels: Mapping[str, str], items: Sequence[Mapping[str, Any]]) -> str | None:
    """Items as blocks of labelled lines ('Risk: ...'), a blank line between blocks."""
    blocks = []
    for item in items:
        lines = [
            f"{label}: {item[key]}" for label, key in labels.items() if provided(item.get(key))
        ]
        if lines:
            blocks.append("\n".join(lines))
    return "\n\n".join(blocks) or None


def _keep_items(b: RecordBuilder, field: str, items: list[dict[str, Any]], path: str) -> bool:
    """Set ``field`` to the items read from ``path`` with a note; False when there were none."""
    if not items:
        return False
    b.set(field, items)
    b.note(
        field,
        NoteKind.MAPPED,
        Msg("'{path}' gave {n} item(s) of {field}.", path=path, n=len(items), field=field),
        path,
    )
    return True
