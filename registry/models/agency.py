"""Agencies: the public bodies that register algorithms."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import sqlalchemy as sa
from pydantic import AfterValidator
from sqlmodel import Field, SQLModel

from registry import i18n
from registry.models.types import CheckedInput, UTCDateTime
from registry.spoofing import (
    normalise_name,
    normalise_text,
    refuse_bidi_controls,
    validate_email_address,
)

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class AgencyBase(SQLModel):
    slug: str = Field(
        max_length=64,
        schema_extra={"pattern": SLUG_PATTERN},
        description="Short stable id used in URLs: lower-case letters, digits and hyphens.",
    )
    name: str = Field(min_length=1, max_length=200, description="Official name of the public body.")
    name_translations: dict[str, str] = Field(
        default_factory=dict,
        description="Name in other languages, keyed by language tag (e.g. zh-CN).",
    )
    website: str | None = Field(default=None, max_length=500)
    contact_email: str | None = Field(
        default=None, max_length=254, schema_extra={"pattern": EMAIL_PATTERN}
    )


class Agency(AgencyBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=200)
    name_translations: dict[str, str] = Field(default_factory=dict, sa_type=sa.JSON)
    created_at: datetime = Field(sa_type=UTCDateTime)


# Input checks (registry.spoofing): an agency's name is NFKC-normalised and may not hold
# bidirectional controls or lookalike letters from a second script; the service then refuses a
# name that repeats or looks like an existing agency's. Output models keep plain types, so rows
# stored before these checks still read back.
AgencyName = Annotated[str, AfterValidator(normalise_name)]
TranslatedName = Annotated[str, AfterValidator(normalise_text)]
WebAddress = Annotated[str, AfterValidator(refuse_bidi_controls)]
EmailAddress = Annotated[str, AfterValidator(validate_email_address)]
PersonName = Annotated[str, AfterValidator(refuse_bidi_controls)]  # an account's display name


class AgencyCreate(AgencyBase, CheckedInput):
    name: AgencyName = Field(
        min_length=1, max_length=200, description="Official name of the public body."
    )
    name_translations: dict[str, TranslatedName] = Field(
        default_factory=dict,
        description="Name in other languages, keyed by language tag (e.g. zh-CN).",
    )
    website: WebAddress | None = Field(default=None, max_length=500)
    contact_email: EmailAddress | None = Field(default=None, max_length=254)


class AgencyUpdate(CheckedInput):
    name: AgencyName | None = Field(default=None, min_length=1, max_length=200)
    name_translations: dict[str, TranslatedName] | None = None
    website: WebAddress | None = Field(default=None, max_length=500)
    contact_email: EmailAddress | None = Field(default=None, max_length=254)


class AgencyPublic(AgencyBase):
    created_at: datetime


def agency_name(agency: AgencyBase, lang: str) -> str:
    """The agency's name for a reader of ``lang``: never empty, never "None".

    ``name`` is in the agency's own language, which may be either interface language;
    ``name_translations`` holds the others, keyed by language tag. So the name in the requested
    language is its translation if there is one, else ``name`` (which is then either in the
    requested language or in the other one); a blank ``name`` falls back to any translation, and
    the slug is the last resort. Tags are compared after ``i18n.normalise`` (``zh``, ``zh-cn``).
    """
    wanted = i18n.normalise(lang) or i18n.DEFAULT_LANGUAGE
    translations: dict[str, str] = {}
    for tag, text in (agency.name_translations or {}).items():
        key = i18n.normalise(tag)
        if key and isinstance(text, str) and text.strip():
            translations.setdefault(key, text.strip())
    if wanted in translations:
        return translations[wanted]
    if agency.name and agency.name.strip():
        return agency.name.strip()
    for other in i18n.SUPPORTED_LANGUAGES:
        if other in translations:
            return translations[other]
    return agency.slug


def _script_language(text: str) -> str:
    """The interface language a name is written in, by its script: Han characters mean Chinese."""
    han = any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text)
    return "zh-CN" if han else "en"


def agency_name_lang(agency: AgencyBase, lang: str) -> str | None:
    """The language of :func:`agency_name`'s answer when it is not ``lang``, else None.

    A name shown in its original language (the agency gave none in the reader's) is marked with
    this tag (``lang="zh-CN"``) so screen readers pronounce it right. ``name`` carries no language
    of its own: a translation's key names the others, and ``name`` is the interface language that
    has no translation (by its script when there is none at all).
    """
    wanted = i18n.normalise(lang) or i18n.DEFAULT_LANGUAGE
    translations = {
        i18n.normalise(tag): text
        for tag, text in (agency.name_translations or {}).items()
        if isinstance(text, str) and text.strip()
    }
    if wanted in translations:
        return None
    if agency.name and agency.name.strip():
        untranslated = [t for t in i18n.SUPPORTED_LANGUAGES if t not in translations]
        shown = untranslated[0] if len(untranslated) == 1 else _script_language(agency.name)
    else:
        shown = next((t for t in i18n.SUPPORTED_LANGUAGES if t in translations), wanted)
    return None if shown == wanted else shown
