from __future__ import annotations

import pytest

from tests.interop.fake_format import FAKE_ID, FakeFormat


@pytest.fixture(autouse=True)
def fake_format(monkeypatch: pytest.MonkeyPatch) -> FakeFormat:
    """The fake format registered beside the real ones for the test."""
    from registry.formats import FORMATS

    fmt = FakeFormat()
    monkeypatch.setitem(FORMATS, FAKE_ID, fmt)
    return fmt
