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
