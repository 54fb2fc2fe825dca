"""CLI for model cards kept in version control: ``registry card push`` and ``card publish``,
over HTTP to any registry with an API token (as ``registry audit submit`` does).

``push FILE`` reads a YAML or JSON card. The algorithm is found by the agency's own id for it,
``source_id``: the card's own ``source_id`` field, or ``--source-id``. A new id registers the
algorithm with the card as its draft; a known one replaces its draft (or starts one after a
publish). ``publish PUBLIC_ID`` reads the draft's revision and publishes exactly that revision.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from registry.cli.audit import TokenOption, UrlOption
from registry.cli.common import http_error_text

card_app = typer.Typer(
    help="Model cards kept in version control: push a YAML/JSON card as a draft, publish it.",
    no_args_is_help=True,
)

ERR_NO_SOURCE_ID = (
    "{file}: name the algorithm with the agency's own id for it: add 'source_id: <id>' to the "
    "card, or pass --source-id."
)
ERR_SOURCE_IDS_DISAGREE = (
    "{file}: the card's source_id is {card!r} but --source-id says {option!r}; use one."
)
ERR_NOT_A_CARD = "{file}: a card file holds one mapping of card fields; this one holds {kind}."
FOUR_EYES_CODE = "four_eyes"


class CardFileError(Exception):
    """A card file that cannot be read; the message names the file and, for syntax, the line."""


def _plain(value: Any) -> Any:
    """YAML's dates and times as ISO text (a card holds JSON values only)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def read_card_file(path: Path) -> dict[str, Any]:
    """The card in ``path``: JSON for ``.json``, else YAML (``yaml.safe_load``)."""
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CardFileError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CardFileError(
                f"{path}, line {exc.lineno}, column {exc.colno}: not valid JSON: {exc.msg}"
            ) from None
    else:
        try:
            data = yaml.safe_load(text)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            problem = exc.problem or exc.context or "cannot be read"
            raise CardFileError(f"{path}{where}: not valid YAML: {problem}") from None
        except yaml.YAMLError as exc:
            raise CardFileError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        kind = "nothing" if data is None else f"a {type(data).__name__}"
        raise CardFileError(ERR_NOT_A_CARD.format(file=path, kind=kind))
    return _plain(data)


def _fail(text: str, code: int = 2) -> typer.Exit:
    typer.echo(text, err=True)
    return typer.Exit(code)


def _card_problems(response: Any) -> str:
    """A refused card: each field path with its message (the loc without ``body``/``card``)."""
    try:
        error = response.json()["error"]
    except (ValueError, KeyError, TypeError):
        return http_error_text(response)
    lines = [f"HTTP {response.status_code}: {error.get('message')}"]
    for detail in error.get("details") or []:
        loc = [str(p) for p in detail.get("loc", [])]
        while loc and loc[0] in ("body", "card"):
            loc = loc[1:]
        lines.append(f"  {'.'.join(loc) or 'card'}: {detail.get('msg')}")
    return "\n".join(lines)


def _print_missing(missing: list[str], *, intro: str) -> None:
    typer.echo(intro)
    for field in missing:
        typer.echo(f"  - {field}")


PUSH_HELP = (
    "Create or update the draft of an algorithm from a card kept with your code.\n\n"
    "A new source_id registers the algorithm with this card as its draft; a known one replaces "
    "its draft with this card. Prints the draft's address, the fields still missing before it "
    "can be published, and the next step."
)


