"""The count table as one SQL query: the streaming reader's rules, run where the data lives.

``count_query`` writes the ``GROUP BY`` that turns a table of decisions (one row per person) into
the count table ``read_sample`` would compute from the same rows: one row per combination of the
sensitive attributes' values, with ``tp, fp, tn, fn`` (or ``pp, pn``), the sums of squared weights
when weighted, and the provenance (rows read, dropped by reason, counted as unknown).

The rules are those of ``fairness._columns`` and ``fairness._read``, written in SQL:

- text is stripped of the characters ``str.strip`` removes; a missing value is null, blank or one
  of ``NA, N/A, NaN, null, #N/A`` (any case); a missing group value is the ``unknown`` group;
- a label or prediction is positive when it equals ``pos_label`` (when that value occurs in the
  column), else when it is a standard true token (``1, true, t, yes, y``; ``pos_label`` naming a
  false token turns this round), exactly as ``BinaryEncoder.resolve`` decides;
- a score or weight is a number when it reads as one (``[+-]digits[.digits][e[+-]digits]``) and
  is finite; a threshold ``>=v`` compares ``score >= v`` as doubles; ``top-k`` and ``top-p%``
  select the rows whose score is at least the k-th highest of the rows kept (ties all selected);
- rows are dropped under the first reason that applies, in the reader's order.

What SQL cannot say (a third class in a label column, an identifier-like group column, a control
character in a group value) is checked on the query's answer by ``fairness._engines``, with the
reader's own messages, from ``profile_query`` and the cells.

The query is built as text in DuckDB's dialect with every identifier and literal quoted by
``sqlglot`` (``exp.to_identifier``, ``exp.Literal``), then parsed and written out by ``sqlglot`` in
the target dialect: PostgreSQL quotes ``"..."`` and Spark ``\\`...\\```, and functions and casts
are spelled per engine (``REGEXP_MATCHES`` / ``~`` / ``RLIKE``, ``DOUBLE`` / ``DOUBLE PRECISION``).
Only functions the three engines share are used, so one text serves all three.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from fairness._arguments import Plan, make_plan
from fairness._columns import FALSE_TOKENS, MISSING_TOKENS, TRUE_TOKENS, WHITESPACE
from fairness._errors import FairnessInputError
from fairness._table import CONFUSION_COLUMNS, SELECTION_COLUMNS, UNKNOWN
from fairness._threshold import ThresholdRule

Dialect = Literal["duckdb", "postgres", "spark"]
DIALECTS: tuple[str, ...] = ("duckdb", "postgres", "spark")
#: How a column is stored: its text form depends on it (``1.0`` in a float column reads as ``1``).
ColumnKind = Literal["text", "integer", "float", "boolean"]

#: Drop reasons, in the reader's order (``read_sample``'s Notes).
DROP_REASONS = (
    "missing_label",
    "missing_prediction",
    "missing_score",
    "unparseable_score",
    "missing_weight",
    "unparseable_weight",
    "negative_weight",
)
ROWS_COLUMN = "_rows_read"
#: With a top-k or top-% rule: the rows selected (more than k when scores tie at the cut).
SELECTED_COLUMN = "_selected"
DROPPED_PREFIX = "_dropped_"
UNKNOWN_PREFIX = "_unknown_"
SQUARES_SUFFIX = "_w2"
NUMBER_RE = r"^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$"

NEED_SQLGLOT = (
    "Writing SQL needs the sqlglot package: pip install 'algorithm-registry[sql]' (or one of the "
    "engine extras duckdb, postgres, spark, which include it)."
)
BAD_DIALECT = "Unknown SQL dialect {value!r}; expected one of {expected}."
BAD_TABLE = (
    "Cannot read the table name {value!r}: give a name, or schema.table; write a part that "
    'holds a dot or a quote in double quotes, with quotes doubled ("my.schema"."a ""b""").'
)
NAME_TAKEN = (
    "The sensitive attribute {column!r} has the name of an output column of the count query; "
    "rename it in the query's source (e.g. a view) first."
)


def sqlglot_module() -> Any:
    """The ``sqlglot`` package, or a ``FairnessInputError`` naming the extra to install."""
    try:
        import sqlglot
    except ImportError:
        raise FairnessInputError(NEED_SQLGLOT) from None
    return sqlglot


