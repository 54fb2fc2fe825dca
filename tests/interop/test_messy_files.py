"""The import service on the formats' messy files (30+ records each, every mess of issue 14):
every record gets an outcome, what is created is whole (algorithm, draft, event), and a rerun
creates nothing."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from registry.models import Algorithm, CardDraft, Event, Role
from registry.services.records_import import import_records
from tests.registry.factories import T0, make_account
from tests.registry.formats.helpers import messy_bytes

pytestmark = pytest.mark.db

FORMATS = ["nl_algoritmeregister", "nl_register_export", "uk_atrs", "hf_model_card"]


def _count(session, model, *where) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(model).where(*where)).one()


@pytest.mark.parametrize("format_id", FORMATS)
def test_a_messy_file_imports_whole_records_only_and_reruns_create_nothing(session, format_id):
    from registry.formats import FORMATS as ALL

    data = messy_bytes(format_id)
    if format_id == "uk_atrs" and data[:1] != b"{" and data[:1] != b"[":
        format_id = "uk_atrs_csv"  # the messy ATRS file is the CSV layout
    assert format_id in ALL
    admin = make_account(session, role=Role.admin)
    report = import_records(
        session, format_id=format_id, data=data, actor=None, editor=admin, now=T0
    )
    assert len(report.records) >= 30
    counts = report.counts()
    assert counts["created"] > 0 and counts["skipped"] > 0
    created = [r for r in report.records if r.outcome == "created"]
    assert _count(session, Algorithm) == len(created) == _count(session, CardDraft)
    assert _count(session, Event, Event.action == "algorithm.created") == len(created)
    for record in report.records:
        assert record.outcome in ("created", "already_imported", "skipped")
        if record.outcome == "skipped":
            assert record.reason
    again = import_records(
        session, format_id=format_id, data=data, actor=None, editor=admin, now=T0
    )
    assert again.counts()["created"] == 0
    assert {r.public_id for r in again.records if r.outcome == "already_imported"} >= {
        r.public_id for r in created
    }
    assert _count(session, Algorithm) == len(created)
