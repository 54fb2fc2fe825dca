"""Error classes of the ``fairness`` library and the exact messages of the input side.

Every message is a module constant formatted with ``str.format``; tests assert them, and the web
layer maps a ``FairnessInputError`` to a 422 response naming its ``column``, ``row`` and ``field``.

Line numbers (``row``) are as a person sees them in the file opened in a text editor or a
spreadsheet: the header is line 1 and the first data row is line 2. For Parquet files, which have no
lines, ``row`` is the same 1-based position plus one (the first record is "line 2"), so the two
formats report a row the same way. A record whose quoted field holds line breaks spans several
lines; it is named by its first line.

Messages are bounded whatever the input: a value quoted in a message is cut to ``EXCERPT_CHARS``
characters and a whole message to ``MESSAGE_CHARS``, each with an ellipsis (``shorten``), so a
hostile file cannot make an error that is larger than the file's header.
"""

from __future__ import annotations

from collections.abc import Sequence

#: Longest excerpt of a value (a cell, a parser's detail) quoted in a message, in characters.
EXCERPT_CHARS = 200
#: Longest message of a ``FairnessInputError``, in characters.
MESSAGE_CHARS = 1000
ELLIPSIS = "\u2026"


def shorten(text: object, limit: int = EXCERPT_CHARS) -> str:
    """``str(text)``, cut to at most ``limit`` characters with an ellipsis when it was longer."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def excerpt(value: object) -> str:
    """A value as quoted in a message: its ``repr`` after cutting it to ``EXCERPT_CHARS``."""
    return repr(shorten(value) if isinstance(value, str) else value)


class FairnessError(Exception):
    """Base class of every error raised by the ``fairness`` library."""


class FairnessInputError(FairnessError, ValueError):
    """The input (a file, a frame, or an argument) cannot be used; the message says why.

    Attributes
    ----------
    column:
        The column of the input that is at fault, or ``None``.
    row:
        The line number as a user sees it in the file (header = line 1, first data row = line 2),
        or ``None`` when the problem is not tied to one line.
    field:
        The argument or option of the call that is at fault (e.g. ``"threshold"``), or ``None``.
    """

    def __init__(
        self,
        message: str,
        *,
        column: str | None = None,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        message = shorten(message, MESSAGE_CHARS)
        super().__init__(message)
        self.message = message
        self.column = column
        self.row = row
        self.field = field

    def to_dict(self) -> dict[str, object]:
        """The error as a JSON-ready mapping: ``message``, ``column``, ``row``, ``field``."""
        return {
            "message": self.message,
            "column": self.column,
            "row": self.row,
            "field": self.field,
        }


class FileFormatError(FairnessInputError):
    """A file is not CSV text, gzip-compressed CSV or Parquet (raised by ``sniff_format``).

    Attributes
    ----------
    kind:
        What is wrong, so a caller can react without parsing the message: ``"empty"`` (no bytes,
        or only blank lines), ``"binary"`` (a NUL byte in what should be text), ``"encoding"``
        (not UTF-8) or ``"delimiter"`` (the first line holds none of ``,`` ``;`` tab ``|``).
    offset:
        The 0-based byte offset of the offending byte (``"binary"``, ``"encoding"``), else
        ``None``.
    """

    def __init__(self, message: str, *, kind: str, offset: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.offset = offset


# --- the file itself -----------------------------------------------------------------------------
EMPTY_FILE = "The file is empty: expected a header line with column names, then data rows."
HEADER_ONLY = "The file has a header but no data rows."
NOT_TABULAR = (
    "The file is neither CSV text (UTF-8) nor Parquet (it starts with bytes {magic}); "
    "expected a CSV file (optionally gzip-compressed) or a Parquet file."
)
NOT_UTF8 = "Line {row} is not valid UTF-8 text; save the file as UTF-8 CSV."
BAD_GZIP = "The file looks gzip-compressed but cannot be decompressed: {detail}"
BAD_PARQUET = "The file starts like Parquet but cannot be read as Parquet: {detail}"
CSV_PARSE = "Line {row} cannot be parsed as CSV: {detail}"
LINE_TOO_LONG = (
    "Line {row} is longer than {limit} bytes without a line break (the max_line_bytes limit); "
    "a sample holds one short record per line."
)
QUOTE_NOT_CLOSED = (
    'Line {row} opens a quoted field (") that is not closed within {limit} bytes (the '
    "max_line_bytes limit); is a double quote missing or unbalanced?"
)
STRAY_QUOTE = (
    'Line {row} has a double quote (") inside an unquoted value; with a quoted field that holds '
    "a line break after it, where records end is ambiguous. Quote that value (doubling its "
    'quote, as in "5"" screen") or remove the quote.'
)
RECORD_TOO_LONG = (
    "Line {row} starts a record longer than {limit} bytes (the max_line_bytes limit), its quoted "
    "fields holding line breaks; a sample holds one short record per line."
)
UNCLOSED_QUOTE = (
    'Line {row} opens a quoted field (") that is never closed before the end of the file; '
    "is a double quote missing or unbalanced?"
)
FIELD_TOO_LONG = (
    "Line {row}, column {column!r}: a value longer than {limit} bytes (the max_field_bytes "
    "limit); expected a short value such as a group name, a class or a number."
)
NUL_BYTE = "Line {row} holds a NUL byte (\\x00): the file is damaged or binary, not CSV text."
CONTROL_CHARACTER = (
    "Line {row}, column {column!r}: the group value {value} holds a control character "
    "({char}); group values must be printable text."
)
CONTROL_CHARACTER_IN_COLUMN = (
    "Column {column!r}: the group value {value} holds a control character ({char}); group values "
    "must be printable text."
)
UNSUPPORTED_COLUMN_TYPE = (
    "Column {column!r} holds {kind} values (Parquet type {type}); expected text, numbers or "
    "true/false in each cell."
)
BAD_LIMIT = "{name} must be a positive whole number of bytes, got {value!r}."
CSV_ROW_WIDTH = (
    "Line {row} has {found} fields; the header has {expected} (delimiter {delimiter!r})."
)
BAD_DELIMITER = "delimiter must be one character such as ',', ';' or '\\t', got {value!r}."
DUPLICATE_HEADER = "Column name {column!r} appears more than once in the header: {columns}."

# --- judging the format from the first bytes (sniff_format) --------------------------------------
BINARY_DATA = (
    "The file is not CSV text, gzip-compressed CSV or Parquet: it holds binary data (byte 0x00 at "
    "offset {offset}). Upload a CSV (UTF-8, optionally gzip-compressed) or a Parquet file."
)
NOT_UTF8_BYTE = (
    "The file is not CSV text, gzip-compressed CSV or Parquet: byte 0x{byte:02x} at offset "
    "{offset} is not valid UTF-8. Save the file as UTF-8 CSV, or upload Parquet."
)
NO_DELIMITER = (
    "The file's first line has no delimiter (comma, semicolon, tab or '|'): expected a header "
    "line naming the columns, e.g. 'group,prediction,label'."
)

# --- the column mapping ---------------------------------------------------------------------------
MISSING_COLUMNS = "Column(s) {missing} not found in the file. Columns present: {present}."
DID_YOU_MEAN = "Did you mean {pairs}?"


def missing_columns_message(missing: Sequence[str], present: Sequence[str]) -> str:
    """The message for columns a mapping names but a file lacks, with a suggestion for each typo.

    The same text the readers raise (``read_sample``, ``read_counts``), so a caller that checks a
    header itself (e.g. the registry, before queueing an audit) words the problem the same way. A
    missing name gets a "Did you mean" suggestion when a present column is close to it (difflib
    similarity of 0.75 or more, the closest one).

    Parameters
    ----------
    missing:
        The column names that were asked for but are not in the file, in the order to report.
    present:
        The column names the file has, in file order.

    Returns
    -------
    str
        ``"Column(s) 'a', 'b' not found in the file. Columns present: ..."``, followed by
        ``"Did you mean 'x' for 'a'?"`` when some missing name has a close match.

    Examples
    --------
    >>> message = missing_columns_message(["prd"], ["sex", "pred"])
    >>> print(message.split(" Did")[0])
    Column(s) 'prd' not found in the file. Columns present: 'sex', 'pred'.
    >>> message.endswith("Did you mean 'pred' for 'prd'?")
    True
    """
    import difflib

    message = MISSING_COLUMNS.format(
        missing=", ".join(map(repr, missing)), present=", ".join(map(repr, present))
    )
    pairs = []
    for name in missing:
        close = difflib.get_close_matches(name, present, n=1, cutoff=0.75)
        if close:
            pairs.append(f"{close[0]!r} for {name!r}")
    return f"{message} {DID_YOU_MEAN.format(pairs=', '.join(pairs))}" if pairs else message


NO_SENSITIVE = "sensitive_features must name at least one column."
REPEATED_MAPPING = (
    "Column {column!r} is given for more than one role ({roles}); each role needs its own column."
)
NEED_PREDICTION = "Give either prediction=<column> or score=<column> with threshold=<rule>."
AMBIGUOUS_PREDICTION = (
    "Both prediction={prediction!r} and score={score!r} with a threshold were given; "
    "give one: the prediction column, or the score column and a threshold rule."
)
SCORE_WITHOUT_THRESHOLD = (
    "score={score!r} was given without a threshold, and no prediction column: give threshold "
    "(e.g. '>=0.5', 'top-100', 'top-10%') to derive predictions from the score."
)
THRESHOLD_WITHOUT_SCORE = "A threshold was given without a score column to apply it to."
BAD_MAX_GROUPS = "max_groups must be a positive integer, got {value!r}."

# --- values ---------------------------------------------------------------------------------------
#: NON_BINARY, once the first row of a third class is found.
NON_BINARY_AT_LINE = "{message} The first row holding a third value is line {row}."
#: NON_BINARY in a count table: ``where`` is WHERE_LINE or WHERE_POSITION.
NON_BINARY_AT = "{message} {where} is the first row holding a third value."
NON_BINARY = (
    "Column {column!r} ({role}) must hold two classes (0/1, true/false or yes/no{extra}); "
    "found {count} distinct value(s): {values}."
)
POS_LABEL_ABSENT = (
    "pos_label={pos_label!r} does not occur in column {column!r}; values found: {values}."
)
TOO_MANY_GROUPS = (
    "Sensitive column {column!r} has more than {max_groups} distinct values, so it looks like an "
    "identifier rather than a group attribute; refusing to audit it (raise max_groups if it "
    "really is a group attribute)."
)
TOO_MANY_STRATA = (
    "Control column {column!r} has more than {max_groups} distinct values, so it looks like an "
    "identifier rather than a characteristic shared by comparable cases; refusing to compare "
    "within it (raise max_groups if it really is one)."
)
TOO_MANY_DROPPED = (
    "{dropped} of {read} rows ({share:.0%}) would be dropped ({reasons}); more than half of the "
    "sample is unusable, so no result would describe it. Fix the file or the column mapping."
)
NO_USABLE_ROWS = "No usable rows: every row was dropped ({reasons})."
IDENTIFIER_WARNING = (
    "Column {column!r} looks like it holds personal identifiers; the audit needs group attributes "
    "only: remove direct identifiers from the sample before uploading it."
)

# --- threshold rules ------------------------------------------------------------------------------
BAD_THRESHOLD = (
    "Threshold rule {text!r} not understood; expected '>=<number>' (e.g. '>=0.7'), "
    "'top-<k>' (e.g. 'top-100') or 'top-<p>%' (e.g. 'top-10%')."
)
BAD_THRESHOLD_VALUE = "Threshold {kind} needs {expected}, got {value!r}."

# --- pre-aggregated count tables ------------------------------------------------------------------
COUNTS_LAYOUT = (
    "Not a count table: expected the sensitive columns plus one of: tp, fp, tn, fn; "
    "label, prediction, count; prediction, count; pp, pn. Columns present: {present}."
)
COUNTS_AMBIGUOUS = "The count table mixes layouts (columns {columns}); use exactly one layout."
BAD_COUNT = "{where}, column {column!r}: expected a non-negative whole number, got {value!r}."
BAD_WEIGHTED_COUNT = "{where}, column {column!r}: expected a non-negative number, got {value!r}."
MISSING_COUNT = "{where}, column {column!r}: the value is missing; expected {expected}."
#: How a count-table problem is located: a file line, or a frame's 0-based row position.
WHERE_LINE = "Line {row}"
WHERE_POSITION = "Row position {row}"
COUNTS_EMPTY = "The count table has no rows."
COUNTS_NOT_FRAME = "counts_from_frame expects a pandas DataFrame, got {kind}."