@dataclass(frozen=True)
class CountQuery:
    """A count query and the names of its answer's columns."""

    sql: str
    dialect: str
    attributes: tuple[str, ...]
    controls: tuple[str, ...]  # control features: more group columns, after the attributes
    count_columns: tuple[str, ...]  # tp, fp, tn, fn or pp, pn
    square_columns: tuple[str, ...]  # tp_w2, ... when weighted, else ()
    reasons: tuple[str, ...]  # the drop reasons this mapping can have
    unknown_columns: tuple[str, ...]  # one per attribute: rows kept whose value was missing


class _Writer:
    """Quoting and expression pieces, in DuckDB's dialect (the text ``sqlglot`` reads)."""

    def __init__(self, kinds: Mapping[str, ColumnKind], dialect: str) -> None:
        from sqlglot import exp

        self.exp = exp
        self.kinds = kinds
        self.dialect = dialect

    def whitespace(self) -> str:
        """The characters ``str.strip`` removes. DuckDB and PostgreSQL: ``CHR(9) || CHR(10) ||
        ...``, printable and exact. Spark's ``CHR`` knows only ASCII (``CHR(n)`` is
        ``CHR(n % 256)``), so there one literal, which sqlglot writes with Spark's escapes."""
        if self.dialect == "spark":
            return self.text(WHITESPACE)
        return " || ".join(f"CHR({ord(c)})" for c in WHITESPACE)

    def ident(self, name: str) -> str:
        return str(self.exp.to_identifier(name, quoted=True).sql("duckdb"))

    def text(self, value: str) -> str:
        return str(self.exp.Literal.string(value).sql("duckdb"))

    def is_nan(self, expression: str) -> str:
        # DuckDB and Spark: ISNAN (DuckDB prunes "x = NaN" from a Parquet column whose
        # statistics, which leave NaN out, say it cannot hold). PostgreSQL: NaN equals NaN.
        if self.dialect == "postgres":
            return f"{expression} = CAST('NaN' AS DOUBLE)"
        return f"ISNAN({expression})"

    def double(self, value: float) -> str:
        value = float(value)
        if value != value:
            return "CAST('NaN' AS DOUBLE)"
        if value in (float("inf"), float("-inf")):
            return f"CAST('{'-' if value < 0 else ''}Infinity' AS DOUBLE)"
        return f"CAST({value!r} AS DOUBLE)"

    def tokens(self, values: Sequence[str]) -> str:
        return "(" + ", ".join(self.text(v) for v in sorted(values)) + ")"

    def as_text(self, column: str, qualifier: str | None = None) -> str:
        """The column's text, as ``fairness._columns.as_strings`` makes it."""
        c = self.ident(column) if qualifier is None else f"{qualifier}.{self.ident(column)}"
        kind = self.kinds.get(column, "text")
        if kind == "text":
            return c
        if kind in ("integer", "boolean"):
            return f"CAST({c} AS VARCHAR)"
        inf = self.double(float("inf"))
        # Whole numbers below 1e15 (exact in a double) as integers. The value is clamped before
        # the cast so that no row can fail it (NaN sorts above every number, so it clamps too):
        # DuckDB may evaluate a shared expression for every row, whatever the CASE around it.
        w_big = self.double(1e15)
        return (
            f"CASE WHEN {self.is_nan(c)} THEN 'nan' WHEN {c} = {inf} THEN 'inf' "
            f"WHEN {c} = -{inf} THEN '-inf' "
            f"WHEN {c} = FLOOR({c}) AND ABS({c}) < {w_big} "
            f"THEN CAST(CAST(LEAST(GREATEST({c}, -{w_big}), {w_big}) AS DECIMAL(38, 0)) "
            "AS VARCHAR) "
            f"ELSE CAST({c} AS VARCHAR) END"
        )

    def is_number(self, column: str) -> bool:
        return self.kinds.get(column, "text") in ("integer", "float")

    def stripped(self, column: str, qualifier: str | None = None) -> str:
        # The characters inline, not from a one-row table: a constant set lets DuckDB trim fast.
        return f"TRIM({self.as_text(column, qualifier)}, {self.whitespace()})"

    def missing(self, stripped: str) -> str:
        return f"({stripped} IS NULL OR LOWER({stripped}) IN {self.tokens(list(MISSING_TOKENS))})"


