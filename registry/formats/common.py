"""Field readers and writers several formats share: contact, months, model type, assessments."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from registry.formats._base import Msg, NoteKind
from registry.formats._reading import RecordBuilder, _norm
from registry.formats._writing import get_path

_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_URL = re.compile(r"^(https?://\S+|www\.\S+)$", re.IGNORECASE)
_MONTH_FORMS = (
    (re.compile(r"^(\d{4})-(\d{1,2})$"), (1, 2)),
    (re.compile(r"^(\d{4})-(\d{1,2})-\d{1,2}(T.*)?$"), (1, 2)),
    (re.compile(r"^(\d{1,2})[-/](\d{4})$"), (2, 1)),
    (re.compile(r"^\d{1,2}[-/.](\d{1,2})[-/.](\d{4})$"), (2, 1)),
    (re.compile(r"^(\d{4})/(\d{1,2})$"), (1, 2)),
)


def split_contact(b: RecordBuilder, key: str, *, required: bool) -> None:
    """A contact value into contact.email, or contact.form_url when it is a web address."""
    text = b.clean(key, b.raw(key), "contact.email")
    if text is None:
        b.empty(key, "contact.email", required=required)
        return
    if text.lower().startswith("mailto:"):
        text = text[7:].strip()
        b.note(
            "contact.email",
            NoteKind.CONVERTED,
            Msg("The 'mailto:' prefix of '{key}' was removed.", key=key),
            key,
        )
    if _EMAIL.fullmatch(text):
        b.set("contact.email", text)
        b.note(
            "contact.email",
            NoteKind.MAPPED,
            Msg("'{key}' was copied into contact.email.", key=key),
            key,
        )
        return
    if _URL.match(text):
        url = text if text.lower().startswith("http") else "https://" + text
        b.set("contact.form_url", url)
        b.note(
            "contact.form_url",
            NoteKind.CONVERTED,
            Msg(
                "'{key}' holds a web address, not an e-mail address; it was moved to "
                "contact.form_url and contact.email was left empty.",
                key=key,
            ),
            key,
        )
        return
    found = _EMAIL.findall(text)
    if found:
        b.set("contact.email", found[0])
        b.note(
            "contact.email",
            NoteKind.NEEDS_PERSON,
            Msg(
                "'{key}' holds more than an e-mail address ('{text}'); the address {address}"
                " was "
                "copied into contact.email and the rest must be checked by a person.",
                key=key,
                text=text,
                address=found[0],
            ),
            key,
        )
        return
    b.note(
        "contact.email",
        NoteKind.NEEDS_PERSON,
        Msg(
            "'{key}' = '{text}' is neither an e-mail address nor a web address; contact was "
            "left empty for a person to fill.",
            key=key,
            text=text,
        ),
        key,
    )


def contact_value(card: Mapping[str, Any]) -> str | None:
    """The card's contact as one value: the mailbox, else the web form."""
    email = get_path(card, "contact.email")
    form = get_path(card, "contact.form_url")
    return str(email or form) if (email or form) else None


def month_of(b: RecordBuilder, key: str, field: str) -> None:
    """A date-ish source value as YYYY-MM; a year alone is not made into a month."""
    text = b.clean(key, b.raw(key), field)
    if text is None:
        b.empty(key, field, required=False)
        return
    for pattern, (y, mo) in _MONTH_FORMS:
        match = pattern.match(text)
        if match:
            year, month = int(match.group(y)), int(match.group(mo))
            if 1 <= month <= 12 and 1900 <= year <= 2199:
                value = f"{year:04d}-{month:02d}"
                b.set(field, value)
                kind = NoteKind.MAPPED if value == text else NoteKind.CONVERTED
                b.note(
                    field,
                    kind,
                    Msg(
                        "'{key}' = '{text}' was read as {field} = {value}.",
                        key=key,
                        text=text,
                        field=field,
                        value=value,
                    ),
                    key,
                )
                return
    b.note(
        field,
        NoteKind.NEEDS_PERSON,
        Msg(
            "'{key}' = '{text}' is not a month (YYYY-MM); {field} was left empty for a person"
            " to fill (a year alone is not turned into a month).",
            key=key,
            text=text,
            field=field,
        ),
        key,
    )


def impact_kind(title: str, table: Mapping[str, str]) -> str:
    """Our impact assessment kind for an assessment's title (a word of the title), else other."""
    lowered = title.lower()
    for word, kind in table.items():
        if word.lower() in lowered:
            return kind
    return "other"


def parse_model_type_line(
    text: str, mapping: Mapping[str, Any]
) -> tuple[str, dict[str, Any]] | None:
    """The model type line a writer added at the end of a text: (text without it, model_type)."""
    lines = text.rstrip().splitlines()
    if not lines:
        return None
    last = lines[-1].strip()
    for lang, template in mapping["model_type_line"].items():
        words = mapping["model_type_words"][lang]
        kinds = {v: k for k, v in words.items() if k not in ("self_learning", "not_self_learning")}
        pattern = (
            re.escape(template)
            .replace(r"\{kind\}", "(?P<kind>.+?)")
            .replace(r"\{learning\}", "(?P<learning>.+?)")
        )
        match = re.fullmatch(pattern, last)
        if match and match.group("kind") in kinds:
            learning = match.group("learning")
            if learning not in (words["self_learning"], words["not_self_learning"]):
                continue
            rest = "\n".join(lines[:-1]).rstrip()
            return rest, {
                "kind": kinds[match.group("kind")],
                "self_learning": learning == words["self_learning"],
            }
    return None


