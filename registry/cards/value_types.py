"""Annotated value types used by the card models: trimmed text, month, URL, mailbox, language tag.

Every text value is trimmed. An optional text that is empty or whitespace only becomes ``None``
(so it counts as not provided); a required one is rejected with ``ERR_BLANK``.
"""

from __future__ import annotations

import re
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
        value = value.strip()
        return value or None
    return value


def _trim_required(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
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
    Annotated[str, AfterValidator(_check(_YEAR_MONTH, "year_month", ERR_YEAR_MONTH))] | None,
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
LanguageTag = Annotated[str, BeforeValidator(_trim_required), AfterValidator(_normalise_language)]
OptionalLanguageTag = Annotated[LanguageTag | None, _TRIM]
Slug = Annotated[
    Annotated[str, _max(100), AfterValidator(_check(_SLUG, "slug", ERR_SLUG))] | None,
    _TRIM,
]
