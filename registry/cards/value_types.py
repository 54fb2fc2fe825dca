"""Annotated value types used by the card models: trimmed text, month, URL, mailbox, language tag.

Every text value is first checked against the character rule (``find_forbidden_character``), then
trimmed. An optional text that is empty or whitespace only becomes ``None`` (so it counts as not
provided); a required one is rejected with ``ERR_BLANK``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, StringConstraints
from pydantic_core import PydanticCustomError

from registry.spoofing import refuse_bidi_controls

ERR_BLANK = "must not be empty or whitespace only"
ERR_YEAR_MONTH = "expected a month as YYYY-MM, for example 2024-03"
ERR_URL = "expected an absolute http(s) URL, for example https://agency.example/page"
ERR_EMAIL = "expected an email address such as algorithms@agency.example"
ERR_LANGUAGE = "expected a BCP-47 language tag such as en, zh-CN or zh-Hans-CN"
ERR_SLUG = "expected lower-case letters, digits, '.', '_' or '-', starting with a letter or digit"

ERR_FORBIDDEN_CHARACTER = (
    "must not contain control characters or non-characters (found {found}); "
    "tab, line feed and carriage return are allowed"
)

# The character rule for every text the register accepts. Refused: the C0 controls except tab, line
# feed and carriage return; DEL and the C1 controls (U+007F-U+009F); lone surrogates; U+FFFE and
# U+FFFF. XML 1.0 cannot carry the C0 controls, the surrogates and U+FFFE/U+FFFF at all (so one such
# character would make the Atom feeds ill-formed), PostgreSQL text cannot hold NUL, and none of them
# belongs in a name, a URL or a sentence. Extend this pattern (and its tests) to refuse more.
FORBIDDEN_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class ForbiddenCharacter:
    """The first character of a text that the character rule refuses, and where it is."""

    char: str
    index: int

    def describe(self) -> str:
        return f"U+{ord(self.char):04X} at position {self.index + 1}"  # counted from 1 for people


def find_forbidden_character(text: str) -> ForbiddenCharacter | None:
    """The first character of ``text`` that no text on the register may hold, or ``None``."""
    match = FORBIDDEN_CHARACTERS.search(text)
    return ForbiddenCharacter(match.group(), match.start()) if match else None


def refuse_forbidden_characters(value: Any) -> Any:
    """Validator: a text holding a forbidden character is an error naming the code point."""
    if isinstance(value, str) and (found := find_forbidden_character(value)) is not None:
        raise PydanticCustomError(
            "forbidden_character", ERR_FORBIDDEN_CHARACTER, {"found": found.describe()}
        )
    return value


def forbidden_characters_in(
    value: Any, path: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], ForbiddenCharacter]]:
    """Every forbidden character in a JSON-like value (keys included), with the path to its text."""
    if isinstance(value, str):
        if (found := find_forbidden_character(value)) is not None:
            yield path, found
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from forbidden_characters_in(key, path)
            yield from forbidden_characters_in(item, (*path, str(key)))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from forbidden_characters_in(item, (*path, index))


#: Text checked against the character rule (and nothing else): for models outside the card.
CheckedText = Annotated[str, BeforeValidator(refuse_forbidden_characters)]

_YEAR_MONTH = re.compile(r"^(19|20|21)\d{2}-(0[1-9]|1[0-2])$")
_URL = re.compile(r"^https?://[^\s/?#@]+\.[^\s/?#@]+(:\d{1,5})?([/?#]\S*)?$", re.IGNORECASE)
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)
_LANGUAGE = re.compile(r"^([a-z]{2,3})(-[a-z]{4})?(-([a-z]{2}|\d{3}))?$", re.IGNORECASE)
_SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


def _trim_or_none(value: Any) -> Any:
    if isinstance(value, str):
        value = refuse_forbidden_characters(value).strip()
        return value or None
    return value


def _trim_required(value: Any) -> Any:
    if isinstance(value, str):
        value = refuse_forbidden_characters(value).strip()
        if not value:
            raise PydanticCustomError("blank", ERR_BLANK)
    return value


def _check(pattern: re.Pattern[str], kind: str, message: str):
    def check(value: str) -> str:
        if not pattern.match(value):
            raise PydanticCustomError(kind, message)
        return value

    return check


def _normalise_language(value: str) -> str:
    match = _LANGUAGE.match(value)
    if not match:
        raise PydanticCustomError("language_tag", ERR_LANGUAGE)
    lang, script, region = match.group(1), match.group(2), match.group(3)
    tag = lang.lower()
    if script:
        tag += "-" + script[1:].capitalize()
    if region:
        tag += "-" + region[1:].upper()
    return tag


_TRIM = BeforeValidator(_trim_or_none)
# Names and URLs may hold no bidirectional override or isolate (see registry.spoofing).
_NO_BIDI = AfterValidator(refuse_bidi_controls)


def _max(length: int) -> StringConstraints:
    return StringConstraints(max_length=length)


# Optional text of a few sizes. Blank input becomes None (not provided).
NameText = Annotated[Annotated[str, _max(100), _NO_BIDI] | None, _TRIM]
SummaryText = Annotated[Annotated[str, _max(400)] | None, _TRIM]
ShortText = Annotated[Annotated[str, _max(200)] | None, _TRIM]
MediumText = Annotated[Annotated[str, _max(1000)] | None, _TRIM]
LongText = Annotated[Annotated[str, _max(4000)] | None, _TRIM]

# Text that must be present inside a list item (an item is meaningless without it).
ItemText = Annotated[
    str, BeforeValidator(_trim_required), StringConstraints(min_length=1, max_length=200)
]
# The name of a list item (a supplier, a data source, a risk): ItemText without bidi controls.
ItemName = Annotated[ItemText, _NO_BIDI]
ItemLongText = Annotated[
    str, BeforeValidator(_trim_required), StringConstraints(min_length=1, max_length=2000)
]

YearMonth = Annotated[
    Annotated[str, _max(7), AfterValidator(_check(_YEAR_MONTH, "year_month", ERR_YEAR_MONTH))]
    | None,
    _TRIM,
]
Url = Annotated[
    Annotated[str, _max(2000), _NO_BIDI, AfterValidator(_check(_URL, "url", ERR_URL))] | None,
    _TRIM,
]
Email = Annotated[
    Annotated[str, _max(254), _NO_BIDI, AfterValidator(_check(_EMAIL, "email", ERR_EMAIL))] | None,
    _TRIM,
]
LanguageTag = Annotated[
    str, BeforeValidator(_trim_required), _max(35), AfterValidator(_normalise_language)
]
OptionalLanguageTag = Annotated[LanguageTag | None, _TRIM]
Slug = Annotated[
    Annotated[str, _max(100), AfterValidator(_check(_SLUG, "slug", ERR_SLUG))] | None,
    _TRIM,
]
