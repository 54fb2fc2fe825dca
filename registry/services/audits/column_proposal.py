"""Propose a column mapping for an uploaded sample from its header and first rows.

The console's upload wizard shows every column with example values and proposes which column is
the label, the prediction or the score, and which hold group attributes. The proposal is only a
starting point the auditor accepts or changes; it is made from names and values:

- **label**: a 0/1 column named like an outcome (``label``, ``outcome``, ``actual``, ``found``...);
- **prediction**: a 0/1 column named like a decision (``prediction``, ``pred``, ``flag``,
  ``selected``...); with a prediction and one other 0/1 column left, that column is the label;
- **score**: a numeric column named like a score (``score``, ``prob``, ``risk``...), proposed
  only when there is no prediction; a score needs a threshold, which is never guessed;
- **attributes**: text columns with few distinct values (at most ``MAX_ATTRIBUTE_VALUES`` in the
  first rows) that are not identifier-like;
- **identifier-like** columns (names like ``id``, ``bsn``, ``email``, ``phone``, or nearly every
  value distinct) get a warning and are never proposed, nor accepted, as attributes: grouping
  people by a personal identifier would disclose them.

The header comes from ``fairness.read_header`` (the engine's own reading, delimiter detection
included); the first rows are read with the same delimiter. No database here.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

import fairness

PREVIEW_ROWS = 1000
PREVIEW_BYTES = 4 * 1024 * 1024
EXAMPLES = 5
MAX_ATTRIBUTE_VALUES = 50
#: Share of distinct values among the non-empty ones above which a column looks like an identifier.
IDENTIFIER_DISTINCT_SHARE = 0.9
MIN_ROWS_FOR_DISTINCT_RULE = 20
DELIMITERS = (",", ";", "\t", "|")

_IDENTIFIER_WORDS = {
    "id", "ids", "uuid", "guid", "bsn", "ssn", "nin", "email", "mail", "phone", "telephone",
    "tel", "mobile", "name", "surname", "firstname", "lastname", "address", "street", "postcode",
    "zipcode", "zip", "iban", "passport", "birthdate", "dob", "ip", "key", "number", "nr", "no",
    "identifier", "citizen", "account", "case", "record", "row", "index",
}  # fmt: skip
_LABEL_WORDS = {
    "label", "outcome", "actual", "truth", "true", "target", "found", "observed", "result",
    "ground", "y", "attained", "confirmed", "real",
}  # fmt: skip
_PREDICTION_WORDS = {
    "prediction", "predicted", "pred", "flag", "flagged", "selected", "selection", "decision",
    "decided", "classified", "priority", "chosen", "yhat", "hat", "output", "recommended",
}  # fmt: skip
_SCORE_WORDS = {"score", "prob", "probability", "risk", "proba", "likelihood", "rank", "ranking"}
_BINARY_VALUES = {"0", "1", "0.0", "1.0", "true", "false", "yes", "no"}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _words(name: str) -> set[str]:
    """``"fraud_found"`` -> {"fraud", "found"}; ``"isFlagged"`` -> {"is", "flagged"}."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return {w for w in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if w}


@dataclass
class Preview:
    """The header and the first rows (values as text; ``""`` for a missing value)."""

    columns: list[str]
    rows: list[list[str]]


@dataclass
class ColumnProfile:
    name: str
    examples: list[str]
    distinct: int  # distinct non-empty values in the first rows
    filled: int  # non-empty values in the first rows
    kind: str  # "binary", "number", "text", "empty"
    identifier: str | None = None  # "name" or "distinct" when identifier-like


@dataclass
class Proposal:
    """Proposed roles (column names, or ``None``) and every column's profile."""

    profiles: list[ColumnProfile]
    label: str | None = None
    prediction: str | None = None
    score: str | None = None
    sensitive_features: list[str] = field(default_factory=list)
    layout: str | None = None  # count tables: the layout ``fairness.count_table_layout`` found
    count_columns: list[str] = field(default_factory=list)

    def profile(self, name: str) -> ColumnProfile | None:
        return next((p for p in self.profiles if p.name == name), None)

    @property
    def identifiers(self) -> list[str]:
        return [p.name for p in self.profiles if p.identifier]


def _text_head(path: Path, source_format: str) -> str:
    opener = gzip.open if source_format == "csv.gz" else open
    with opener(path, "rb") as fh:
        raw = fh.read(PREVIEW_BYTES)
    if len(raw) == PREVIEW_BYTES:  # keep whole lines only
        raw = raw[: raw.rfind(b"\n") + 1] or raw
    return raw.decode("utf-8-sig", errors="replace")


