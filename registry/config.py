"""Settings, read from ``REGISTRY_*`` environment variables through one cached ``get_settings()``.

Nothing is built at import time: ``create_app(settings)`` and the CLI take a ``Settings`` so that
tests can pass their own.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from registry.working_days import WorkingCalendar

PLACEHOLDER_SECRETS = frozenset({"", "change-me", "changeme", "secret", "dev", "development"})
ERR_RATE_LIMIT = "'{value}' is not a rate limit; write it as COUNT/PERIOD, e.g. 5/15 minutes"
ERR_PLACEHOLDER_SECRET = (
    "REGISTRY_SECRET_KEY is unset or a placeholder; set a long random value when "
    "REGISTRY_ENVIRONMENT is not 'development'"
)

LOCAL_BASE_URL = "http://127.0.0.1:8000"  # `registry serve`'s default address


class Settings(BaseSettings):
    """Every setting of the registry. Each one is read from ``REGISTRY_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore")

    environment: Literal["development", "test", "production"] = Field(
        "development",
        description="development relaxes the secret-key check; production enforces it.",
    )
    data_dir: Path = Field(
        Path("data"),
        description="Folder for the SQLite file, uploads and exports; created on first run.",
    )
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL. Default: sqlite:///<data_dir>/registry.db. "
        "PostgreSQL: postgresql+psycopg://user@host:5432/dbname",
    )
    secret_key: str = Field(
        "change-me", description="Secret for signing; refused if a placeholder outside development."
    )
    four_eyes: bool = Field(
        True, description="The account that publishes a draft must not be its last editor."
    )
    max_upload_mb: int = Field(
        2048, ge=1, description="Largest accepted audit upload, in MiB (413 beyond)."
    )
    max_json_kb: int = Field(
        1024,
        ge=1,
        description="Largest accepted JSON request body, in KiB (413 beyond); checked while "
        "the body arrives, before it is parsed.",
    )
    keep_samples: bool = Field(
        False, description="Keep raw uploaded samples after a successful audit."
    )
    log_key_file: Path | None = Field(
        None,
        description="The transparency log's Ed25519 signer key (docs/verification.md), kept "
        "outside the database; `registry log keygen` writes it (0600). Default: "
        "<data_dir>/transparency/log.key; the public keys, old ones kept, sit next to it in "
        "log.pub. Without a key the log still grows; checkpoints wait for one.",
    )
    log_origin: str = Field(
        "algorithm-registry/log",
        min_length=1,
        max_length=200,
        pattern=r"^[^\s+]+$",
        description="The checkpoint's origin line: the log's name, unique to this register "
        "(no spaces or '+'), such as its host name followed by /log.",
    )
    log_checkpoint_seconds: int = Field(
        0,
        ge=0,
        description="0: a signed checkpoint on every publication; N: at most one every N "
        "seconds (the latest checkpoint can then be up to N seconds behind the log).",
    )
    small_cell_k: int = Field(
        10, ge=1, description="Public outputs show counts below k as 'fewer than k'."
    )
    base_url: str | None = Field(
        None,
        description="Public base URL (scheme and host), used in feeds, the sitemap and next_url "
        "links; unset: each request's own scheme and host.",
    )
    audit_workers: int = Field(
        1, ge=0, description="In-process audit worker threads (0: none, run `registry worker`)."
    )
    audit_timeout_s: float = Field(
        900,
        ge=0,
        description="Wall-time budget of one audit, in seconds; an audit still running then is "
        "stopped and fails (0: no limit).",
    )
    audit_memory_mb: int = Field(
        4096,
        ge=0,
        description="Memory budget of one audit's process (its address space), in MiB; an audit "
        "that needs more fails (0: no limit).",
    )
    audit_small_mb: int = Field(
        16,
        ge=0,
        description="Samples up to this size (and reruns) also have a worker of their own, so a "
        "large audit never holds the only worker (0: no such worker).",
    )
    page_size: int = Field(20, ge=1, le=500, description="Default page size for lists.")
    page_cache_size: int = Field(
        4096,
        ge=0,
        description="Rendered public pages cached per process until the register changes (0: off).",
    )
    # What public pages tell shared caches (docs/pages.md, "Caching"): fresh for max-age, then
    # served stale while one request revalidates, and served stale while the app answers errors.
    page_max_age: int = Field(
        300,
        ge=0,
        description="Seconds a shared cache may serve a public page without asking again.",
    )
    page_stale_while_revalidate: int = Field(
        300,
        ge=0,
        description="Seconds past max-age a cache may serve a page while it revalidates it.",
    )
    page_stale_if_error: int = Field(
        86400,
        ge=0,
        description="Seconds past max-age a cache may serve a page while the app answers errors "
        "or is down.",
    )
    threadpool_size: int = Field(
        8,
        ge=1,
        le=400,
        description="Threads per app process for request handlers (database calls).",
    )
    # Staff console: sessions, invitations and rate limits (docs/console.md, docs/security.md).
    session_idle_minutes: int = Field(
        30, ge=1, le=24 * 60, description="A console session ends after this long unused."
    )
    session_absolute_hours: int = Field(
        12, ge=1, le=24 * 30, description="A console session ends this long after sign-in."
    )
    invitation_hours: int = Field(
        72, ge=1, le=24 * 30, description="How long a set-password (invitation) link is valid."
    )
    rate_limit_storage_url: str = Field(
        "memory://",
        description="Where rate-limit counters live: memory:// (per process) or redis://host:6379.",
    )
    sign_in_limit_per_account: str = Field(
        "5/15 minutes", description="Failed sign-ins allowed per email address."
    )
    sign_in_limit_per_address: str = Field(
        "20/15 minutes", description="Failed sign-ins allowed per client address."
    )
    write_limit_per_address: str = Field(
        "120/minute", description="API writes (POST, PUT, PATCH, DELETE) per client address."
    )
    write_limit_per_account: str = Field(
        "60/minute", description="API writes per account (the token's owner)."
    )
    # Citizen participation (docs/participation.md).
    participation_limit_per_address: str = Field(
        "5/hour", description="Public submissions (questions, concerns) per client address."
    )
    participation_limit_per_algorithm: str = Field(
        "60/hour", description="Public submissions per algorithm, from all addresses together."
    )
    participation_duplicate_hours: int = Field(
        72,
        ge=0,
        description="The same text about the same algorithm within this many hours is refused "
        "as a duplicate (0: no check).",
    )
    participation_contact_days: int = Field(
        180,
        ge=1,
        le=3650,
        description="Contact addresses of submitters are deleted this many days after receipt.",
    )

    response_target_days: int = Field(
        20,
        ge=1,
        le=365,
        description="Working days an agency has to answer a question or concern from the public "
        "(the day of receipt does not count).",
    )
    holiday_calendar: str = Field(
        "",
        description="Public holidays that stop the response clock: a python-holidays country code "
        "such as CN, NL or GB-ENG (country-subdivision); empty: weekends only.",
    )
    extra_holidays: str = Field(
        "",
        description="Further days the clock stops (YYYY-MM-DD, comma-separated), e.g. a closure "
        "the calendar does not know yet.",
    )
    extra_working_days: str = Field(
        "",
        description="Weekend or holiday dates that count as working days (YYYY-MM-DD, "
        "comma-separated).",
    )

    @field_validator("holiday_calendar")
    @classmethod
    def _holiday_calendar(cls, value: str) -> str:
        from registry.working_days import parse_calendar

        parse_calendar(value, "REGISTRY_HOLIDAY_CALENDAR")
        return value.strip()

    @field_validator("extra_holidays", "extra_working_days")
    @classmethod
    def _date_list(cls, value: str, info: ValidationInfo) -> str:
        from registry.working_days import parse_dates

        parse_dates(value, f"REGISTRY_{(info.field_name or '').upper()}")
        return value

    @field_validator(
        "participation_limit_per_address",
        "participation_limit_per_algorithm",
        "sign_in_limit_per_account",
        "sign_in_limit_per_address",
        "write_limit_per_address",
        "write_limit_per_account",
    )
    @classmethod
    def _rate_limit_string(cls, value: str) -> str:
        from limits import parse

        try:
            parse(value)
        except ValueError:
            raise ValueError(ERR_RATE_LIMIT.format(value=value)) from None
        return value

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> Settings:
        if (
            self.environment != "development"
            and self.secret_key.strip().lower() in PLACEHOLDER_SECRETS
        ):
            raise ValueError(ERR_PLACEHOLDER_SECRET)
        return self

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'registry.db').resolve()}"

    @property
    def working_calendar(self) -> WorkingCalendar:
        """The agency's working days for response targets (docs/participation.md)."""
        from registry.working_days import WorkingCalendar, parse_calendar, parse_dates

        country, subdivision = parse_calendar(self.holiday_calendar)
        return WorkingCalendar(
            country,
            subdivision,
            extra_holidays=parse_dates(self.extra_holidays, "REGISTRY_EXTRA_HOLIDAYS"),
            extra_working_days=parse_dates(self.extra_working_days, "REGISTRY_EXTRA_WORKING_DAYS"),
        )

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"

    @property
    def resolved_log_key_file(self) -> Path:
        return self.log_key_file or self.data_dir / "transparency" / "log.key"

    def public_base_url(self, request_base: str | None = None) -> str:
        """The public base URL, no trailing slash: ``base_url``, else the request's own (feeds and
        links then follow the host a reader used), else the local server's default address."""
        return (self.base_url or request_base or LOCAL_BASE_URL).rstrip("/")

    def ensure_dirs(self) -> None:
        """Create the data and upload folders if they are missing."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.uploads_dir.mkdir(parents=True, exist_ok=True)


@lru_cache
def get_settings() -> Settings:
    return Settings()
