"""Tables that stack on phones (docs/pages.md, "Phones"): every data cell of a ``table.stack`` is
labelled with its own column's heading, and each row has at most one ``key`` (result) cell, on
every public page type in both languages. A new table that forgets a label fails here."""

from __future__ import annotations

import pytest

from tests.pages.conftest import parse

pytestmark = pytest.mark.db


def _paths(world) -> list[str]:  # type: ignore[no-untyped-def]
    public_id = world.main.public_id
    return [
        f"/algorithms/{public_id}",
        f"/algorithms/{public_id}/versions",
        f"/algorithms/{public_id}/diff?from=1&to=3",
        f"/audits/{world.audit_id}",
        f"/agencies/{world.agency_slug}",
        "/methods",
        "/about",
        "/audits",
        "/compare/agencies",
    ]


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_every_cell_of_a_stacked_table_carries_its_column_heading(client, world, lang):  # type: ignore[no-untyped-def]
    stacked = 0
    for path in _paths(world):
        sep = "&" if "?" in path else "?"
        soup = parse(client.get(f"{path}{sep}lang={lang}"))
        for table in soup.select("table.stack"):
            stacked += 1
            headings = [th.get_text(strip=True) for th in table.select("thead th")]
            assert headings, path
            for row in table.select("tbody tr"):
                column = 0
                assert row.select_one("th[scope=row]") is not None, path
                assert len(row.select(".key")) <= 1, path
                for cell in row.find_all(["th", "td"], recursive=False):
                    if cell.name == "td":
                        assert cell.get("data-label") == headings[column], (path, cell)
                    column += int(cell.get("colspan", 1))
                assert column == len(headings), path
    assert stacked >= 6