@card_app.command("push", help=PUSH_HELP)
def push(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="The card: .yaml/.yml or .json.")
    ],
    url: UrlOption,
    token: TokenOption,
    source_id: Annotated[
        str | None,
        typer.Option(help="The agency's own id for the algorithm (default: the card's source_id)."),
    ] = None,
    agency: Annotated[
        str | None, typer.Option(help="Agency slug (default: your own agency).")
    ] = None,
) -> None:
    """See ``PUSH_HELP``."""
    import httpx

    try:
        card = read_card_file(file)
    except CardFileError as exc:
        raise _fail(f"error: {exc}") from None
    in_card = card.get("source_id")
    if source_id and in_card and source_id != in_card:
        raise _fail(
            "error: " + ERR_SOURCE_IDS_DISAGREE.format(file=file, card=in_card, option=source_id)
        )
    key = source_id or in_card
    if not key or not isinstance(key, str):
        raise _fail("error: " + ERR_NO_SOURCE_ID.format(file=file))
    base = url.rstrip("/")
    api = f"{base}/api/v1"
    with httpx.Client(timeout=60.0, headers={"Authorization": f"Bearer {token}"}) as client:
        if agency is None:
            me = client.get(f"{api}/accounts/me")
            if me.status_code != 200:
                raise _fail(http_error_text(me))
            agency = me.json().get("agency")
        query: dict[str, str] = {"source_id": key}
        if agency:
            query["agency"] = agency
        found = client.get(f"{api}/algorithms", params=query)
        if found.status_code != 200:
            raise _fail(http_error_text(found))
        items = found.json()["items"]
        if items:
            public_id = items[0]["public_id"]
            response = client.put(f"{api}/algorithms/{public_id}/draft", json={"card": card})
            if response.status_code != 200:
                raise _fail(_card_problems(response))
            draft = response.json()
            typer.echo(f"replaced the draft of {public_id} (source_id {key}) with {file}")
        else:
            body = {"agency": agency, "source_id": key, "card": card}
            response = client.post(f"{api}/algorithms", json=body)
            if response.status_code != 201:
                raise _fail(_card_problems(response))
            public_id = response.json()["public_id"]
            draft_response = client.get(f"{api}/algorithms/{public_id}/draft")
            if draft_response.status_code != 200:
                raise _fail(http_error_text(draft_response))
            draft = draft_response.json()
            typer.echo(f"registered {public_id} (source_id {key}) with {file} as its draft")
    typer.echo(f"draft: {api}/algorithms/{public_id}/draft (revision {draft['revision'][:12]})")
    typer.echo(f"in the console: {base}/console/algorithms/{public_id} (preview, changes, review)")
    missing = draft.get("missing_required_fields") or []
    if missing:
        _print_missing(
            missing, intro=f"missing before it can be published ({len(missing)} field(s)):"
        )
        typer.echo(f"next: fill these in {file} and push again")
    else:
        typer.echo(
            f"next: ask for review at {base}/console/algorithms/{public_id}/review; another "
            "editor of your agency publishes it there or with "
            f'`registry card publish {public_id} --summary "what changed" --url {base}` '
            "(four-eyes: not the editor who pushed it)"
        )


@card_app.command("publish")
def publish(
    public_id: Annotated[str, typer.Argument(help="The algorithm's id, e.g. alg-7k2m9q4x.")],
    summary: Annotated[
        str, typer.Option(help="What changed and why, in plain language (shown publicly).")
    ],
    url: UrlOption,
    token: TokenOption,
) -> None:
    """Publish the algorithm's draft as its next version: exactly the revision read here."""
    import httpx

    base = url.rstrip("/")
    api = f"{base}/api/v1/algorithms/{public_id}"
    with httpx.Client(timeout=60.0, headers={"Authorization": f"Bearer {token}"}) as client:
        draft_response = client.get(f"{api}/draft")
        if draft_response.status_code != 200:
            raise _fail(http_error_text(draft_response))
        draft = draft_response.json()
        response = client.post(
            f"{api}/publish",
            json={"change_summary": summary},
            headers={"If-Match": f'"{draft["revision"]}"'},
        )
    if response.status_code == 201:
        version = response.json()
        typer.echo(
            f"published version {version['number']} of {public_id}: {base}/algorithms/{public_id}"
        )
        return
    try:
        error = response.json()["error"]
    except (ValueError, KeyError, TypeError):
        raise _fail(http_error_text(response)) from None
    if error.get("code") == FOUR_EYES_CODE:
        typer.echo(
            "refused by the four-eyes rule: the editor who saved a draft last cannot publish it; "
            "another editor of the same agency must review and publish it.",
            err=True,
        )
        missing = [
            ".".join(str(p) for p in d.get("loc", [])[1:])
            for d in error.get("details") or []
            if d.get("type") == "missing"
        ] or list(draft.get("missing_required_fields") or [])
        if missing:
            typer.echo(
                f"the draft is also incomplete: fill these {len(missing)} required field(s) "
                "before anyone can publish it:",
                err=True,
            )
            for field in missing:
                typer.echo(f"  - {field}", err=True)
        raise typer.Exit(2)
    raise _fail(_card_problems(response))
