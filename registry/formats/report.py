"""A file's mapping report: one row per entry, for a dry run, the console's review and the tests.

Pure: it only reads ImportedRecords. ``report_rows`` gives the data; ``report_text`` the same as
plain English lines (what the CLI prints with ``--dry-run``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from registry.formats._base import ImportedRecord, NoteKind


@dataclass(frozen=True)
class ReportRow:
    index: int
    source_id: str | None
    name: str | None
    agency_name: str | None
    language: str
    outcome: str  # "draft" | "skipped" | "duplicate"
    counts: dict[str, int]  # notes by kind
    needs_person: tuple[str, ...]  # the messages a person must act on
    skipped: str | None


def report_rows(records: Sequence[ImportedRecord]) -> list[ReportRow]:
    rows = []
    for record in records:
        counts = Counter(note.kind for note in record.notes)
        if record.duplicate_of is not None:
            outcome = "duplicate"
        elif record.skipped is not None:
            outcome = "skipped"
        else:
            outcome = "draft"
        rows.append(
            ReportRow(
                index=record.index,
                source_id=record.source_id,
                name=record.card.get("name"),
                agency_name=record.agency_name,
                language=record.language,
                outcome=outcome,
                counts={kind.value: counts.get(kind.value, 0) for kind in NoteKind},
                needs_person=tuple(
                    n.message for n in record.notes if n.kind == NoteKind.NEEDS_PERSON.value
                ),
                skipped=record.skipped,
            )
        )
    return rows


def report_text(records: Sequence[ImportedRecord]) -> str:
    """The report in English lines: a summary, then each entry with what needs a person."""
    rows = report_rows(records)
    outcomes = Counter(row.outcome for row in rows)
    lines = [
        f"{len(rows)} entries: {outcomes['draft']} become drafts, {outcomes['skipped']} skipped, "
        f"{outcomes['duplicate']} duplicates."
    ]
    for row in rows:
        label = row.name or "(no name)"
        if row.outcome != "draft":
            lines.append(f"#{row.index} {label}: {row.skipped}")
            continue
        counts = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in row.counts.items() if n)
        lines.append(f"#{row.index} {label} [{row.language}] ({counts})")
        lines += [f"    needs a person: {message}" for message in row.needs_person]
    return "\n".join(lines) + "\n"
