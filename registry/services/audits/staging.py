"""A sample streamed to disk before its audit row exists: where it lives and what is known of it.

The HTTP layer (``registry.api.uploads``) fills a ``StagedUpload`` while streaming the request
body; the submission service moves the file to its final place or discards it. No database here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

STAGING_DIRNAME = ".staging"


@dataclass
class StagedUpload:
    """A file part streamed to disk, plus the form's text parts."""

    path: Path
    sha256: str
    size: int
    source_format: str  # "csv", "csv.gz" or "parquet", judged by content
    filename: str | None  # as the client named it; informational only
    fields: dict[str, str] = field(default_factory=dict)

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


def staging_dir(uploads_dir: Path) -> Path:
    path = uploads_dir / STAGING_DIRNAME
    path.mkdir(parents=True, exist_ok=True)
    return path
