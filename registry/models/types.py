"""Column types shared by the tables (UTC-aware timestamps on every backend), the clock's now, and
``CheckedInput``, the base of the API input models that holds them to the character rule."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar

import sqlalchemy as sa
from pydantic import field_validator
from pydantic_core import PydanticCustomError
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel

from registry.cards.value_types import ERR_FORBIDDEN_CHARACTER, forbidden_characters_in

ERR_NAIVE_DATETIME = "timestamps must be timezone-aware; got a naive datetime"


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware.

    PostgreSQL keeps ``timestamptz``; SQLite has no zone type, so values are stored as naive UTC and
    the zone is re-attached on the way out.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(ERR_NAIVE_DATETIME)
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class StrEnumColumn(TypeDecorator[StrEnum]):
    """A ``StrEnum`` stored as its plain string value (no database enum type to migrate)."""

    impl = sa.String(20)
    cache_ok = True

    def __init__(self, enum: type[StrEnum], length: int = 20) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> StrEnum | None:
        return None if value is None else self.enum(value)


class CheckedInput(SQLModel):
    """Base of the API input models: no text in them (in lists and maps too, keys included) may
    hold a character the rule of ``registry.cards.value_types.find_forbidden_character`` refuses.

    The error names the field; for a text inside a list or map the message adds where.
    ``CHECKED_ELSEWHERE`` lists fields validated on their own (a model card reports each problem
    at its exact path, see ``registry.cards.validation``).
    """

    CHECKED_ELSEWHERE: ClassVar[tuple[str, ...]] = ()

    @field_validator("*", mode="before")
    @classmethod
    def _refuse_forbidden_characters(cls, value: Any, info: Any) -> Any:
        if info.field_name in cls.CHECKED_ELSEWHERE:
            return value
        for path, found in forbidden_characters_in(value):
            where = found.describe() + (f" in {'.'.join(map(str, path))}" if path else "")
            raise PydanticCustomError(
                "forbidden_character", ERR_FORBIDDEN_CHARACTER, {"found": where}
            )
        return value
