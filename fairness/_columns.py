"""Vectorised parsing of one column chunk: group values, binary classes, numbers.

Each encoder turns an Arrow array (one chunk of one column) into small numpy codes. Work per row
is done by Arrow compute and numpy; Python only loops over a chunk's *distinct* values.

Missing values: null, an empty or all-blank string, or one of ``NA``, ``N/A``, ``NaN``, ``null``,
``#N/A`` (any case). Binary columns accept ``1/0``, ``true/false``, ``yes/no``, ``t/f``, ``y/n``
(any case, also ``1.0/0.0``), or any two values of which one is the declared ``pos_label``.

Group values are stripped of surrounding whitespace (``str.strip``); what remains may not hold a
control character (Unicode category Cc: U+0000-U+001F, U+007F-U+009F), which no group name needs
and which would corrupt every page, feed and CSV that shows the value.
"""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fairness._errors import (
    CONTROL_CHARACTER_IN_COLUMN,
    NON_BINARY,
    POS_LABEL_ABSENT,
    TOO_MANY_GROUPS,
    TOO_MANY_STRATA,
    FairnessInputError,
    excerpt,
)
from fairness._table import UNKNOWN

MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "#n/a"})
TRUE_TOKENS = frozenset({"1", "1.0", "true", "t", "yes", "y"})
FALSE_TOKENS = frozenset({"0", "0.0", "false", "f", "no", "n"})
#: How many distinct values an error message lists.
LIST_VALUES = 10
#: The characters ``str.strip()`` removes (``str.isspace``), for trimming with Arrow the same way.
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
#: Control characters (category Cc); ``CONTROL_RE2`` is the same class for Arrow's RE2.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
CONTROL_RE2 = r"[\x{0}-\x{1f}\x{7f}-\x{9f}]"

# Names that point at direct personal identifiers. Exact names (after lower-casing and turning
# separators into "_") for the ambiguous ones; words anywhere in the name for unambiguous ones.
_IDENTIFIER_NAMES = frozenset(
    {
        "name", "full_name", "first_name", "last_name", "surname", "given_name", "family_name",
        "forename", "id_number", "id_no", "idno", "national_id", "person_id", "citizen_id",
        "personal_id", "dob", "date_of_birth", "birth_date", "birthdate", "birthday",
    }
)  # fmt: skip
_IDENTIFIER_WORDS = frozenset(
    {
        "ssn", "passport", "email", "e_mail", "phone", "telephone", "mobile", "address",
        "street", "nino", "licence_number", "license_number", "iban", "ip_address",
    }
)  # fmt: skip
_IDENTIFIER_SUBSTRINGS = ("身份证", "姓名", "电话", "手机", "地址", "邮箱", "护照", "证件号")


def looks_like_identifier(column: str) -> bool:
    """Whether a column name suggests it holds direct personal identifiers."""
    if any(s in column for s in _IDENTIFIER_SUBSTRINGS):
        return True
    norm = re.sub(r"[^0-9a-z]+", "_", column.lower()).strip("_")
    if norm in _IDENTIFIER_NAMES:
        return True
    if any(word in norm for word in ("social_security", "e_mail")):
        return True
    return any(word in _IDENTIFIER_WORDS for word in norm.split("_"))


def as_strings(array: pa.Array) -> pa.Array:
    """A string view of any Arrow column chunk (Parquet columns may be typed)."""
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    if pa.types.is_string(array.type):
        return array
    if pa.types.is_large_string(array.type) or pa.types.is_string_view(array.type):
        return array.cast(pa.string())
    if pa.types.is_floating(array.type):
        # 1.0 -> "1.0" would not equal "1" elsewhere; whole floats become integer strings.
        values = array.to_numpy(zero_copy_only=False)
        whole = np.isfinite(values) & (np.floor(values) == values)
        out = [
            None if v is None else (str(int(f)) if w else str(f))
            for v, f, w in zip(array.to_pylist(), values, whole, strict=True)
        ]
        return pa.array(out, type=pa.string())
    return array.cast(pa.string())


def control_character(value: str) -> str | None:
    """The first control character of ``value`` once stripped, as ``U+XXXX``; ``None`` if none."""
    found = CONTROL.search(value.strip())
    return None if found is None else f"U+{ord(found.group()):04X}"


def _is_missing(text: str | None) -> bool:
    return text is None or text.strip().lower() in MISSING_TOKENS


