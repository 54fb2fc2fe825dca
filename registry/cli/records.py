"""``registry import-records``: import another register's records as drafts, with a report.

The command line acts as the local operator (events with ``actor_id = null``); ``--editor`` names
the account recorded as each draft's last editor, so that the four-eyes rule still asks another
person to publish.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from registry.cli.common import fail, load_settings, service_session
from registry.errors import Invalid

ERR_MAP_NOT_JSON = "{path} is not a JSON object of source organisation -> agency slug: {why}"
ERR_MAP_SHAPE = "{path} must map each source organisation's name to an agency slug (text)."


def import_records_cmd(
    source: Annotated[
        Path, typer.Argument(help="The file to import.", exists=True, dir_okay=False)
    ],
    format_id: Annotated[str, typer.Option("--format", help="The file's format (its id).")],
    agency: Annotated[
        str | None, typer.Option(help="Put every record into this agency (slug).")
    ] = None,
    agency_map: Annotated[
        Path | None,
        typer.Option(
            help="JSON object: source organisation name -> agency slug. Organisations not in it "
            "are matched by name, or created.",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    editor: Annotated[
        str | None,
        typer.Option(help="Email of the account recorded as the drafts' last editor."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Write the report and nothing else.")
    ] = False,
    report: Annotated[
        Path | None, typer.Option(help="Write the full report (JSON) to this file.")
    ] = None,
) -> None:
    """Import records of another register (as drafts, never published) and report on each."""
    from registry.services.cards.accounts import get_account_by_email
    from registry.services.clock import SystemClock
    from registry.services.records_import import import_records

    mapping = _read_map(agency_map) if agency_map else None
    data = source.read_bytes()
    with service_session(load_settings()) as session:
        account = get_account_by_email(session, editor) if editor else None
        result = import_records(
            session,
            format_id=format_id,
            data=data,
            actor=None,
            editor=account,
            now=SystemClock().now(),
            agency=agency,
            agency_map=mapping,
            dry_run=dry_run,
        )
    document = result.as_json()
    if report is not None:
        report.write_text(
            json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    typer.echo(summary_text(document))
    if report is not None:
        typer.echo(f"full report written to {report}")


def _read_map(path: Path) -> dict[str, str]:
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise fail(Invalid(ERR_MAP_NOT_JSON.format(path=path, why=exc))) from None
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise fail(Invalid(ERR_MAP_SHAPE.format(path=path)))
    return data


OUTCOME_WORDS = {
    "created": "created as a draft",
    "would_create": "would be created as a draft",
    "already_imported": "already imported",
    "skipped": "skipped",
}


def summary_text(document: dict[str, Any]) -> str:
    """The report for a terminal: a headline, then one line per record (and its notes to act on)."""
    counts = document["counts"]
    head = "DRY RUN (nothing written): " if document["dry_run"] else ""
    lines = [
        f"{head}{len(document['records'])} record(s) read as {document['standard']} "
        f"{document['standard_version']}: "
        + ", ".join(f"{counts[k]} {OUTCOME_WORDS[k]}" for k in OUTCOME_WORDS if counts[k])
        + f"; {counts['needs_person']} need a person."
    ]
    for record in document["records"]:
        where = f" -> {record['agency']}" if record["agency"] else ""
        made = f" {record['public_id']}" if record["public_id"] else ""
        lines.append(
            f"  #{record['index'] + 1} {record['title']}: {OUTCOME_WORDS[record['outcome']]}"
            f"{made}{where}"
        )
        if record["reason"] and record["outcome"] == "skipped":
            lines.append(f"      reason: {record['reason']}")
        to_create = record["outcome"] in ("created", "would_create")
        for note in record["notes"] if to_create else []:
            if note["kind"] in ("needs_person", "dropped"):
                lines.append(
                    f"      needs a person: {note['field'] or 'record'}: {note['message']}"
                )
        if record["missing_required"] and to_create:
            lines.append(
                "      to fill before publishing: " + ", ".join(record["missing_required"])
            )
    return "\n".join(lines)
