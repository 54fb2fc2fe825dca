"""Hugging Face style model card: README.md with YAML front matter. Read and write.

A file is one README.md, or a ZIP archive of many (every ``*.md`` member is one card, in name
order). The section headings and the front-matter keys are mapped by
``mappings/hf_model_card-1.toml``. The template's placeholder ``[More Information Needed]`` counts
as empty. Written cards carry the evaluation metrics as ``model-index`` and the published audits'
results under the documented key ``registry_export.audits`` (title, verdict, published_on,
headline, url), with ``registry_export.missing_required``.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

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
    decode_text,
    language_tag,
    mark_duplicates,
)
from registry.formats._writing import GAPS_EXPLAINED, filename_part, get_path, provided
from registry.formats.common import contact_value, split_contact

MAPPING_NAME = "hf_model_card-1"
EXPORT_KEY = "registry_export"
PLACEHOLDER = "[More Information Needed]"
AUDITS_HEADING = "Published fairness audits"
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_DETAIL = re.compile(r"^[-*]\s+\*\*(?P<label>[^*]+?):?\*\*:?\s*(?P<value>.*)$")
_BULLET = re.compile(r"^[-*]\s+(.*)$")
_MAX_MEMBERS = 5000
_MAX_MEMBER_BYTES = 2_000_000


def split_front_matter(text: str) -> tuple[str | None, str]:
    """(the YAML text between the leading '---' lines or None, the Markdown body)."""
    if not text.startswith("---"):
        return None, text
    lines = text.split("\n")
    if lines[0].strip() != "---":
        return None, text
    for index in range(1, len(lines)):
        if lines[index].strip() in ("---", "..."):
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :])
    return None, text


def sections_of(body: str) -> tuple[str | None, dict[str, str]]:
    """The level-1 title and each heading's text (up to the next heading), headings as written."""
    title = None
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    fence = False
    for line in body.split("\n"):
        if line.strip().startswith("```"):
            fence = not fence
        match = None if fence else _HEADING.match(line)
        if match:
            heading = match.group(2).strip()
            if len(match.group(1)) == 1 and title is None:
                title = heading
                current = None
                continue
            current = sections.setdefault(heading, [])
            continue
        if current is not None:
            current.append(line)
    return title, {h: "\n".join(lines).strip() for h, lines in sections.items()}