def dictionary_of(array: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """A chunk as ``(dictionary, indices)``: its distinct values (an Arrow array) and, per row,
    the position of its value in them as a numpy integer array, ``len(dictionary)`` for a null.

    A dictionary-encoded chunk is used as it is (its dictionary may hold values no row uses);
    any other chunk is dictionary-encoded here (then every value is used, in order of first
    appearance).
    """
    if not pa.types.is_dictionary(array.type):
        array = pc.dictionary_encode(array)
    indices = array.indices
    if indices.null_count:
        indices = indices.fill_null(len(array.dictionary))
    return array.dictionary, indices.to_numpy(zero_copy_only=False)


def first_appearance(indices: np.ndarray, candidates: list[int]) -> list[int]:
    """``candidates`` (dictionary positions that occur in ``indices``) by first occurrence."""
    if len(candidates) < 2:
        return candidates
    return sorted(candidates, key=lambda i: int(np.argmax(indices == i)))


class GroupEncoder:
    """Global integer codes for one sensitive attribute's values, consistent across chunks.

    Values are stripped of surrounding whitespace; missing values get the ``UNKNOWN`` code.
    """

    def __init__(self, column: str, max_groups: int, *, control: bool = False) -> None:
        self.column = column
        self.max_groups = max_groups
        self.control = control  # a control feature's strata, not an audited attribute
        self.values: list[str] = []
        self._codes: dict[str, int] = {}
        self.literal_unknown = False

    def _code(self, value: str) -> int:
        code = self._codes.get(value)
        if code is None:
            code = len(self.values)
            self._codes[value] = code
            self.values.append(value)
        return code

    @property
    def distinct_known(self) -> int:
        return len(self.values) - (UNKNOWN in self._codes)

    def lookup(
        self, dictionary: pa.Array, present: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Global codes (int32) and missing flags (bool) for a chunk's dictionary positions, plus
        one last entry for nulls. Only the positions flagged in ``present`` (all by default)
        are registered as group values."""
        if len(dictionary) > 2 * self.max_groups + 16:
            # Cheap refusal before touching the values in Python: an identifier column.
            stripped = pc.utf8_trim_whitespace(as_strings(dictionary))
            if pc.count_distinct(stripped).as_py() > self.max_groups + len(MISSING_TOKENS) + 1:
                self._refuse()
        raw_values = as_strings(dictionary).to_pylist()
        codes = np.zeros(len(raw_values) + 1, dtype=np.int32)
        missing = np.ones(len(raw_values) + 1, dtype=bool)
        for i, raw in enumerate(raw_values):
            if present is not None and not present[i]:
                continue
            if _is_missing(raw):
                codes[i] = self._code(UNKNOWN)
                continue
            value = raw.strip()
            if CONTROL.search(value):
                raise FairnessInputError(
                    CONTROL_CHARACTER_IN_COLUMN.format(
                        column=self.column, value=excerpt(value), char=control_character(value)
                    ),
                    column=self.column,
                )
            if value == UNKNOWN:
                self.literal_unknown = True
            codes[i] = self._code(value)
            missing[i] = False
        if self.distinct_known > self.max_groups:
            self._refuse()
        codes[-1] = self._code(UNKNOWN)  # nulls
        return codes, missing

    def encode(self, array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
        """Codes (int32) for a chunk, and a bool mask of the rows whose value was missing."""
        dictionary, indices = dictionary_of(array)
        codes, missing = self.lookup(dictionary, _present(indices, len(dictionary)))
        return codes[indices], missing[indices]

    def _refuse(self) -> None:
        template = TOO_MANY_STRATA if self.control else TOO_MANY_GROUPS
        raise FairnessInputError(
            template.format(column=self.column, max_groups=self.max_groups),
            column=self.column,
            field="max_groups",
        )


class BinaryEncoder:
    """Codes for a two-class column (label or prediction), decided once the whole file is read.

    Each distinct value gets a *key*: ``True``/``False`` for the standard tokens, otherwise the
    stripped text. At most two keys may occur. Codes are 0 or 1 (the key's position of first
    appearance) and -1 for missing; ``resolve`` maps the codes to classes at the end, when it is
    known which values occurred, so ``pos_label`` can name either class.
    """

    def __init__(self, column: str, role: str, pos_label: str | None) -> None:
        self.column = column
        self.role = role
        self.pos_label = None if pos_label is None else str(pos_label).strip()
        self.keys: list[bool | str] = []
        self.spellings: list[str] = []  # how each key was first written, for messages
        self.refused = False  # a third class was met (see ``offends``)

    def _key(self, text: str) -> bool | str:
        low = text.lower()
        if self.pos_label is not None and text == self.pos_label:
            return text
        if low in TRUE_TOKENS:
            return True
        if low in FALSE_TOKENS:
            return False
        return text

    def lookup(
        self,
        dictionary: pa.Array,
        indices: np.ndarray,
        present: np.ndarray | None = None,
    ) -> np.ndarray:
        """Codes (int8: 0, 1, or -1 when missing) for a chunk's dictionary positions, plus one
        last entry (-1) for nulls. ``indices`` (the chunk's rows) order new values by first
        appearance; ``present`` flags the positions that occur (all by default)."""
        raw_values = as_strings(dictionary).to_pylist()
        codes = np.full(len(raw_values) + 1, -1, dtype=np.int8)
        used = [
            i
            for i, raw in enumerate(raw_values)
            if (present is None or present[i]) and not _is_missing(raw)
        ]
        keys = {i: self._key(raw_values[i].strip()) for i in used}
        if any(k not in self.keys for k in keys.values()):
            used = first_appearance(indices, used)
            for i in used:
                if keys[i] not in self.keys:
                    self.keys.append(keys[i])
                    self.spellings.append(raw_values[i].strip())
                    if len(self.keys) > 2:
                        self._refuse_non_binary([raw_values[j] for j in used])
        for i in used:
            codes[i] = self.keys.index(keys[i])
        return codes

    def encode(self, array: pa.Array) -> np.ndarray:
        """Codes (int8: 0, 1, or -1 when missing) for a chunk."""
        dictionary, indices = dictionary_of(array)
        return self.lookup(dictionary, indices, _present(indices, len(dictionary)))[indices]

    def offends(self, raw: str | None) -> bool:
        """After a refused third class: whether ``raw`` is the odd one out, so the first row
        holding one can be named. The odd ones are the values that are not standard tokens
        (0/1, true/false, yes/no) nor ``pos_label`` when such tokens occur, else every value after
        the first two classes."""
        if not self.refused or raw is None or _is_missing(raw):
            return False
        standard = [k for k in self.keys if isinstance(k, bool) or k == self.pos_label]
        allowed = standard if standard else self.keys[:2]
        return self._key(raw.strip()) not in allowed

    def _refuse_non_binary(self, chunk_values: list[str | None]) -> None:
        self.refused = True
        seen = list(self.spellings)
        for raw in chunk_values:
            if not _is_missing(raw) and raw.strip() not in seen:  # type: ignore[union-attr]
                seen.append(raw.strip())  # type: ignore[union-attr]
        shown = ", ".join(excerpt(v) for v in seen[:LIST_VALUES])
        if len(seen) > LIST_VALUES:
            shown += ", ..."
        extra = "" if self.pos_label is not None else ", or declare pos_label"
        raise FairnessInputError(
            NON_BINARY.format(
                column=self.column, role=self.role, extra=extra, count=len(seen), values=shown
            ),
            column=self.column,
        )

    def resolve(self) -> tuple[np.ndarray, str | None]:
        """Class (0/1) for each code, and a warning sentence or ``None``."""
        keys = self.keys
        if not keys:
            return np.zeros(2, dtype=np.int8), None
        p = self.pos_label
        if p is not None and p in keys:
            return np.array([k == p for k in keys] + [0] * (2 - len(keys)), dtype=np.int8), None
        if p is not None and p.lower() in TRUE_TOKENS | FALSE_TOKENS:
            positive: bool | str = p.lower() in TRUE_TOKENS
            if all(isinstance(k, bool) for k in keys):
                return (
                    np.array([k is positive for k in keys] + [0] * (2 - len(keys)), dtype=np.int8),
                    None,
                )
        if all(isinstance(k, bool) for k in keys):
            # Standard tokens (pos_label, if any, names a value this column does not use).
            return np.array([k is True for k in keys] + [0] * (2 - len(keys)), dtype=np.int8), None
        shown = ", ".join(excerpt(v) for v in self.spellings)
        if p is None:
            raise FairnessInputError(
                NON_BINARY.format(
                    column=self.column,
                    role=self.role,
                    extra=", or declare pos_label",
                    count=len(keys),
                    values=shown,
                ),
                column=self.column,
                field="pos_label",
            )
        if len(keys) == 1:
            warning = (
                f"Column {self.column!r} ({self.role}) holds only the value "
                f"{excerpt(self.spellings[0])}, "
                f"not pos_label={p!r}: every row counts as negative."
            )
            return np.zeros(2, dtype=np.int8), warning
        raise FairnessInputError(
            POS_LABEL_ABSENT.format(pos_label=p, column=self.column, values=shown),
            column=self.column,
            field="pos_label",
        )


def _present(indices: np.ndarray, size: int) -> np.ndarray:
    return np.bincount(indices, minlength=size + 1)[:size] > 0


def parse_numbers(array: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Float64 values of a chunk, with masks of missing and of unparseable (or non-finite) rows."""
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    if pa.types.is_integer(array.type) or pa.types.is_floating(array.type):
        values = array.cast(pa.float64()).fill_null(np.nan).to_numpy(zero_copy_only=False).copy()
        missing = np.isnan(values)  # null or NaN
        bad = np.isinf(values)
        values[bad] = np.nan
        return values, missing, bad
    text = pc.utf8_trim_whitespace(as_strings(array))
    low = pc.utf8_lower(text)
    missing_arr = pc.or_kleene(
        pc.is_in(low, value_set=pa.array(sorted(MISSING_TOKENS))), pc.is_null(text)
    ).fill_null(True)
    missing = np.asarray(missing_arr.to_numpy(zero_copy_only=False), dtype=bool)
    cleaned = pc.if_else(missing_arr, pa.scalar("0"), text)
    try:
        values = cleaned.cast(pa.float64()).to_numpy(zero_copy_only=False)
        bad = ~np.isfinite(values)
    except pa.ArrowInvalid:
        ok = pc.match_substring_regex(
            cleaned, r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
        ).fill_null(False)
        safe = pc.if_else(ok, cleaned, pa.scalar("0"))
        values = safe.cast(pa.float64()).to_numpy(zero_copy_only=False)
        bad = ~np.asarray(ok.to_numpy(zero_copy_only=False), dtype=bool) | ~np.isfinite(values)
    values = values.copy()
    bad &= ~missing
    values[missing | bad] = np.nan
    return values, missing, bad