def count_query(
    table: str,
    dialect: str,
    *,
    label: str | None,
    prediction: str | None,
    sensitive_features: Sequence[str],
    score: str | None = None,
    threshold: ThresholdRule | str | None = None,
    weight: str | None = None,
    pos_label: str | None = None,
    control_features: Sequence[str] = (),
    kinds: Mapping[str, ColumnKind] | None = None,
    pretty: bool = True,
) -> CountQuery:
    """The ``GROUP BY`` query that computes, inside a database, the count table ``read_sample``
    computes from the same rows (see the module docstring for the rules).

    Parameters
    ----------
    table:
        The table or view of decisions, optionally qualified (``schema.table``); each part is
        quoted, so names with spaces, quotes or Chinese characters are safe.
    dialect:
        ``duckdb``, ``postgres`` or ``spark``.
    label, prediction, sensitive_features, score, threshold, weight, pos_label, control_features:
        The column mapping, as for ``read_sample`` (and checked the same way); control features
        are more group columns of the answer, after the attributes.
    kinds:
        How each column is stored (``text``, ``integer``, ``float``, ``boolean``), when known;
        columns not named are taken as text. A float column's whole numbers read as ``1``, not
        ``1.0``, as in the reader.
    pretty:
        Indent the query for reading.

    Returns
    -------
    CountQuery
        ``sql`` and the names of the answer's columns: the attributes, ``count_columns`` (``tp,
        fp, tn, fn`` or ``pp, pn``), ``square_columns`` (``tp_w2, ...`` when weighted),
        ``_rows_read``, ``_dropped_<reason>`` per reason in ``reasons``, and
        ``unknown_columns`` (``_unknown_<attribute>``: rows used whose value was missing).

    Raises
    ------
    FairnessInputError
        The mapping errors of ``read_sample``; an unknown dialect (``field="dialect"``); a
        sensitive attribute named like an output column; sqlglot not installed.

    Examples
    --------
    >>> q = count_query("decisions", "postgres", label=None, prediction="flagged",
    ...                 sensitive_features=["age band"], pretty=False)
    >>> q.count_columns, '"age band"' in q.sql
    (('pp', 'pn'), True)
    """
    plan = make_plan(
        label=label, prediction=prediction, sensitive_features=sensitive_features, score=score,
        threshold=threshold, weight=weight, pos_label=pos_label, max_groups=1000,
        control_features=control_features,
    )  # fmt: skip
    return query_for_plan(plan, table, dialect, kinds=kinds, pretty=pretty)


