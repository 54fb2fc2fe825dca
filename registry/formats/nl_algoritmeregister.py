"""The Dutch Algoritmeregister publication standard v1.0.0: JSON, one registration or a list.

Read: each registration becomes a draft card in its own language (``lang``, ISO 639-3, usually
``nld``); write: a published version becomes one registration, checked against the JSON Schema
this project wrote from the register's API schema and the standard's attribute list
(``mappings/nl_algoritmeregister-1.0.0``; sources in docs/interop.md), with the gaps and schema
problems under ``x_registry_export``. The mapping is data: see
``mappings/nl_algoritmeregister-1.0.0.toml``.
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
from registry.formats._mapping import load_mapping, schema_problems
from registry.formats._reading import (
    RecordBuilder,
    content_key,
    load_json,
    mark_duplicates,
    skipped_record,
    slug_of,
)
from registry.formats._writing import (
    EXPORT_INFO_KEY,
    GAPS_EXPLAINED,
    ExportBuilder,
    filename_part,
    get_path,
    json_bytes,
    provided,
)
from registry.formats.common import (
    contact_value,
    impact_kind,
    month_of,
    parse_model_type_line,
    policy_areas_from,
    risks_from_text,
    split_contact,
    suppliers_from_names,
)

MAPPING_NAME = "nl_algoritmeregister-1.0.0"


class NlAlgoritmeregister:
    id = "nl_algoritmeregister"
    title = "Algoritmeregister publicatiestandaard 1.0.0 (JSON)"
    standard = "Algoritmeregister publicatiestandaard"
    standard_version = "1.0.0"
    can_read = True
    can_write = True
    media_type = "application/json"

    def __init__(self, mapping_name: str = MAPPING_NAME) -> None:
        self.mapping_name = mapping_name
        self.mapping = load_mapping(mapping_name)
        self.standard_version = str(self.mapping["standard"]["version"])
        # the value a registration carries in `standard_version` (the register's API says "1.0")
        self.wire_version = str(self.mapping["standard"].get("wire_version", self.standard_version))
        self.default_language = str(self.mapping["standard"]["default_language"])

    # --- read -------------------------------------------------------------------------------
    def read(self, data: bytes) -> list[ImportedRecord]:
        value = load_json(data)
        if isinstance(value, Mapping) and isinstance(value.get("algoritmes"), list):
            entries = value["algoritmes"]  # the register's bulk download wraps the list
        elif isinstance(value, Mapping):
            entries = [value]
        elif isinstance(value, list):
            entries = value
        else:
            raise FormatError(
                "Expected one registration (a JSON object) or a list of registrations."
            )
        records = []
        for index, entry in enumerate(entries):
            if not isinstance(entry, Mapping):
                records.append(
                    skipped_record(
                        index,
                        entry,
                        reason=Msg(
                            "Entry {index} is a {type_name}, not a registration.",
                            index=index,
                            type_name=type(entry).__name__,
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
        for row in m["month"]:
            month_of(b, row["key"], row["field"])
        # the model type line a writer of ours adds at the end of methods_and_models
        how = b.card.get("how_it_works")
        if isinstance(how, str):
            parsed = parse_model_type_line(how, m)
            if parsed is not None:
                text, model_type = parsed
                b.card["how_it_works"] = text
                b.set("model_type", model_type)
                b.note(
                    "model_type",
                    NoteKind.CONVERTED,
                    Msg(
                        "The model type line at the end of 'methods_and_models' was read into"
                        " model_type."
                    ),
                    "methods_and_models",
                )
        if "model_type" not in b.card:
            b.note(
                "model_type",
                NoteKind.NEEDS_PERSON,
                Msg(
                    "{standard} has no attribute for the model type; model_type (rules,"
                    " statistical, "
                    "machine learning; self-learning or not) must be chosen by a person, for"
                    " example "
                    "from 'methods_and_models'.",
                    standard=self.standard,
                ),
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
        split_contact(b, "contact_email", required=True)
        b.vocabulary(
            "status",
            "status",
            m["vocabulary"]["status"],
            canonical=m["export"]["status"],
            required=True,
        )
        b.vocabulary(
            "publication_category",
            "risk_category",
            m["vocabulary"]["publication_category"],
            canonical=m["export"]["publication_category"],
            required=True,
        )
        policy_areas_from(b, "category", m["vocabulary"]["category"], m["export"]["category"])
        risks_from_text(b, "risks", label="Risicobeheer")
        self._lawful_basis(b)
        self._impact_assessments(b)
        self._source_data_links(b)
        suppliers_from_names(b, "provider", m["in_house"]["words"])
        raw_id = b.raw("source_id")
        if (
            isinstance(raw_id, str | int)
            and str(raw_id).strip()
            and str(raw_id).strip().lower() not in {"n.v.t.", "nvt", "n/a"}
        ):
            b.source_id = str(raw_id).strip()
            slug = slug_of(b.source_id)
            if slug:
                b.set("source_id", slug)
                kind = NoteKind.MAPPED if slug == b.source_id else NoteKind.CONVERTED
                b.note(
                    "source_id",
                    kind,
                    Msg(
                        "'source_id' = '{source_id}' was recorded as source_id '{slug}'.",
                        source_id=b.source_id,
                        slug=slug,
                    ),
                    "source_id",
                )
        version = b.raw("standard_version")
        readable = {self.standard_version, self.wire_version}
        if provided(version) and str(version).strip() in readable:
            b.note(
                "",
                NoteKind.MAPPED,
                Msg(
                    "'standard_version' = '{version}' is the version this mapping reads.",
                    version=version,
                ),
                "standard_version",
            )
        if provided(version) and str(version).strip() not in readable:
            b.note(
                "",
                NoteKind.NEEDS_PERSON,
                Msg(
                    "'standard_version' says '{version}', but this reader maps version "
                    "{standard_version}; check the mapped fields.",
                    version=version,
                    standard_version=self.standard_version,
                ),
                "standard_version",
            )
        for key, reason in m["not_mapped"].items():
            b.not_mapped(key, reason)
        b.language("lang", self.default_language)
        b.unknown_keys(self.known_keys())
        return b.finish()

    def known_keys(self) -> set[str]:
        from registry.formats._mapping import load_schema

        # uuid and language: keys of the register's own database rows; x_registry_export: ours
        return set(load_schema(self.mapping_name)["properties"]) | {
            "uuid",
            "language",
            EXPORT_INFO_KEY,
        }

    def _lawful_basis(self, b: RecordBuilder) -> None:
        items: list[dict[str, Any]] = []
        for group in _groups(b.raw("lawful_basis_grouping")):
            title = b.clean("lawful_basis_grouping", group.get("title"), "legal_basis")
            link = b.clean("lawful_basis_grouping", group.get("link"), "legal_basis")
            if title or link:
                items.append({"title": title or link, "url": link})
        text = b.clean("lawful_basis", b.raw("lawful_basis"), "legal_basis", allow_html=True)
        if items:
            b.note(
                "legal_basis",
                NoteKind.CONVERTED,
                Msg(
                    "'lawful_basis_grouping' gave {n} legal basis item(s) (title and link);"
                    " each "
                    "needs its article or reference filled by a person.",
                    n=len(items),
                ),
                "lawful_basis_grouping",
            )
            if text and text == "\n".join(i["title"] for i in items):
                b.note(
                    "legal_basis",
                    NoteKind.MAPPED,
                    Msg("'lawful_basis' repeats the titles of 'lawful_basis_grouping'."),
                    "lawful_basis",
                )
            elif text:
                lines = [line.removeprefix("- ") for line in text.splitlines() if line.strip()]
                if len(lines) >= len(items) and all(len(line) <= 200 for line in lines):
                    for item, line in zip(items, lines[: len(items)], strict=True):
                        if line != item["title"]:
                            item["reference"] = line
                    # lines after the linked items: legal bases without a link (the register
                    # requires a link in every lawful_basis_grouping item)
                    unlinked = [_titled_line(line) for line in lines[len(items) :]]
                    items += unlinked
                    b.note(
                        "legal_basis",
                        NoteKind.CONVERTED,
                        Msg(
                            "Each line of 'lawful_basis' was read as the reference of the "
                            "matching legal basis item; {n} further line(s) became legal basis "
                            "item(s) without a link.",
                            n=len(unlinked),
                        )
                        if unlinked
                        else Msg(
                            "Each line of 'lawful_basis' was read as the reference of the "
                            "matching legal basis item."
                        ),
                        "lawful_basis",
                    )
                else:
                    b.note(
                        "legal_basis",
                        NoteKind.NEEDS_PERSON,
                        Msg(
                            "The free text of 'lawful_basis' could not be matched to the"
                            " linked items; it was"
                            " not imported and must be checked by a person."
                        ),
                        "lawful_basis",
                    )
        elif text:
            lines = [line.removeprefix("- ") for line in text.splitlines() if line.strip()]
            if all(len(line) <= 200 for line in lines):
                items = [_titled_line(line) for line in lines]
                b.note(
                    "legal_basis",
                    NoteKind.CONVERTED,
                    Msg(
                        "Each line of 'lawful_basis' became one legal basis item ({n}); links"
                        " and "
                        "references need a person.",
                        n=len(items),
                    ),
                    "lawful_basis",
                )
            else:
                b.note(
                    "legal_basis",
                    NoteKind.NEEDS_PERSON,
                    Msg(
                        "'lawful_basis' is a long free text; legal_basis holds a title per"
                        " law, so it was"
                        " left empty for a person to split."
                    ),
                    "lawful_basis",
                )
        else:
            b.empty("lawful_basis", "legal_basis", required=False)
        if items:
            b.set("legal_basis", [{k: v for k, v in item.items() if v} for item in items])

    def _impact_assessments(self, b: RecordBuilder) -> None:
        items: list[dict[str, Any]] = []
        for group in _groups(b.raw("impacttoetsen_grouping")):
            title = (
                b.clean("impacttoetsen_grouping", group.get("title"), "impact_assessments") or ""
            )
            link = b.clean("impacttoetsen_grouping", group.get("link"), "impact_assessments")
            kind = impact_kind(title, self.mapping["vocabulary"]["impact_assessment"])
            item: dict[str, Any] = {
                "kind": kind,
                "url": link,
                "summary": title if kind == "other" else None,
            }
            items.append({k: v for k, v in item.items() if v})
            if kind == "other":
                b.note(
                    "impact_assessments",
                    NoteKind.CONVERTED,
                    Msg(
                        "The impact assessment '{title}' is not a DPIA or IAMA; it was"
                        " recorded as kind "
                        "'other' with its title as summary.",
                        title=title,
                    ),
                    "impacttoetsen_grouping",
                )
        if items:
            b.note(
                "impact_assessments",
                NoteKind.CONVERTED,
                Msg(
                    "'impacttoetsen_grouping' gave {n} impact assessment(s); their completion"
                    " dates "
                    "need a person.",
                    n=len(items),
                ),
                "impacttoetsen_grouping",
            )
        text = b.clean(
            "impacttoetsen", b.raw("impacttoetsen"), "impact_assessments", allow_html=True
        )
        if text:
            if len(text) <= 1000:
                items.append({"kind": "other", "not_done_reason": text})
                b.note(
                    "impact_assessments",
                    NoteKind.CONVERTED,
                    Msg(
                        "'impacttoetsen' (why assessments were not done) became an impact"
                        " assessment of "
                        "kind 'other' with that reason; a person should set the kind."
                    ),
                    "impacttoetsen",
                )
            else:
                b.note(
                    "impact_assessments",
                    NoteKind.NEEDS_PERSON,
                    Msg("'impacttoetsen' is longer than 1000 characters; it was not imported."),
                    "impacttoetsen",
                )
        if items:
            b.set("impact_assessments", items)
        elif text is None:
            b.empty("impacttoetsen_grouping", "impact_assessments", required=False)

    def _source_data_links(self, b: RecordBuilder) -> None:
        lines = []
        for group in _groups(b.raw("source_data_grouping")):
            title = b.clean("source_data_grouping", group.get("title"), "data_summary")
            link = b.clean("source_data_grouping", group.get("link"), "data_summary")
            if title or link:
                lines.append(" ".join(v for v in (title, link) if v))
        if not lines:
            return
        summary = b.card.get("data_summary")
        b.set("data_summary", "\n".join([summary, *lines] if summary else lines))
        b.note(
            "data_sources",
            NoteKind.NEEDS_PERSON,
            Msg(
                "'source_data_grouping' lists {n} data source(s); they were added as lines to "
                "data_summary, because data_sources needs each source's role, which the"
                " standard "
                "does not give.",
                n=len(lines),
            ),
            "source_data_grouping",
        )

    # --- write ------------------------------------------------------------------------------
    def document(
        self, card: Mapping[str, Any], meta: ExportMeta
    ) -> tuple[dict[str, Any], ExportBuilder]:
        m = self.mapping
        schema_required = (
            "name",
            "description_short",
            "organization",
            "status",
            "contact_email",
            "publication_category",
            "lang",
        )
        out = ExportBuilder(schema_required)
        language = str(card.get("language") or "")
        out.put("name", card.get("name"))
        out.put("organization", meta.agency_name)
        out.put("description_short", card.get("summary"))
        areas = [
            m["export"]["category"][a]
            for a in card.get("policy_areas", [])
            if a in m["export"]["category"]
        ]
        areas = list(dict.fromkeys(areas))
        if len(areas) > 3:
            out.note(
                "policy_areas",
                NoteKind.NOT_MAPPED,
                f"The standard allows three themes; {', '.join(areas[3:])} were left out.",
                "category",
            )
        out.put("category", areas[:3])
        out.put("status", m["export"]["status"].get(str(card.get("status"))))
        if card.get("status") == "pilot":
            out.note(
                "status",
                NoteKind.CONVERTED,
                "The standard has no 'pilot' status; a pilot is written as 'In gebruik' (its own "
                "instructions for a system both in development and in use).",
                "status",
            )
        out.put("begin_date", card.get("in_use_from"))
        out.put("end_date", card.get("in_use_until"))
        out.put("contact_email", contact_value(card))
        out.put("website", meta.page_url)
        out.put(
            "publication_category",
            m["export"]["publication_category"].get(str(card.get("risk_category"))),
        )
        out.put("url", meta.json_url)
        out.put("goal", card.get("purpose_and_impact"))
        out.put("proportionality", card.get("alternatives_and_proportionality"))
        out.put("human_intervention", card.get("human_oversight"))
        out.put("risks", _risk_lines(card.get("risks")))
        legal = [i for i in card.get("legal_basis", []) if isinstance(i, Mapping)]
        # one line per legal basis: first those with a link (their reference, matching the
        # grouping below), then those without one ("title — reference"), which have no place in
        # lawful_basis_grouping because the register requires a link in every item there
        linked = [i for i in legal if i.get("url")]
        unlinked = [i for i in legal if not i.get("url")]
        out.put(
            "lawful_basis",
            "\n".join(
                [str(i.get("reference") or i["title"]) for i in linked]
                + [
                    f"{i['title']}{UNLINKED_SEPARATOR}{i['reference']}"
                    if i.get("reference")
                    else str(i["title"])
                    for i in unlinked
                ]
            )
            or None,
        )
        # the register requires both title and link in an item; a basis without a link is in
        # the lawful_basis text above
        out.put(
            "lawful_basis_grouping",
            [{"title": str(i["title"])[:100], "link": i["url"]} for i in legal if i.get("url")],
        )
        assessments = [i for i in card.get("impact_assessments", []) if isinstance(i, Mapping)]
        words = m["export"]["impact_assessment"]
        out.put(
            "impacttoetsen_grouping",
            [
                {"title": words.get(str(i["kind"]), str(i["kind"])), "link": i["url"]}
                for i in assessments
                if i.get("url")
            ],
        )
        out.put(
            "impacttoetsen",
            "\n".join(_assessment_line(i, words) for i in assessments if not i.get("url")) or None,
        )
        out.put("source_data", card.get("data_summary"))
        out.put("methods_and_models", _methods(card, m, language))
        out.put("provider", _provider_text(card, m))
        out.put("publiccode", card.get("source_code_url"))
        out.put("lang", m["export"]["lang"].get(language, language or None))
        out.put("standard_version", self.wire_version)
        out.put("source_id", card.get("source_id") or meta.public_id)
        doc = {k: v for k, v in out.values.items() if v is not None}
        missing = out.missing()
        problems = [
            p for p in schema_problems(doc, self.mapping_name) if not p.startswith("(record): '")
        ]
        for problem in problems:
            out.note(
                "", NoteKind.NEEDS_PERSON, f"The export does not meet the standard: {problem}."
            )
        doc[EXPORT_INFO_KEY] = {
            "standard": self.standard,
            "standard_version": self.standard_version,
            "public_id": meta.public_id,
            "version": meta.version,
            "published_on": meta.published_on,
            "missing_required": list(missing),
            "missing_required_explained": GAPS_EXPLAINED,
            "schema_problems": problems,
            "audits": [_audit(a) for a in meta.audits],
        }
        return doc, out

    def write(self, card: dict[str, Any], *, meta: ExportMeta) -> ExportResult:
        doc, out = self.document(card, meta)
        return ExportResult(
            content=json_bytes(doc),
            media_type=self.media_type,
            filename=f"{filename_part(meta.public_id)}-v{meta.version}.algoritmeregister-1.0.0.json",
            missing_required=out.missing(),
            notes=tuple(out.notes),
        )

    def write_many(self, items: Sequence[tuple[dict[str, Any], ExportMeta]]) -> ExportResult:
        docs, missing, notes = [], [], []
        for card, meta in items:
            doc, out = self.document(card, meta)
            docs.append(doc)
            missing += [f"{meta.public_id}: {field}" for field in out.missing()]
            notes += out.notes
        return ExportResult(
            content=json_bytes(docs),
            media_type=self.media_type,
            filename="register.algoritmeregister-1.0.0.json",
            missing_required=tuple(missing),
            notes=tuple(notes),
        )


UNLINKED_SEPARATOR = " — "


def _titled_line(line: str) -> dict[str, Any]:
    """A line of lawful_basis as a legal basis item: "title — reference", or a title alone."""
    title, sep, reference = line.partition(UNLINKED_SEPARATOR)
    if sep and title.strip() and reference.strip():
        return {"title": title.strip(), "reference": reference.strip()}
    return {"title": line}


def _groups(value: Any) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _risk_lines(risks: Any) -> str | None:
    if not isinstance(risks, list) or not risks:
        return None
    lines = []
    for risk in risks:
        text = str(risk["name"])
        if risk.get("description"):
            text += ": " + str(risk["description"])
        if risk.get("mitigation"):
            text += " (" + str(risk["mitigation"]) + ")"
        lines.append(text)
    return "\n".join(lines)


def _assessment_line(item: Mapping[str, Any], words: Mapping[str, str]) -> str:
    label = words.get(str(item["kind"]), str(item["kind"]))
    detail = item.get("summary") or item.get("not_done_reason") or ""
    when = f" ({item['completed_on']})" if item.get("completed_on") else ""
    return f"{label}{when}: {detail}" if detail else f"{label}{when}"


def _methods(card: Mapping[str, Any], mapping: Mapping[str, Any], language: str) -> str | None:
    how = card.get("how_it_works")
    kind = get_path(card, "model_type.kind")
    if not kind:
        return how if isinstance(how, str) else None
    lang = "nl" if language.startswith("nl") else "en"
    words = mapping["model_type_words"][lang]
    learning = (
        words["self_learning"]
        if get_path(card, "model_type.self_learning")
        else words["not_self_learning"]
    )
    line = mapping["model_type_line"][lang].format(kind=words[str(kind)], learning=learning)
    return f"{how}\n\n{line}" if how else line


def _provider_text(card: Mapping[str, Any], mapping: Mapping[str, Any]) -> str | None:
    suppliers = [s for s in card.get("suppliers", []) if isinstance(s, Mapping)]
    if not suppliers:
        return None
    names = [str(s["name"]) for s in suppliers if not s.get("in_house")]
    if not names:
        return str(mapping["in_house"]["export"])
    return "; ".join(names)[:200]


def _audit(audit: Any) -> dict[str, Any]:
    return {
        "title": audit.title,
        "verdict": audit.verdict,
        "published_on": audit.published_on,
        "headline": audit.headline,
        "url": audit.url,
    }