def model_type_from_words(value: str, table: Mapping[str, Any]) -> dict[str, Any] | None:
    """A type variant ('Rule based', 'Regelgebaseerd', 'Zelflerend') as our model_type."""
    found = {_norm(k): v for k, v in table.items()}.get(_norm(value))
    if not isinstance(found, Mapping):
        return None
    return {"kind": found["kind"], "self_learning": bool(found["self_learning"])}


def risks_from_text(b: RecordBuilder, key: str, *, label: str) -> None:
    """A free-text risk field as risk items: one per ``name: description`` line, else one item.

    ``label`` names the single item when the text cannot be split (the source field's own label,
    in the record's language).
    """
    text = b.clean(key, b.raw(key), "risks", allow_html=True)
    if text is None:
        b.empty(key, "risks", required=False)
        return
    lines = [line.removeprefix("- ").strip() for line in text.splitlines() if line.strip()]
    items: list[dict[str, str] | None] = []
    for line in lines:
        name, _, rest = line.partition(": ")
        mitigation = None
        if rest.endswith(")") and " (" in rest:
            rest, _, mitigation = rest[:-1].rpartition(" (")
        ok = rest and len(name) <= 60 and len(rest) <= 1000 and len(mitigation or "") <= 1000
        item = {"name": name, "description": rest} if ok else None
        if item is not None and mitigation:
            item["mitigation"] = mitigation
        items.append(item)
    if items and all(items):
        b.set("risks", items)
        b.note(
            "risks",
            NoteKind.CONVERTED,
            Msg(
                "'{key}' was split into {n} risk items, one per 'name: description' line; a "
                "person should check each mitigation.",
                key=key,
                n=len(items),
            ),
            key,
        )
    elif len(text) <= 1000:
        b.set("risks", [{"name": label, "description": text}])
        b.note(
            "risks",
            NoteKind.CONVERTED,
            Msg(
                "The free text of '{key}' became one risk item named '{label}' in risks; a"
                " person"
                " should split it into named risks with their mitigations.",
                key=key,
                label=label,
            ),
            key,
        )
    else:
        b.note(
            "risks",
            NoteKind.NEEDS_PERSON,
            Msg(
                "The free text of '{key}' ({n} characters) is longer than a risk description"
                " may "
                "be (1000); risks was left empty for a person to split.",
                key=key,
                n=len(text),
            ),
            key,
        )


def policy_areas_from(
    b: RecordBuilder, key: str, table: Mapping[str, str], canonical: Mapping[str, str]
) -> None:
    """Themes (a list, or one text separated by commas) as our policy areas; unknown ones noted."""
    raw = b.raw(key)
    if isinstance(raw, str):
        raw = [part for part in re.split(r"[,;\n]", raw) if part.strip()]
    values = raw if isinstance(raw, list) else ([raw] if raw not in (None, "") else [])
    lookup = {_norm(k): v for k, v in table.items()}
    areas: list[str] = []
    for value in values:
        text = b.clean(key, value, "policy_areas")
        if text is None:
            continue
        area = lookup.get(_norm(text))
        if area is None:
            b.note(
                "policy_areas",
                NoteKind.NOT_MAPPED,
                Msg(
                    "The theme '{text}' of '{key}' has no equivalent in our policy areas; it"
                    " was not "
                    "imported.",
                    text=text,
                    key=key,
                ),
                key,
            )
            continue
        kind = NoteKind.MAPPED if canonical.get(area) == text else NoteKind.CONVERTED
        b.note(
            "policy_areas",
            kind,
            Msg("The theme '{text}' of '{key}' was read as {area}.", text=text, key=key, area=area),
            key,
        )
        if area not in areas:
            areas.append(area)
    if areas:
        b.set("policy_areas", areas)
    elif not values:
        b.empty(key, "policy_areas", required=False)


def suppliers_from_names(b: RecordBuilder, key: str, in_house_words: list[str]) -> None:
    """A provider text (names separated by ';' or lines) as suppliers, in-house recognised."""
    text = b.clean(key, b.raw(key), "suppliers")
    if text is None:
        b.empty(key, "suppliers", required=False)
        return
    in_house = {w.lower() for w in in_house_words}
    names = [part.strip() for part in re.split(r";|\n", text) if part.strip()]
    suppliers = [{"name": name[:200], "in_house": name.lower() in in_house} for name in names]
    b.set("suppliers", suppliers)
    b.note(
        "suppliers",
        NoteKind.CONVERTED,
        Msg(
            "'{key}' became {n} supplier(s) by name; role, procurement and data access need a"
            " person.",
            key=key,
            n=len(suppliers),
        ),
        key,
    )


YES = {"ja", "yes", "true", "1", "y", "j", "uitgevoerd", "done"}
NO = {"nee", "no", "false", "0", "n", "niet uitgevoerd", "not done"}


def yes_no(value: Any) -> bool | None:
    """A yes/no answer in Dutch or English (or a boolean), or None when it is neither."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value) if value in (0, 1) else None
    if isinstance(value, str):
        word = value.strip().lower().rstrip(".")
        if word in YES:
            return True
        if word in NO:
            return False
    return None