def query_for_plan(
    plan: Plan,
    table: str,
    dialect: str,
    *,
    kinds: Mapping[str, ColumnKind] | None = None,
    pretty: bool = True,
) -> CountQuery:
    """``count_query`` for a checked ``Plan``.

    Parameters
    ----------
    plan:
        The column mapping (``fairness._arguments.make_plan``: the same checks as ``read_sample``).
    table:
        The table or view, optionally qualified (``schema.table``); each part is quoted.
    dialect:
        ``duckdb``, ``postgres`` or ``spark``.
    kinds:
        How each column is stored, when known (an engine reads it from the table's schema);
        columns not named are taken as text. A float column's whole numbers read as ``1``, not
        ``1.0``, as in the reader.
    pretty:
        Indent the query for reading.
    """
    if dialect not in DIALECTS:
        raise FairnessInputError(
            BAD_DIALECT.format(value=dialect, expected=", ".join(DIALECTS)), field="dialect"
        )
    sqlglot = sqlglot_module()
    w = _Writer(kinds or {}, dialect)
    has_labels = plan.label is not None
    count_columns = CONFUSION_COLUMNS if has_labels else SELECTION_COLUMNS
    weighted = plan.weight is not None
    square_columns = tuple(f"{c}{SQUARES_SUFFIX}" for c in count_columns) if weighted else ()
    reasons = _reasons(plan)
    unknown_columns = tuple(f"{UNKNOWN_PREFIX}{a}" for a in plan.sensitive)
    taken = {*count_columns, *square_columns, ROWS_COLUMN, SELECTED_COLUMN, *unknown_columns}
    taken |= {f"{DROPPED_PREFIX}{r}" for r in reasons}
    for attribute in plan.grouping:
        if attribute in taken or attribute.lower() in {c.lower() for c in taken}:
            raise FairnessInputError(
                NAME_TAKEN.format(column=attribute), column=attribute, field="sensitive_features"
            )

    # 1. each used column once: stripped text (as str.strip), or a double for a number column
    numbers = [(r, c) for r, c in (("score", plan.score), ("weight", plan.weight)) if c]
    binary = [(r, c) for r, c in (("label", plan.label), ("pred", plan.prediction)) if c]
    texts = [(f"g{j}", a) for j, a in enumerate(plan.grouping)]
    texts += [(role, column) for role, column in binary]
    aggregate = plan.score is None and plan.weight is None
    parts: list[str] = []
    if aggregate:
        # Without a score or weight, the rules apply to each distinct combination of raw values,
        # counted first (as the reader's aggregate path): the text work is per combination.
        used = ", ".join(w.ident(c) for c in plan.needed)
        source = f"(SELECT {used}, COUNT(*) AS _n FROM {_table(table, w)} GROUP BY {used}) AS src"
        stripped = [f"{w.stripped(column)} AS s_{key}" for key, column in texts]
        stripped.append("_n")
        rows = "_n"
    else:
        # Per row, but the text rules once per distinct value of each text column: its stripped
        # text comes from a small map joined on the raw value (trimming every row with the full
        # set of Unicode spaces costs more than the join).
        source = f"{_table(table, w)} AS src"
        stripped = []
        for key, column in texts:
            parts.append(
                f"map_{key} AS (SELECT {w.ident(column)} AS raw, {w.stripped(column)} AS s "
                f"FROM {_distinct(table, column, w)})"
            )
            source += (
                f" LEFT JOIN map_{key} ON src.{w.ident(column)} IS NOT DISTINCT FROM map_{key}.raw"
            )
            stripped.append(f"map_{key}.s AS s_{key}")
        rows = "1"
    for role, column in numbers:
        if w.is_number(column):
            stripped.append(f"CAST(src.{w.ident(column)} AS DOUBLE) AS s_{role}")
        else:
            stripped.append(f"{w.stripped(column, 'src')} AS s_{role}")
    parts.append(f"stripped AS (SELECT {', '.join(stripped)} FROM {source})")
    # 2. missing flags, label and prediction text, numbers
    base: list[str] = []
    for j in range(len(plan.grouping)):
        base.append(f"s_g{j} AS g{j}")
        if j == 0 and aggregate:
            base.append("_n")
        base.append(f"CASE WHEN {w.missing(f's_g{j}')} THEN 1 ELSE 0 END AS gm{j}")
    for role, _ in binary:
        base.append(
            f"CASE WHEN {w.missing(f's_{role}')} THEN NULL ELSE s_{role} END AS {role}_text"
        )
    for role, column in numbers:
        base.extend(_number(w, column, role))
    parts.append(f"base AS (SELECT {', '.join(base)} FROM stripped)")

    # 3. flags: does pos_label occur in each binary column (BinaryEncoder.resolve's first case)
    pos = None if plan.pos_label is None else str(plan.pos_label).strip()
    flag_columns = []
    if pos is not None:
        for role, _ in binary:
            flag_columns.append(
                f"MAX(CASE WHEN {role}_text = {w.text(pos)} THEN 1 ELSE 0 END) AS {role}_has_pos"
            )
        parts.append(f"flags AS (SELECT {', '.join(flag_columns)} FROM base)")

    # 4. classes and the drop reason of each row
    positive_class = 0 if pos is not None and pos.lower() in FALSE_TOKENS else 1
    classed = ["base.*"]
    for role, _ in binary:
        token = (
            f"CASE WHEN LOWER({role}_text) IN {w.tokens(list(TRUE_TOKENS))} THEN 1 "
            f"WHEN LOWER({role}_text) IN {w.tokens(list(FALSE_TOKENS))} THEN 0 END"
        )
        by_token = f"CASE WHEN ({token}) = {positive_class} THEN 1 ELSE 0 END"
        if pos is None:
            value = by_token
        else:
            by_pos = f"CASE WHEN {role}_text = {w.text(pos)} THEN 1 ELSE 0 END"
            value = f"CASE WHEN flags.{role}_has_pos = 1 THEN {by_pos} ELSE {by_token} END"
        classed.append(f"CASE WHEN {role}_text IS NULL THEN NULL ELSE {value} END AS {role}_class")
    conditions = {
        "missing_label": "label_text IS NULL",
        "missing_prediction": "pred_text IS NULL",
        "missing_score": "score_missing = 1",
        "unparseable_score": "score_bad = 1",
        "missing_weight": "weight_missing = 1",
        "unparseable_weight": "weight_bad = 1",
        "negative_weight": "weight_value < 0",
    }
    reason = " ".join(f"WHEN {conditions[r]} THEN {w.text(r)}" for r in reasons)
    classed.append(f"CASE {reason} END AS drop_reason" if reasons else "NULL AS drop_reason")
    from_flags = "base CROSS JOIN flags" if flag_columns else "base"
    parts.append(f"classed AS (SELECT {', '.join(classed)} FROM {from_flags})")

    # 5. predictions from a threshold rule
    rule = plan.threshold
    final = "classed"
    if rule is not None:
        if rule.kind == "score_gte":
            predicted = f"CASE WHEN score_value >= {w.double(rule.value)} THEN 1 ELSE 0 END"
            parts.append(f"predicted AS (SELECT classed.*, {predicted} AS pred_class FROM classed)")
        else:
            parts.append(
                "ranked AS (SELECT score_value, ROW_NUMBER() OVER (ORDER BY score_value DESC) "
                "AS rank_desc, COUNT(*) OVER () AS kept FROM classed WHERE drop_reason IS NULL)"
            )
            if rule.kind == "top_k":
                k = str(int(rule.value))
            else:  # ThresholdRule.apply: ceil(value / 100 * n - 1e-9)
                k = (
                    f"CEIL({w.double(rule.value)} / {w.double(100)} * CAST(kept AS DOUBLE) "
                    f"- {w.double(1e-9)})"
                )
            parts.append(
                f"cut AS (SELECT MIN(CASE WHEN rank_desc <= {k} THEN score_value END) AS cut "
                "FROM ranked)"
            )
            predicted = "CASE WHEN cut.cut IS NOT NULL AND score_value >= cut.cut THEN 1 ELSE 0 END"
            parts.append(
                f"predicted AS (SELECT classed.*, {predicted} AS pred_class "
                "FROM classed CROSS JOIN cut)"
            )
        final = "predicted"

    # 6. the count table
    weight = "weight_value" if weighted else rows
    kept = "drop_reason IS NULL"
    if has_labels:
        outcomes = {"tp": (1, 1), "fp": (0, 1), "tn": (0, 0), "fn": (1, 0)}
        when = {
            name: f"{kept} AND label_class = {lab} AND pred_class = {pred}"
            for name, (lab, pred) in outcomes.items()
        }
    else:
        when = {"pp": f"{kept} AND pred_class = 1", "pn": f"{kept} AND pred_class = 0"}
    groups = [
        f"CASE WHEN gm{j} = 1 THEN {w.text(UNKNOWN)} ELSE g{j} END"
        for j in range(len(plan.grouping))
    ]
    select = [f"{g} AS {w.ident(a)}" for g, a in zip(groups, plan.grouping, strict=True)]
    for name in count_columns:
        select.append(f"SUM(CASE WHEN {when[name]} THEN {weight} ELSE 0 END) AS {w.ident(name)}")
    for name, square in zip(count_columns, square_columns, strict=False):
        select.append(
            f"SUM(CASE WHEN {when[name]} THEN {weight} * {weight} ELSE 0 END) AS {w.ident(square)}"
        )
    select.append(f"SUM({rows}) AS {w.ident(ROWS_COLUMN)}")
    if rule is not None and rule.kind != "score_gte":
        select.append(
            f"SUM(CASE WHEN {kept} AND pred_class = 1 THEN {rows} ELSE 0 END) "
            f"AS {w.ident(SELECTED_COLUMN)}"
        )
    for r in reasons:
        select.append(
            f"SUM(CASE WHEN drop_reason = {w.text(r)} THEN {rows} ELSE 0 END) "
            f"AS {w.ident(DROPPED_PREFIX + r)}"
        )
    for j, name in enumerate(unknown_columns):
        select.append(
            f"SUM(CASE WHEN {kept} AND gm{j} = 1 THEN {rows} ELSE 0 END) AS {w.ident(name)}"
        )
    group_by = ", ".join(str(i + 1) for i in range(len(plan.grouping)))
    text = (
        f"WITH {', '.join(parts)} SELECT {', '.join(select)} FROM {final} "
        f"GROUP BY {group_by} ORDER BY {group_by}"
    )
    sql = sqlglot.transpile(text, read="duckdb", write=dialect, pretty=pretty)[0]
    return CountQuery(
        sql=sql,
        dialect=dialect,
        attributes=plan.sensitive,
        controls=plan.controls,
        count_columns=count_columns,
        square_columns=square_columns,
        reasons=reasons,
        unknown_columns=unknown_columns,
    )


