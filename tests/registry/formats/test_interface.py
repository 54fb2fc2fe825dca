"""The package's contract: every format is registered, pure, and states its version."""

from __future__ import annotations

import pytest

from registry.formats import FORMATS, Format, FormatError


def test_every_format_follows_the_protocol() -> None:
    assert FORMATS
    for format_id, fmt in FORMATS.items():
        assert isinstance(fmt, Format)
        assert fmt.id == format_id
        assert fmt.standard_version
        assert fmt.can_read or fmt.can_write


@pytest.mark.parametrize("data", [b"", b"{not json", b"42"])
def test_an_unreadable_file_raises_format_error(data: bytes) -> None:
    for fmt in FORMATS.values():
        if fmt.can_read and fmt.media_type == "application/json":
            with pytest.raises(FormatError):
                fmt.read(data)


def test_docs_hold_the_mapping_tables_generated_from_the_mapping_files() -> None:
    from pathlib import Path

    from registry.formats.mapping_tables import all_tables

    doc = (Path(__file__).resolve().parents[3] / "docs" / "interop.md").read_text("utf-8")
    for format_id, table in all_tables().items():
        assert f"`{format_id}`" in doc
        assert table in doc, f"docs/interop.md is out of date for {format_id}"