class HfModelCard:
    id = "hf_model_card"
    title = "Hugging Face model card (README.md with YAML front matter; ZIP for many)"
    standard = "Hugging Face model card"
    standard_version = "1"
    can_read = True
    can_write = True
    media_type = "text/markdown"

    def __init__(self, mapping_name: str = MAPPING_NAME) -> None:
        self.mapping = load_mapping(mapping_name)
        self.standard_version = str(self.mapping["standard"]["version"])
        self.default_language = str(self.mapping["standard"]["default_language"])

    # --- read -------------------------------------------------------------------------------
    def documents(self, data: bytes) -> list[str]:
        if data.startswith(b"PK\x03\x04"):
            try:
                archive = zipfile.ZipFile(io.BytesIO(data))
            except zipfile.BadZipFile as exc:
                raise FormatError(f"The ZIP archive cannot be read: {exc}.") from exc
            names = sorted(
                i.filename
                for i in archive.infolist()
                if i.filename.lower().endswith(".md") and not i.is_dir()
            )
            if not names:
                raise FormatError("The ZIP archive holds no Markdown (.md) model card.")
            if len(names) > _MAX_MEMBERS:
                raise FormatError(f"The ZIP archive holds more than {_MAX_MEMBERS} model cards.")
            docs = []
            for index, name in enumerate(names):
                info = archive.getinfo(name)
                if info.file_size > _MAX_MEMBER_BYTES:
                    raise FormatError(f"{name} is larger than 2 MB.", record=index)
                docs.append(decode_text(archive.read(name)))
            return docs
        text = decode_text(data)
        if not text.strip():
            raise FormatError("The file is empty.")
        return [text]

    def read(self, data: bytes) -> list[ImportedRecord]:
        return mark_duplicates(
            [self.read_document(i, doc) for i, doc in enumerate(self.documents(data))]
        )

    def read_document(self, index: int, text: str) -> ImportedRecord:
        text = text.replace("\r\n", "\n")
        yaml_text, body = split_front_matter(text)
        metadata: Any = {}
        problem = None
        if yaml_text is not None:
            try:
                metadata = yaml.safe_load(yaml_text) or {}
            except yaml.YAMLError as exc:
                first = str(exc).splitlines()[0]
                problem = Msg(
                    "The YAML front matter cannot be read ({first}); it was ignored.", first=first
                )
                metadata = {}
            if not isinstance(metadata, Mapping):
                problem = Msg("The YAML front matter is not a mapping of keys; it was ignored.")
                metadata = {}
        title, sections = sections_of(body)
        entry: dict[str, Any] = {f"metadata.{k}": v for k, v in metadata.items()}
        if title is not None:
            entry["# title"] = title
        for heading, section_text in sections.items():
            if heading in ("Model Details", "Model Description"):
                kept = [ln for ln in section_text.split("\n") if not _DETAIL.match(ln.strip())]
                section_text = "\n".join(kept).strip()
            if heading == AUDITS_HEADING:
                continue  # our own export's audits: the registry attaches audits to versions
            entry[f"## {heading}"] = "" if section_text.strip() == PLACEHOLDER else section_text
        details = sections.get("Model Details", "") + "\n" + sections.get("Model Description", "")
        # (the detail lines are read below, from the sections' raw text)
        for line in details.split("\n"):
            match = _DETAIL.match(line.strip())
            if match:
                value = match["value"].strip()
                entry[f"- {match['label'].strip()}"] = "" if value == PLACEHOLDER else value
        b = RecordBuilder(
            entry,
            index=index,
            standard=self.standard,
            standard_version=self.standard_version,
            content=content_key(text.strip()),
        )
        if problem:
            b.note("", NoteKind.NEEDS_PERSON, problem, "front matter")
        elif yaml_text is None:
            b.note(
                "",
                NoteKind.NEEDS_PERSON,
                Msg(
                    "The card has no YAML front matter (license, language, model-index); only"
                    " its "
                    "sections were read."
                ),
                "front matter",
            )
        self._name(b, title)
        self._sections(b)
        self._details(b)
        self._metadata(b)
        own = metadata.get(EXPORT_KEY) if isinstance(metadata, Mapping) else None
        b.raw(f"metadata.{EXPORT_KEY}")
        if isinstance(own, Mapping):
            if provided(own.get("source_id")):
                b.source_id = str(own["source_id"])
                b.set("source_id", b.source_id)
            if provided(own.get("agency")) and b.agency_name is None:
                b.agency_name = str(own["agency"])
                b.note(
                    "agency",
                    NoteKind.MAPPED,
                    Msg(
                        "'{export_key}.agency' names the responsible agency.", export_key=EXPORT_KEY
                    ),
                    f"{EXPORT_KEY}.agency",
                )
        if b.agency_name is None:
            b.note(
                "agency",
                NoteKind.NEEDS_PERSON,
                Msg(
                    "The card does not name a responsible public body ('- **Responsible"
                    " agency:**'); "
                    "the agency must be chosen by a person."
                ),
                "Responsible agency",
            )
        b.language(None, self.default_language) if "language" not in b.card else None
        for key in entry:
            if (
                key.startswith("## ")
                and key not in b.used
                and provided(entry[key])
                and key[3:] not in ("Model Details",)
            ):
                b.note(
                    "",
                    NoteKind.NOT_MAPPED,
                    Msg(
                        "The section '{section}' has no place on our card; it was not imported.",
                        section=key[3:],
                    ),
                    key,
                )
        return b.finish()

    def _name(self, b: RecordBuilder, title: str | None) -> None:
        name = title
        if name and name.lower().startswith("model card for "):
            name = name[len("model card for ") :]
        if name and name.strip() in ('{{ model_id | default("Model ID", true) }}', "Model ID"):
            name = None
        b.used.add("# title")
        if not name:
            b.note(
                "name",
                NoteKind.NEEDS_PERSON,
                Msg(
                    "The card has no title ('# Model Card for ...'); name was left empty for"
                    " a person"
                    " to fill."
                ),
                "# title",
            )
            return
        b.text("# title", "name", value=name)

    def _sections(self, b: RecordBuilder) -> None:
        present = {_norm(k[3:]): k for k in b.entry if k.startswith("## ")}
        for spec in self.mapping["section"]:
            key = next((present[_norm(h)] for h in spec["headings"] if _norm(h) in present), None)
            field, kind = spec["field"], spec["kind"]
            if key is None:
                label = spec["headings"][0]
                b.empty(f"## {label}", field, required=spec.get("required", False))
                continue
            if kind == "text":
                b.text(key, field, required=spec.get("required", False))
            elif kind == "contact":
                split_contact(b, key, required=True)
            elif kind == "uses":
                self._uses(b, key, field)
            else:
                self._bullets(b, key, field)

    def _bullets(self, b: RecordBuilder, key: str, field: str) -> None:
        text = b.clean(key, b.raw(key), field)
        if text is None:
            b.empty(key, field, required=False)
            return
        items = []
        prose = []
        for line in text.split("\n"):
            match = _BULLET.match(line.strip())
            if not match:
                if line.strip():
                    prose.append(line.strip())
                continue
            content = match.group(1).replace("**", "")
            name, _, description = content.partition(": ")
            if field == "risks" and description.endswith(")") and " (mitigation: " in description:
                description, _, mitigation = description[:-1].partition(" (mitigation: ")
                item = {
                    "name": name[:200],
                    "description": description[:1000],
                    "mitigation": mitigation[:1000],
                }
            else:
                item = (
                    {"name": name[:200], "description": description[:1000]}
                    if description
                    else {"name": content[:200]}
                )
            items.append({k: v for k, v in item.items() if v})
        if items:
            b.set(field, items)
            b.note(
                field,
                NoteKind.CONVERTED,
                Msg(
                    "Each bullet of '{section}' became one item of {field}.",
                    section=key[3:],
                    field=field,
                ),
                key,
            )
        if prose:
            b.note(
                field,
                NoteKind.NOT_MAPPED,
                Msg(
                    "The text of '{section}' outside bullets was not imported into {field},"
                    " which holds"
                    " named items.",
                    section=key[3:],
                    field=field,
                ),
                key,
            )

    def _uses(self, b: RecordBuilder, key: str, field: str) -> None:
        text = b.clean(key, b.raw(key), field)
        if text is None:
            b.empty(key, field, required=False)
            return
        uses = []
        for line in text.split("\n"):
            match = _BULLET.match(line.strip())
            if match:
                use, _, reason = match.group(1).partition(" — ")
                uses.append(
                    {"use": use[:2000], "reason": reason[:1000]} if reason else {"use": use[:2000]}
                )
        if not uses:
            uses = [{"use": text[:2000]}]
        b.set(field, uses)
        b.note(
            field,
            NoteKind.CONVERTED,
            Msg("'{section}' became {n} out-of-scope use(s).", section=key[3:], n=len(uses)),
            key,
        )

    def _details(self, b: RecordBuilder) -> None:
        m = self.mapping
        for label, field in m["details"].items():
            key = f"- {label}"
            if key not in b.entry:
                continue
            if not field:
                b.raw(key)
                continue
            if field == "model_type":
                self._model_type(b, key)
            elif field == "status":
                b.vocabulary(
                    key,
                    "status",
                    m["vocabulary"]["status"],
                    canonical={k: v.lower() for k, v in m["export"]["status"].items()},
                )
            else:
                b.text(key, field)
        agency = b.entry.get("- Responsible agency")
        b.used.add("- Responsible agency")
        if provided(agency):
            b.agency_name = b.clean("Responsible agency", agency, "agency")
            b.note(
                "agency",
                NoteKind.MAPPED,
                Msg(
                    "'Responsible agency' names the responsible agency (matched or created by"
                    " name)."
                ),
                "Responsible agency",
            )
        for key in b.entry:
            if key.startswith("- ") and key not in b.used and provided(b.entry[key]):
                b.note(
                    "",
                    NoteKind.NOT_MAPPED,
                    Msg(
                        "The detail '{detail}' has no place on our card; it was not imported.",
                        detail=key[2:],
                    ),
                    key,
                )
                b.used.add(key)

    def _model_type(self, b: RecordBuilder, key: str) -> None:
        text = b.clean(key, b.raw(key), "model_type")
        if text is None:
            b.empty(key, "model_type", required=False)
            return
        words = self.mapping["learning"]
        base, _, rest = text.partition(" (")
        rest = rest.rstrip(")").strip().lower()
        kind = {_norm(k): v for k, v in self.mapping["vocabulary"]["model_type"].items()}.get(
            _norm(base)
        )
        learning = {words["self_learning"]: True, words["not_self_learning"]: False}.get(rest)
        if kind is None or learning is None:
            b.note(
                "model_type",
                NoteKind.NEEDS_PERSON,
                Msg(
                    "'Model type' = '{text}' does not say which kind of model (rules,"
                    " statistical, "
                    "machine learning, generative) and whether it learns in use; model_type"
                    " was left "
                    "empty for a person to choose.",
                    text=text,
                ),
                key,
            )
            return
        b.set("model_type", {"kind": kind, "self_learning": learning})
        exact = self.mapping["export"]["model_type"].get(kind) == base
        b.note(
            "model_type",
            NoteKind.MAPPED if exact else NoteKind.CONVERTED,
            Msg("'Model type' = '{text}' was read as model_type {kind}.", text=text, kind=kind),
            key,
        )

    def _metadata(self, b: RecordBuilder) -> None:
        m = self.mapping
        license_value = b.raw("metadata.license")
        license_name = b.raw("metadata.license_name")
        b.raw("metadata.license_link")
        if license_value == "other" and provided(license_name):
            b.text("metadata.license_name", "license")
        elif provided(license_value):
            b.text("metadata.license", "license")
        else:
            b.empty("metadata.license", "license", required=True)
        language = b.raw("metadata.language")
        first = language[0] if isinstance(language, list) and language else language
        tag = language_tag(first) or (
            str(first)
            if isinstance(first, str) and re.fullmatch(r"[a-z]{2,3}(-[A-Za-z]{2,4})?", first)
            else None
        )
        if tag:
            b.card["language"] = tag
            b.note(
                "language",
                NoteKind.MAPPED,
                Msg(
                    "'language' = {first} was recorded as the card's language {tag}.",
                    first=repr(first),
                    tag=tag,
                ),
                "metadata.language",
            )
            if isinstance(language, list) and len(language) > 1:
                b.note(
                    "language",
                    NoteKind.NEEDS_PERSON,
                    Msg(
                        "The card lists several languages ({languages}); the first was "
                        "recorded, the others need a person (translations).",
                        languages=", ".join(map(str, language)),
                    ),
                    "metadata.language",
                )
        datasets = b.raw("metadata.datasets")
        if isinstance(datasets, list) and datasets:
            lines = [str(d) for d in datasets]
            summary = b.card.get("data_summary")
            b.set("data_summary", "\n".join([summary, *lines] if summary else lines))
            b.note(
                "data_sources",
                NoteKind.NEEDS_PERSON,
                Msg(
                    "'datasets' names {n} dataset(s); they were added as lines to"
                    " data_summary, "
                    "because data_sources needs each one's role and provenance.",
                    n=len(lines),
                ),
                "metadata.datasets",
            )
        self._model_index(b)
        for key, reason in m["not_mapped"].items():
            b.not_mapped(f"metadata.{key}", reason)
        known = {
            f"metadata.{k}"
            for k in (
                "license",
                "license_name",
                "license_link",
                "language",
                "datasets",
                "model-index",
                EXPORT_KEY,
                *m["not_mapped"],
            )
        }
        for key in b.entry:
            if key.startswith("metadata.") and key not in known and provided(b.entry[key]):
                b.note(
                    "",
                    NoteKind.NOT_MAPPED,
                    Msg(
                        "The front-matter key '{front_key}' has no place on our card; it was not"
                        " imported.",
                        front_key=key[9:],
                    ),
                    key,
                )
                b.used.add(key)

    def _model_index(self, b: RecordBuilder) -> None:
        index = b.raw("metadata.model-index")
        if not isinstance(index, list):
            return
        metrics = []
        skipped = 0
        for model in index:
            for result in (model.get("results") or []) if isinstance(model, Mapping) else []:
                for metric in (result.get("metrics") or []) if isinstance(result, Mapping) else []:
                    if not isinstance(metric, Mapping):
                        skipped += 1
                        continue
                    value = metric.get("value")
                    name = metric.get("type") or metric.get("name")
                    if not isinstance(value, int | float) or isinstance(value, bool) or not name:
                        skipped += 1
                        continue
                    item: dict[str, Any] = {"name": str(name)[:200], "value": float(value)}
                    label = metric.get("name")
                    if isinstance(label, str) and " — " in label:
                        item["group"] = label.split(" — ", 1)[1][:200]
                    metrics.append(item)
        if metrics:
            evaluation = dict(b.card.get("evaluation") or {})
            evaluation["metrics"] = metrics
            b.set("evaluation", evaluation)
            b.note(
                "evaluation.metrics",
                NoteKind.CONVERTED,
                Msg(
                    "'model-index' gave {n} metric(s); their intervals are not part of"
                    " model-index "
                    "and need a person.",
                    n=len(metrics),
                ),
                "metadata.model-index",
            )
        if skipped:
            b.note(
                "evaluation.metrics",
                NoteKind.NEEDS_PERSON,
                Msg(
                    "{skipped} metric(s) of 'model-index' have no numeric value; they were not "
                    "imported.",
                    skipped=skipped,
                ),
                "metadata.model-index",
            )

    # --- write ------------------------------------------------------------------------------
    def markdown(self, card: Mapping[str, Any], meta: ExportMeta) -> tuple[str, tuple[str, ...]]:
        m = self.mapping
        language = str(card.get("language") or "")
        front: dict[str, Any] = {}
        if language:
            front["language"] = [language]
        license_text = card.get("license")
        if isinstance(license_text, str) and re.fullmatch(r"[a-z0-9][a-z0-9.+-]*", license_text):
            front["license"] = license_text
        elif license_text:
            front["license"] = "other"
            front["license_name"] = license_text
        metrics = get_path(card, "evaluation.metrics") or []
        if metrics:
            front["model-index"] = [
                {
                    "name": card.get("name") or meta.public_id,
                    "results": [
                        {
                            "task": {
                                "type": "other",
                                "name": "Evaluation stated on the register card",
                            },
                            "dataset": {
                                "type": "other",
                                "name": str(
                                    get_path(card, "evaluation.data_reference") or "evaluation data"
                                ),
                            },
                            "metrics": [
                                {
                                    "type": x["name"],
                                    "value": x["value"],
                                    "name": x["name"]
                                    + (f" — {x['group']}" if x.get("group") else ""),
                                }
                                for x in metrics
                            ],
                        }
                    ],
                }
            ]
        missing = tuple(k for k in m["required"]["metadata"] if not provided(front.get(k)))
        front[EXPORT_KEY] = {
            "public_id": meta.public_id,
            "version": meta.version,
            "published_on": meta.published_on,
            "agency": meta.agency_name,
            "source_id": card.get("source_id"),
            "page": meta.page_url,
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
        out = [
            "---",
            yaml.safe_dump(front, allow_unicode=True, sort_keys=False).rstrip(),
            "---",
            "",
        ]
        out += [f"# Model Card for {card.get('name') or meta.public_id}", ""]
        out += ["## Model Details", "", "### Model Description", ""]
        if card.get("summary"):
            out += [str(card["summary"]), ""]
        details = [
            ("Responsible agency", meta.agency_name),
            ("Developed by", card.get("team")),
            ("Accountable role", card.get("accountable_role")),
        ]
        kind = get_path(card, "model_type.kind")
        if kind:
            learning = (
                m["learning"]["self_learning"]
                if get_path(card, "model_type.self_learning")
                else m["learning"]["not_self_learning"]
            )
            details.append(("Model type", f"{m['export']['model_type'][str(kind)]} ({learning})"))
        details += [
            ("Status", m["export"]["status"].get(str(card.get("status")))),
            ("In use from", card.get("in_use_from")),
            ("Language(s)", language or None),
            ("License", license_text),
            ("Repository", card.get("source_code_url")),
        ]
        out += [f"- **{label}:** {value}" for label, value in details if provided(value)]
        out.append("")

        def section(level: int, heading: str, text: Any) -> None:
            if provided(text):
                out.extend(["#" * level + " " + heading, "", str(text).strip(), ""])

        out += ["## Uses", ""]
        section(3, "Direct Use", card.get("purpose_and_impact"))
        uses = [u for u in card.get("out_of_scope_uses", []) if isinstance(u, Mapping)]
        section(
            3,
            "Out-of-Scope Use",
            "\n".join(
                f"- {u['use']}" + (f" — {u['reason']}" if u.get("reason") else "") for u in uses
            ),
        )
        section(2, "How It Works", card.get("how_it_works"))
        out += ["## Bias, Risks, and Limitations", ""]
        section(3, "Risks", "\n".join(_risk_bullet(r) for r in card.get("risks", [])))
        section(
            3,
            "Limitations",
            "\n".join(
                f"- {x['name']}" + (f": {x['description']}" if x.get("description") else "")
                for x in card.get("limitations", [])
            ),
        )
        section(3, "Human Oversight", card.get("human_oversight"))
        out += ["## Training Details", ""]
        section(3, "Training Data", get_path(card, "training.data_reference"))
        section(3, "Training Procedure", get_path(card, "training.method"))
        out += ["## Evaluation", ""]
        section(3, "Testing Data", get_path(card, "evaluation.data_reference"))
        section(3, "Metrics", get_path(card, "evaluation.method"))
        section(3, "Results", get_path(card, "evaluation.per_group_summary"))
        if meta.audits:
            lines = [
                f"- {a.title} ({a.published_on}): {a.verdict}. {a.headline}"
                + (f" {a.url}" if a.url else "")
                for a in meta.audits
            ]
            section(3, AUDITS_HEADING, "\n".join(lines))
        section(2, "Model Card Contact", contact_value(card))
        return "\n".join(out).rstrip() + "\n", missing

    def write(self, card: dict[str, Any], *, meta: ExportMeta) -> ExportResult:
        text, missing = self.markdown(card, meta)
        return ExportResult(
            content=text.encode("utf-8"),
            media_type="text/markdown; charset=utf-8",
            filename=f"{filename_part(meta.public_id)}-v{meta.version}.README.md",
            missing_required=missing,
        )

    def write_many(self, items: Sequence[tuple[dict[str, Any], ExportMeta]]) -> ExportResult:
        buffer = io.BytesIO()
        missing: list[str] = []
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for card, meta in items:
                text, gaps = self.markdown(card, meta)
                info = zipfile.ZipInfo(
                    f"{filename_part(meta.public_id)}/README.md", date_time=(2000, 1, 1, 0, 0, 0)
                )
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, text.encode("utf-8"))
                missing += [f"{meta.public_id}: {g}" for g in gaps]
        return ExportResult(
            content=buffer.getvalue(),
            media_type="application/zip",
            filename="register.model-cards.zip",
            missing_required=tuple(missing),
        )


def _risk_bullet(risk: Mapping[str, Any]) -> str:
    line = f"- {risk['name']}"
    if risk.get("description"):
        line += f": {risk['description']}"
    if risk.get("mitigation"):
        line += f" (mitigation: {risk['mitigation']})"
    return line