def profile_query(
    plan: Plan, table: str, dialect: str, *, kinds: Mapping[str, ColumnKind] | None = None,
    max_values: int = 1000,
) -> str:  # fmt: skip
    """What the reader checks beyond counting, as one query of three columns ``role, column,
    value``: the distinct stripped values of the label and prediction columns, missing ones
    included (at most ``max_values`` each: a binary column has two, and a few spellings of a
    missing value; no filter, which an engine would push below the DISTINCT onto every row), and
    per group column the number of distinct known values (``role = 'groups'``) and whether the
    literal text ``unknown`` occurs (``role = 'literal_unknown'``)."""
    sqlglot = sqlglot_module()
    w = _Writer(kinds or {}, dialect)
    selects = []
    for role, column in (("label", plan.label), ("prediction", plan.prediction)):
        if column is None:
            continue
        s = w.stripped(column)
        selects.append(
            f"SELECT * FROM (SELECT DISTINCT {w.text(role)} AS role, {w.text(column)} AS col, "
            f"{s} AS value FROM {_distinct(table, column, w)} "
            f"LIMIT {int(max_values) + 1}) AS {role}_values"
        )
    for attribute in plan.grouping:
        s = w.stripped(attribute)
        source = f"FROM {_distinct(table, attribute, w)}"
        selects.append(
            f"SELECT 'groups' AS role, {w.text(attribute)} AS col, "
            f"CAST(COUNT(DISTINCT CASE WHEN NOT {w.missing(s)} AND {s} <> {w.text(UNKNOWN)} "
            f"THEN {s} END) AS VARCHAR) AS value {source}"
        )
        selects.append(
            f"SELECT 'literal_unknown' AS role, {w.text(attribute)} AS col, "
            f"CAST(MAX(CASE WHEN {s} = {w.text(UNKNOWN)} THEN 1 ELSE 0 END) AS VARCHAR) "
            f"AS value {source}"
        )
    text = " UNION ALL ".join(selects)
    return str(sqlglot.transpile(text, read="duckdb", write=dialect)[0])


