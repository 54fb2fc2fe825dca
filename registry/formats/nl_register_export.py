"""The Dutch algorithm register's earlier flat export: a JSON list of flat records. Read only.

Leading rows may be metadata rather than records (each key's "required" flag, its label, its
description); they are recognised by ``mappings/nl_register_export-0.x.toml`` [metadata] and
reported as skipped. Everything else follows the same rules as every reader (see the package
docstring): notes for every key, nothing invented, duplicates reported.
"""

from __future__ import annotations

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
    _norm,
    content_key,
    load_json,
    mark_duplicates,
    skipped_record,
    slug_of,
)
from registry.formats.common import (
    model_type_from_words,
    policy_areas_from,
    risks_from_text,
    split_contact,
    yes_no,
)

MAPPING_NAME = "nl_register_export-0.x"

#: The keys of the flat export, in the export's order.
KEYS = [
    "name",
    "organization",
    "department",
    "description_short",
    "type",
    "category",
    "website",
    "status",
    "goal",
    "impact",
    "proportionality",
    "decision_making_process",
    "documentation",
    "description",
    "application_url",
    "publiccode",
    "MPRD",
    "source_data",
    "methods_and_models",
    "monitoring",
    "human_intervention",
    "risks",
    "performance_standard",
    "competent_authority",
    "lawful_basis",
    "IAMA",
    "IAMA_description",
    "DPIA",
    "DPIA_description",
    "objection_procedure",
    "schema",
    "id",
    "url",
    "contact_email",
    "area",
    "lang",
    "revision_date",
]