def _delimiter_for(text: str, columns: list[str]) -> str:
    first = text.splitlines()[0] if text else ""
    for delimiter in DELIMITERS:
        names = next(csv.reader([first], delimiter=delimiter), [])
        if [n.strip() for n in names] == columns:
            return delimiter
    return ","


def read_preview(
    path: Path, source_format: str, *, rows: int = PREVIEW_ROWS, delimiter: str | None = None
) -> Preview:
    """The header (``fairness.read_header``) and the first ``rows`` rows of an upload.

    Raises ``fairness.FairnessInputError`` as ``read_header`` does (empty file, duplicate names).
    """
    columns = fairness.read_header(path, delimiter=delimiter)
    if source_format == "parquet":
        import pyarrow.parquet as pq

        table_rows: list[list[str]] = []
        parquet = pq.ParquetFile(path)
        for batch in parquet.iter_batches(batch_size=rows):
            data = batch.to_pydict()
            for i in range(batch.num_rows):
                table_rows.append(["" if data[c][i] is None else str(data[c][i]) for c in columns])
            break
        return Preview(columns, table_rows)
    text = _text_head(path, source_format)
    chosen = delimiter or _delimiter_for(text, columns)
    reader = csv.reader(io.StringIO(text), delimiter=chosen)
    next(reader, None)
    out: list[list[str]] = []
    for row in reader:
        if len(out) >= rows:
            break
        if not row:
            continue
        out.append([(row[i].strip() if i < len(row) else "") for i in range(len(columns))])
    return Preview(columns, out)


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def profile_column(name: str, values: list[str]) -> ColumnProfile:
    filled = [v for v in values if v != ""]
    distinct = list(dict.fromkeys(filled))
    if not filled:
        kind = "empty"
    elif {v.lower() for v in distinct} <= _BINARY_VALUES and len(distinct) <= 2:
        kind = "binary"
    elif all(_is_number(v) for v in distinct):
        kind = "number"
    else:
        kind = "text"
    profile = ColumnProfile(name, distinct[:EXAMPLES], len(distinct), len(filled), kind)
    words = _words(name)
    if words & _IDENTIFIER_WORDS or any(_EMAIL.match(v) for v in distinct[:EXAMPLES]):
        profile.identifier = "name"
    elif (
        kind in ("text", "number")
        and len(filled) >= MIN_ROWS_FOR_DISTINCT_RULE
        and len(distinct) > IDENTIFIER_DISTINCT_SHARE * len(filled)
        and not (kind == "number" and words & _SCORE_WORDS)
        and not (kind == "number" and any("." in v for v in distinct[:EXAMPLES]))
    ):
        profile.identifier = "distinct"
    return profile


def _named(profiles: list[ColumnProfile], words: set[str], kinds: tuple[str, ...]) -> str | None:
    for p in profiles:
        if p.kind in kinds and not p.identifier and _words(p.name) & words:
            return p.name
    return None


def propose_mapping(preview: Preview, *, input_kind: str = "sample") -> Proposal:
    """Profile each column and propose roles (see the module docstring)."""
    profiles = [
        profile_column(name, [row[i] for row in preview.rows])
        for i, name in enumerate(preview.columns)
    ]
    proposal = Proposal(profiles)
    if input_kind == "counts":
        return _propose_counts(proposal, preview.columns)
    binary = [p for p in profiles if p.kind == "binary" and not p.identifier]
    proposal.prediction = _named(binary, _PREDICTION_WORDS, ("binary",))
    label_pool = [p for p in binary if p.name != proposal.prediction]
    proposal.label = _named(label_pool, _LABEL_WORDS, ("binary",))
    if proposal.label is None and proposal.prediction is not None and len(label_pool) == 1:
        proposal.label = label_pool[0].name
    if proposal.prediction is None:
        proposal.score = _named(profiles, _SCORE_WORDS, ("number",))
        if proposal.score is None:
            rest = [p for p in binary if p.name != proposal.label]
            if proposal.label is not None and len(rest) == 1:
                proposal.prediction = rest[0].name
    taken = {proposal.label, proposal.prediction, proposal.score}
    proposal.sensitive_features = [
        p.name
        for p in profiles
        if p.name not in taken
        and not p.identifier
        and p.kind == "text"
        and 1 <= p.distinct <= MAX_ATTRIBUTE_VALUES
    ]
    return proposal