def quoted_table(table: str, dialect: str = "duckdb") -> str:
    """``schema.table`` with each part quoted in ``dialect`` (a part may be written quoted:
    ``"we.ird".t``); a name sqlglot cannot read is refused, naming the field."""
    from sqlglot import exp
    from sqlglot.errors import SqlglotError

    try:
        parsed = exp.to_table(table, dialect="duckdb")
    except SqlglotError:
        raise FairnessInputError(BAD_TABLE.format(value=table), field="table") from None
    for part in parsed.parts:
        part.set("quoted", True)
    return str(parsed.sql(dialect))


def _table(table: str, w: _Writer) -> str:
    return quoted_table(table)


def _distinct(table: str, column: str, w: _Writer) -> str:
    """The distinct raw values of one column, under the column's own name."""
    return f"(SELECT DISTINCT {w.ident(column)} FROM {_table(table, w)}) AS distinct_values"


def _number(w: _Writer, column: str, role: str) -> list[str]:
    """``{role}_value`` (double or null), ``{role}_missing`` and ``{role}_bad`` (0/1) from the
    stripped text or double ``s_{role}``, as ``fairness._columns.parse_numbers``."""
    s = f"s_{role}"
    inf = w.double(float("inf"))
    if w.is_number(column):
        missing = f"({s} IS NULL OR {w.is_nan(s)})"
        bad = f"({s} = {inf} OR {s} = -{inf})"
        return [
            f"CASE WHEN {missing} OR {bad} THEN NULL ELSE {s} END AS {role}_value",
            f"CASE WHEN {missing} THEN 1 ELSE 0 END AS {role}_missing",
            f"CASE WHEN {bad} AND NOT {missing} THEN 1 ELSE 0 END AS {role}_bad",
        ]
    missing = w.missing(s)
    number = f"REGEXP_MATCHES({s}, {w.text(NUMBER_RE)})"
    return [
        f"CASE WHEN {missing} THEN NULL WHEN {number} THEN CAST({s} AS DOUBLE) END AS {role}_value",
        f"CASE WHEN {missing} THEN 1 ELSE 0 END AS {role}_missing",
        f"CASE WHEN {missing} THEN 0 WHEN {number} THEN 0 ELSE 1 END AS {role}_bad",
    ]


def _reasons(plan: Plan) -> tuple[str, ...]:
    present = {
        "missing_label": plan.label is not None,
        "missing_prediction": plan.prediction is not None and plan.threshold is None,
        "missing_score": plan.score is not None,
        "unparseable_score": plan.score is not None,
        "missing_weight": plan.weight is not None,
        "unparseable_weight": plan.weight is not None,
        "negative_weight": plan.weight is not None,
    }
    return tuple(r for r in DROP_REASONS if present[r])