class NlRegisterExport:
    id = "nl_register_export"
    title = "Algoritmeregister flat export (earlier register, JSON list)"
    standard = "Algoritmeregister flat export"
    standard_version = "0.x"
    can_read = True
    can_write = False
    media_type = "application/json"

    def __init__(self, mapping_name: str = MAPPING_NAME) -> None:
        self.mapping = load_mapping(mapping_name)
        self.standard_version = str(self.mapping["standard"]["version"])
        self.default_language = str(self.mapping["standard"]["default_language"])

    def read(self, data: bytes) -> list[ImportedRecord]:
        value = load_json(data)
        if isinstance(value, Mapping) and isinstance(value.get("data"), list):
            value = value["data"]
        if not isinstance(value, list):
            raise FormatError("Expected a JSON list of records (the register's flat export).")
        records: list[ImportedRecord] = []
        leading = True
        for index, entry in enumerate(value):
            if not isinstance(entry, Mapping):
                records.append(
                    self._skip(
                        index,
                        entry,
                        Msg(
                            "Entry {index} is a {type_name}, not a record.",
                            index=index,
                            type_name=type(entry).__name__,
                        ),
                    )
                )
                continue
            kind = self.metadata_kind(entry) if leading else None
            if kind is not None:
                records.append(
                    self._skip(
                        index,
                        entry,
                        Msg(
                            "Entry {index} is a metadata row ({kind}), not a record; it was "
                            "skipped.",
                            index=index,
                            kind=kind,
                        ),
                    )
                )
                continue
            leading = False
            records.append(self.read_entry(index, entry))
        return mark_duplicates(records)

    def _skip(self, index: int, entry: Any, reason: str) -> ImportedRecord:
        return skipped_record(
            index,
            entry,
            reason=reason,
            standard=self.standard,
            standard_version=self.standard_version,
            default_language=self.default_language,
        )

    def metadata_kind(self, entry: Mapping[str, Any]) -> str | None:
        """'required flags', 'labels' or 'descriptions' when a leading row is not a record."""
        meta = self.mapping["metadata"]
        values = {k: v for k, v in entry.items() if v not in (None, "", [])}
        if not values:
            return "an empty row"
        texts = {k: str(v).strip().lower() for k, v in values.items()}
        flags = {w.lower() for w in meta["flag_words"]}
        if len(values) >= 3 and all(t in flags for t in texts.values()):
            return "required flags"
        labels = meta["labels"]
        same = sum(
            1
            for k, t in texts.items()
            if _norm(t) == _norm(k) or t in {w.lower() for w in labels.get(k, [])}
        )
        if same >= 2 and same * 2 >= len(values):
            return "labels"
        name = texts.get("name", "")
        wordy = sum(1 for t in texts.values() if len(t.split()) >= 5)
        if (
            not texts.get("id")
            and any(name.startswith(w) for w in meta["instruction_words"])
            and wordy * 2 >= len(values)
        ):
            return "descriptions"
        return None

    def read_entry(self, index: int, entry: Mapping[str, Any]) -> ImportedRecord:
        m = self.mapping
        b = RecordBuilder(
            entry,
            index=index,
            standard=self.standard,
            standard_version=self.standard_version,
            content=content_key(entry),
        )
        for row in m["text"]:
            b.text(
                row["key"],
                row["field"],
                required=row.get("required", False),
                allow_html=row.get("html", False),
            )
        for field, spec in m["joined"].items():
            parts = []
            for key in spec["keys"]:
                text = b.clean(key, b.raw(key), field, allow_html=True)
                if text:
                    parts.append((key, text))
                else:
                    b.empty(key, field, required=False)
            if parts:
                b.set(field, "\n\n".join(text for _, text in parts))
                for key, _ in parts:
                    if len(parts) == 1:
                        b.note(
                            field,
                            NoteKind.MAPPED,
                            Msg("'{key}' was copied into {field}.", key=key, field=field),
                            key,
                        )
                    else:
                        others = " and ".join(f"'{k}'" for k, _ in parts if k != key)
                        b.note(
                            field,
                            NoteKind.CONVERTED,
                            Msg(
                                "'{key}' was joined with {others} into {field}.",
                                key=key,
                                others=others,
                                field=field,
                            ),
                            key,
                        )
        b.agency_name = b.clean("organization", b.raw("organization"), "agency")
        if b.agency_name is None:
            b.empty("organization", "agency", required=True)
        else:
            b.note(
                "agency",
                NoteKind.MAPPED,
                Msg("'organization' names the responsible agency (matched or created by name)."),
                "organization",
            )
        self._type(b)
        policy_areas_from(b, "category", m["vocabulary"]["category"], m["canonical"]["category"])
        b.vocabulary(
            "status",
            "status",
            m["vocabulary"]["status"],
            canonical=m["canonical"]["status"],
            required=True,
        )
        split_contact(b, "contact_email", required=True)
        risks_from_text(b, "risks", label="Risico's")
        self._lawful_basis(b)
        self._assessments(b)
        self._application(b)
        raw_id = b.raw("id")
        if raw_id not in (None, "") and str(raw_id).strip():
            b.source_id = str(raw_id).strip()
            slug = slug_of(b.source_id)
            if slug:
                b.set("source_id", slug)
                kind = NoteKind.MAPPED if slug == b.source_id else NoteKind.CONVERTED
                b.note(
                    "source_id",
                    kind,
                    Msg(
                        "'id' = '{source_id}' was recorded as source_id '{slug}'.",
                        source_id=b.source_id,
                        slug=slug,
                    ),
                    "id",
                )
        else:
            b.note(
                "source_id",
                NoteKind.EMPTY,
                Msg("The record has no 'id'; reruns match it by its content key."),
                "id",
            )
        for key, reason in m["not_mapped"].items():
            b.not_mapped(key, reason)
        b.language("lang", self.default_language)
        b.unknown_keys(KEYS)
        return b.finish()

    def _type(self, b: RecordBuilder) -> None:
        text = b.clean("type", b.raw("type"), "model_type")
        if text is None:
            b.empty("type", "model_type", required=False)
            return
        model_type = model_type_from_words(text, self.mapping["vocabulary"]["type"])
        if model_type is None:
            known = ", ".join(self.mapping["vocabulary"]["type"])
            b.note(
                "model_type",
                NoteKind.NEEDS_PERSON,
                Msg(
                    "The value '{text}' of 'type' is not in our vocabulary for model_type"
                    " (known: "
                    "{known}); it was left empty for a person to choose.",
                    text=text,
                    known=known,
                ),
                "type",
            )
            return
        b.set("model_type", model_type)
        learning = "self-learning" if model_type["self_learning"] else "not self-learning"
        b.note(
            "model_type",
            NoteKind.CONVERTED,
            Msg(
                "'type' = '{text}' was read as model_type {kind}, {learning}; a person"
                " should confirm whether it keeps learning in use.",
                text=text,
                kind=model_type["kind"],
                learning=learning,
            ),
            "type",
        )

    def _lawful_basis(self, b: RecordBuilder) -> None:
        text = b.clean("lawful_basis", b.raw("lawful_basis"), "legal_basis", allow_html=True)
        if text is None:
            b.empty("lawful_basis", "legal_basis", required=False)
            return
        lines = [line.removeprefix("- ").strip() for line in text.splitlines() if line.strip()]
        if all(len(line) <= 200 for line in lines):
            b.set("legal_basis", [{"title": line} for line in lines])
            b.note(
                "legal_basis",
                NoteKind.CONVERTED,
                Msg(
                    "Each line of 'lawful_basis' became one legal basis item ({n}); their"
                    " articles "
                    "and links need a person.",
                    n=len(lines),
                ),
                "lawful_basis",
            )
        else:
            b.note(
                "legal_basis",
                NoteKind.NEEDS_PERSON,
                Msg(
                    "'lawful_basis' is a long free text; legal_basis holds a title per law,"
                    " so it was"
                    " left empty for a person to split."
                ),
                "lawful_basis",
            )

    def _assessments(self, b: RecordBuilder) -> None:
        items = []
        for spec in self.mapping["assessment"]:
            flag_key, text_key, kind = spec["flag"], spec["description"], spec["kind"]
            flag_raw = b.raw(flag_key)
            text = b.clean(text_key, b.raw(text_key), "impact_assessments", allow_html=True)
            if text is not None and len(text) > 1000:
                b.note(
                    "impact_assessments",
                    NoteKind.NEEDS_PERSON,
                    Msg(
                        "'{text_key}' is longer than 1000 characters; it was not imported.",
                        text_key=text_key,
                    ),
                    text_key,
                )
                text = None
            done = yes_no(flag_raw)
            if text is not None:
                b.note(
                    "impact_assessments",
                    NoteKind.CONVERTED,
                    Msg(
                        "'{text_key}' is read together with '{flag_key}' (below).",
                        text_key=text_key,
                        flag_key=flag_key,
                    ),
                    text_key,
                )
            if flag_raw in (None, "") and text is None:
                b.empty(flag_key, "impact_assessments", required=False)
                continue
            if done is None:
                b.note(
                    "impact_assessments",
                    NoteKind.NEEDS_PERSON,
                    Msg(
                        "'{flag_key}' = '{flag_raw}' is not a yes or a no; the {flag_key} was"
                        " left out of"
                        " impact_assessments for a person to record.",
                        flag_key=flag_key,
                        flag_raw=flag_raw,
                    ),
                    flag_key,
                )
                continue
            if done:
                item = {"kind": kind, "summary": text} if text else {"kind": kind}
                if not text:
                    b.note(
                        "impact_assessments",
                        NoteKind.NEEDS_PERSON,
                        Msg(
                            "'{flag_key}' says it was done but '{text_key}' is empty; its"
                            " summary, date and "
                            "link need a person.",
                            flag_key=flag_key,
                            text_key=text_key,
                        ),
                        flag_key,
                    )
                else:
                    b.note(
                        "impact_assessments",
                        NoteKind.CONVERTED,
                        Msg(
                            "'{flag_key}' (yes) and '{text_key}' became an impact assessment"
                            " of kind {kind} "
                            "with that summary; its date needs a person.",
                            flag_key=flag_key,
                            text_key=text_key,
                            kind=kind,
                        ),
                        flag_key,
                    )
                items.append(item)
            elif text:
                items.append({"kind": kind, "not_done_reason": text})
                b.note(
                    "impact_assessments",
                    NoteKind.CONVERTED,
                    Msg(
                        "'{flag_key}' (no) and '{text_key}' became an impact assessment of"
                        " kind {kind} "
                        "that was not done, with that reason.",
                        flag_key=flag_key,
                        text_key=text_key,
                        kind=kind,
                    ),
                    flag_key,
                )
            else:
                b.note(
                    "impact_assessments",
                    NoteKind.NEEDS_PERSON,
                    Msg(
                        "'{flag_key}' says it was not done and gives no reason; the reason"
                        " needs a "
                        "person.",
                        flag_key=flag_key,
                    ),
                    flag_key,
                )
        if items:
            b.set("impact_assessments", items)

    def _application(self, b: RecordBuilder) -> None:
        text = b.clean("application_url", b.raw("application_url"), "application_products")
        if text is None:
            b.empty("application_url", "application_products", required=False)
            return
        from urllib.parse import urlsplit

        try:
            host = urlsplit(text if "://" in text else "https://" + text).hostname
        except ValueError:  # such as "[x]": brackets promise an IPv6 address
            host = None
        if not host:
            b.note(
                "application_products",
                NoteKind.NEEDS_PERSON,
                Msg(
                    "'application_url' = '{text}' is not a web address; it was not imported.",
                    text=text,
                ),
                "application_url",
            )
            return
        url = text if "://" in text else "https://" + text
        b.set("application_products", [{"name": host, "url": url}])
        b.note(
            "application_products",
            NoteKind.CONVERTED,
            Msg(
                "'application_url' became an application product named after its host"
                " ({host}); a"
                " person should give it its service name.",
                host=host,
            ),
            "application_url",
        )

    def write(self, card: dict[str, Any], *, meta: ExportMeta) -> ExportResult:
        raise NotImplementedError("The flat export of the earlier register is read only.")

    def write_many(self, items: Sequence[tuple[dict[str, Any], ExportMeta]]) -> ExportResult:
        raise NotImplementedError("The flat export of the earlier register is read only.")