def _propose_counts(proposal: Proposal, columns: list[str]) -> Proposal:
    try:
        layout, count_columns = fairness.count_table_layout(columns, [])
    except fairness.FairnessInputError:
        return proposal
    proposal.layout = layout
    proposal.count_columns = list(count_columns.values())
    for p in proposal.profiles:
        if p.name in proposal.count_columns and p.identifier == "distinct":
            p.identifier = None  # counts are naturally all different
    proposal.sensitive_features = [
        p.name
        for p in proposal.profiles
        if p.name not in proposal.count_columns and not p.identifier and p.kind != "empty"
    ]
    return proposal


# --- the groups of each attribute (the wizard's names step) ---------------------------------------

#: At most this many groups of one attribute are listed for naming; more are not named here.
MAX_NAMED_GROUPS = 50
_GROUP_BATCH_BYTES = 1 << 20


@dataclass
class GroupValues:
    """The distinct values of one column over the whole file, sorted, at most ``cap`` of them.

    ``more``: the column has more than ``cap`` values (the list is then not complete);
    ``unread``: the file could not be read to its end (the engine will say why when it runs)."""

    values: list[str]
    more: bool = False
    unread: bool = False


class _Distinct:
    def __init__(self, columns: list[str], cap: int) -> None:
        self.cap = cap
        self.seen: dict[str, set[str]] = {c: set() for c in columns}

    def add(self, column: str, array: pa.Array | pa.ChunkedArray) -> None:
        found = self.seen[column]
        if len(found) > self.cap:
            return
        text = pc.utf8_trim_whitespace(pc.cast(array, pa.string()))
        for value in pc.unique(pc.drop_null(text)).to_pylist():
            if value.lower() not in fairness.MISSING_TOKENS:  # the engine's "unknown" group
                found.add(value)
                if len(found) > self.cap:
                    return

    def full(self) -> bool:
        return all(len(v) > self.cap for v in self.seen.values())

    def result(self, *, unread: bool) -> dict[str, GroupValues]:
        return {
            column: GroupValues(sorted(values)[: self.cap], len(values) > self.cap, unread)
            for column, values in self.seen.items()
        }


def group_values(
    path: Path, source_format: str, columns: list[str], *, cap: int = MAX_NAMED_GROUPS
) -> dict[str, GroupValues]:
    """The groups of ``columns``: their distinct values, stripped as the engine strips them, less
    the values the engine reads as missing (``fairness.MISSING_TOKENS``: its ``unknown`` group).

    Streams the file in 1 MB blocks with Arrow, reading only ``columns``: memory stays bounded by
    the block and ``cap`` values per column whatever the file's size, and reading stops as soon as
    every column has more than ``cap`` values. A file that cannot be read to its end gives what
    was found before, marked ``unread``."""
    distinct = _Distinct(list(dict.fromkeys(columns)), cap)
    if not columns:
        return {}
    unread = False
    try:
        if source_format == "parquet":
            import pyarrow.parquet as pq

            parquet = pq.ParquetFile(path)
            for batch in parquet.iter_batches(batch_size=65_536, columns=list(distinct.seen)):
                for column in distinct.seen:
                    distinct.add(column, batch.column(column))
                if distinct.full():
                    break
        else:
            _csv_groups(path, source_format, distinct)
    except (pa.ArrowException, OSError, EOFError, ValueError, fairness.FairnessError):
        unread = True
    return distinct.result(unread=unread)


def _csv_groups(path: Path, source_format: str, distinct: _Distinct) -> None:
    import pyarrow.csv as pcsv

    header = fairness.read_header(path)
    delimiter = _delimiter_for(_text_head_line(path, source_format), header)
    stream = pa.input_stream(str(path), compression="gzip" if source_format == "csv.gz" else None)
    with stream:
        reader = pcsv.open_csv(
            stream,
            read_options=pcsv.ReadOptions(
                column_names=header, skip_rows=1, block_size=_GROUP_BATCH_BYTES
            ),
            parse_options=pcsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
            convert_options=pcsv.ConvertOptions(
                include_columns=list(distinct.seen),
                column_types={c: pa.string() for c in distinct.seen},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        for batch in reader:
            for column in distinct.seen:
                distinct.add(column, batch.column(column))
            if distinct.full():
                break


def _text_head_line(path: Path, source_format: str) -> str:
    opener = gzip.open if source_format == "csv.gz" else open
    with opener(path, "rb") as fh:
        first = fh.readline(PREVIEW_BYTES)
    return first.decode("utf-8-sig", errors="replace")
