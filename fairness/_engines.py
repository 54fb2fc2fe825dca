"""Run the count query where the data lives: DuckDB (CSV/Parquet files), PostgreSQL (a table by
connection URL), Spark (a table or files, local mode or a cluster by master URL).

Each engine is an optional extra (``pip install 'algorithm-registry[duckdb]'``, ``[postgres]``,
``[spark]``) and is imported only here, when asked for. The answer becomes the same ``Sample``
``read_sample`` returns for the same rows (counts and provenance; no score table: score metrics
need the scores themselves), checked with the reader's own rules and messages: an identifier-like
group column, a control character in a group value, a label column of three classes, a table
without rows or with more than half of them dropped.

This is the one module of ``fairness`` that may import a database driver (psycopg), and only
inside the function that uses it: tests/test_architecture.py names it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from fairness._arguments import Plan, check_columns, identifier_warnings, make_plan
from fairness._columns import CONTROL, BinaryEncoder, control_character
from fairness._errors import (
    CONTROL_CHARACTER_IN_COLUMN,
    HEADER_ONLY,
    NO_USABLE_ROWS,
    TOO_MANY_DROPPED,
    TOO_MANY_GROUPS,
    TOO_MANY_STRATA,
    FairnessInputError,
    excerpt,
)
from fairness._read import MAX_DROPPED_SHARE
from fairness._sql import (
    DROPPED_PREFIX,
    ROWS_COLUMN,
    SELECTED_COLUMN,
    ColumnKind,
    CountQuery,
    profile_query,
    query_for_plan,
    quoted_table,
    sqlglot_module,
)
from fairness._table import UNKNOWN, CellTable, ReadStats, Sample
from fairness._threshold import ThresholdRule

ENGINES = ("duckdb", "postgres", "spark")
#: The name the DuckDB and Spark engines give the files they read.
SOURCE_VIEW = "fairness_source"

NEED_ENGINE = (
    "The {engine} engine needs the {package} package: pip install 'algorithm-registry[{extra}]'."
)
BAD_ENGINE = "Unknown engine {value!r}; expected one of {expected}."
NEED_TABLE = "The {engine} engine reads a table: give its name (--table)."
NO_FILES = "No file matches {source!r}."
MIXED_FILES = (
    "{source!r} matches files of different formats ({formats}); count one format at a time."
)


def _need(module: str, engine: str, package: str, extra: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise FairnessInputError(
            NEED_ENGINE.format(engine=engine, package=package, extra=extra), field="engine"
        ) from None


@dataclass(frozen=True)
class _Answer:
    frame: pd.DataFrame  # the count query's answer
    profile: list[tuple[str, str, str | None]]  # the profile query's rows
    columns: list[str]  # every column of the source (for identifier warnings)


def count_in_engine(
    engine: str,
    source: str,
    *,
    label: str | None,
    prediction: str | None,
    sensitive_features: Sequence[str],
    score: str | None = None,
    threshold: ThresholdRule | str | None = None,
    weight: str | None = None,
    pos_label: str | None = None,
    control_features: Sequence[str] = (),
    table: str | None = None,
    delimiter: str | None = None,
    max_groups: int = 1000,
    master: str | None = None,
) -> Sample:
    """Count a table of decisions where it lives: the ``Sample`` ``read_sample`` would return.

    Parameters
    ----------
    engine:
        ``duckdb``, ``postgres`` or ``spark`` (each an optional extra of the same name).
    source:
        DuckDB and Spark: a CSV (optionally .gz) or Parquet file, or a glob of such files
        (``"data/*.parquet"``); with ``table``, DuckDB reads that table of the DuckDB database
        file ``source`` and Spark that table of its catalog. PostgreSQL: a connection URL
        (``postgresql://user@host:5432/db``), with ``table``.
    label, prediction, sensitive_features, score, threshold, weight, pos_label, delimiter,
    max_groups, control_features:
        As for ``read_sample``.
    table:
        The table or view, optionally ``schema.table``.
    master:
        Spark's master URL (default ``local[*]``: this machine).

    Returns
    -------
    Sample
        ``cells`` equal, cell for cell, to ``read_sample``'s on the same rows (sums of weights
        up to floating-point rounding: the engine adds in another order); ``scores=None``
        (score metrics need the scores themselves); ``stats`` with the rows read, used, dropped
        by reason and unknown per attribute, the reader's warnings, ``sha256=None`` and
        ``source_format`` the engine's name.

    Raises
    ------
    FairnessInputError
        The reader's errors (missing columns, a third class, an identifier-like group column, a
        control character, no rows, too many dropped), an unknown engine, a missing ``table``,
        or the engine's package not installed (the message names the extra).
    """
    plan = make_plan(
        label=label, prediction=prediction, sensitive_features=sensitive_features, score=score,
        threshold=threshold, weight=weight, pos_label=pos_label, max_groups=max_groups,
        control_features=control_features,
    )  # fmt: skip
    return count_plan(
        engine, source, plan, table=table, delimiter=delimiter, max_groups=max_groups,
        master=master,
    )  # fmt: skip


def count_plan(
    engine: str,
    source: str,
    plan: Plan,
    *,
    table: str | None = None,
    delimiter: str | None = None,
    max_groups: int = 1000,
    master: str | None = None,
) -> Sample:
    """``count_in_engine`` for a checked ``Plan``."""
    if engine not in ENGINES:
        raise FairnessInputError(
            BAD_ENGINE.format(value=engine, expected=", ".join(ENGINES)), field="engine"
        )
    sqlglot_module()  # the clear error first, when sqlglot is missing
    runners: dict[str, Callable[..., tuple[_Answer, CountQuery]]] = {
        "duckdb": _duckdb,
        "postgres": _postgres,
        "spark": _spark,
    }
    answer, query = runners[engine](
        source, plan, table=table, delimiter=delimiter, max_groups=max_groups, master=master
    )
    return finish_counts(answer, query, plan, engine, max_groups=max_groups)


# --- the engines ----------------------------------------------------------------------------------
def _files(source: str) -> tuple[list[str], str]:
    """The files a path or glob names, and their format (``csv``, ``csv.gz``, ``parquet``)."""
    import glob

    from fairness._sniff import sniff_format

    paths = sorted(glob.glob(source)) if any(c in source for c in "*?[") else [source]
    paths = [p for p in paths if Path(p).is_file()]
    if not paths:
        raise FairnessInputError(NO_FILES.format(source=source))
    formats = set()
    for p in paths:
        with open(p, "rb") as f:
            formats.add(sniff_format(f.read(1 << 16)))
    if len(formats) > 1:
        raise FairnessInputError(
            MIXED_FILES.format(source=source, formats=", ".join(sorted(formats)))
        )
    return paths, formats.pop()


def _csv_delimiter(path: str, delimiter: str | None) -> tuple[str, list[str]]:
    from fairness._source import open_source

    with open_source(path, delimiter=delimiter) as opened:
        assert opened.csv is not None
        return opened.csv.delimiter, list(opened.columns)


def _kind_of(type_name: str) -> ColumnKind:
    t = type_name.lower()
    if any(k in t for k in ("double", "float", "real", "decimal", "numeric")):
        return "float"
    if any(k in t for k in ("int", "long", "short", "byte")):
        return "integer"
    if "bool" in t:
        return "boolean"
    return "text"


def _duckdb(
    source: str, plan: Plan, *, table: str | None, delimiter: str | None, max_groups: int,
    master: str | None,
) -> tuple[_Answer, CountQuery]:  # fmt: skip
    duckdb = _need("duckdb", "duckdb", "duckdb", "duckdb")
    con = duckdb.connect(":memory:")
    try:
        if table is not None:  # a DuckDB database file and a table in it
            con.execute("ATTACH ? AS src (READ_ONLY)", [source])
            con.execute("USE src")
            name = table
        else:
            paths, kind = _files(source)
            if kind == "parquet":
                reader = "read_parquet(?)"
                params: list[Any] = [paths]
            else:
                sep, _ = _csv_delimiter(paths[0], delimiter)
                reader = (
                    "read_csv(?, header = true, all_varchar = true, delim = ?, quote = '\"', "
                    "escape = '\"', auto_detect = false, columns = ?)"
                )
                _, header = _csv_delimiter(paths[0], delimiter)
                params = [paths, sep, dict.fromkeys(header, "VARCHAR")]
            relation = con.sql(f"SELECT * FROM {reader}", params=params)
            relation.create_view(SOURCE_VIEW)
            name = SOURCE_VIEW
        described = con.execute(f"DESCRIBE {quoted_table(name)}").fetchall()
        types = {str(row[0]): str(row[1]) for row in described}
        return _run_queries(
            plan, name, "duckdb", types,
            lambda sql: con.execute(sql).fetch_df(),
            lambda sql: [tuple(r) for r in con.execute(sql).fetchall()],
        )  # fmt: skip
    finally:
        con.close()


def _postgres(
    source: str, plan: Plan, *, table: str | None, delimiter: str | None, max_groups: int,
    master: str | None,
) -> tuple[_Answer, CountQuery]:  # fmt: skip
    if table is None:
        raise FairnessInputError(NEED_TABLE.format(engine="postgres"), field="table")
    psycopg = _need("psycopg", "postgres", "psycopg", "postgres")
    from sqlglot import exp

    parsed = exp.to_table(quoted_table(table), dialect="duckdb")  # refused when unreadable
    schema = parsed.db or None
    with psycopg.connect(source.replace("postgresql+psycopg://", "postgresql://")) as conn:
        conn.read_only = True
        with conn.cursor() as cur:
            cur.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_name = %s AND (%s::text IS NULL OR table_schema = %s) "
                "AND (%s::text IS NOT NULL OR table_schema = ANY(current_schemas(false))) "
                "ORDER BY ordinal_position",
                (parsed.name, schema, schema, schema),
            )
            types = {str(r[0]): str(r[1]) for r in cur.fetchall()}

            def frame(sql: str) -> pd.DataFrame:
                cur.execute(sql)
                names = [d.name for d in cur.description]
                return pd.DataFrame(cur.fetchall(), columns=names)

            def rows(sql: str) -> list[tuple[Any, ...]]:
                cur.execute(sql)
                return [tuple(r) for r in cur.fetchall()]

            return _run_queries(plan, table, "postgres", types, frame, rows)


def _spark(
    source: str, plan: Plan, *, table: str | None, delimiter: str | None, max_groups: int,
    master: str | None,
) -> tuple[_Answer, CountQuery]:  # fmt: skip
    sql_module = _need("pyspark.sql", "spark", "pyspark", "spark")
    builder = sql_module.SparkSession.builder.master(master or "local[*]").appName("fairness")
    spark = builder.config("spark.ui.showConsoleProgress", "false").getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    if table is not None:
        name = table
    else:
        local = "://" not in source  # hdfs://, s3a://, file:// are Spark's to read
        if local:
            paths, kind = _files(source)
        else:  # a location only Spark can read (hdfs://, s3a://, ...): the format by its name
            paths, kind = [source], "parquet" if ".parquet" in source.lower() else "csv"
        if kind == "parquet":
            df = spark.read.parquet(*paths)
        else:
            sep = _csv_delimiter(paths[0], delimiter)[0] if local else (delimiter or ",")
            df = spark.read.csv(
                paths, header=True, sep=sep, quote='"', escape='"', multiLine=True,
                inferSchema=False, ignoreLeadingWhiteSpace=False, ignoreTrailingWhiteSpace=False,
                encoding="UTF-8",
            )  # fmt: skip
        df.createOrReplaceTempView(SOURCE_VIEW)
        name = SOURCE_VIEW
    types = {
        f.name: f.dataType.simpleString() for f in spark.table(quoted_table(name, "spark")).schema
    }
    return _run_queries(
        plan, name, "spark", types,
        lambda sql: _spark_frame(spark.sql(sql)),
        lambda sql: [tuple(r) for r in spark.sql(sql).collect()],
    )  # fmt: skip


def _spark_frame(df: Any) -> pd.DataFrame:
    # collect() rather than toPandas(): no dependence on PySpark's pandas support.
    return pd.DataFrame([tuple(r) for r in df.collect()], columns=df.columns)


def _run_queries(
    plan: Plan,
    table: str,
    dialect: str,
    types: Mapping[str, str],
    frame: Callable[[str], pd.DataFrame],
    rows: Callable[[str], list[tuple[Any, ...]]],
) -> tuple[_Answer, CountQuery]:
    columns = list(types)
    check_columns(plan.needed, columns)
    kinds = {c: _kind_of(t) for c, t in types.items()}
    profile = rows(profile_query(plan, table, dialect, kinds=kinds))
    query = query_for_plan(plan, table, dialect, kinds=kinds, pretty=False)
    answer = _Answer(frame(query.sql), profile, columns)  # type: ignore[arg-type]
    return answer, query


# --- the answer as a Sample -----------------------------------------------------------------------
def finish_counts(
    answer: _Answer, query: CountQuery, plan: Plan, engine: str, *, max_groups: int = 1000
) -> Sample:
    """The reader's checks on the profile and the answer, then the ``Sample``."""
    warnings = identifier_warnings(answer.columns)
    binary: dict[str, list[str]] = {"label": [], "prediction": []}
    for role, column, value in answer.profile:
        if role in binary and value is not None:
            binary[role].append(str(value))
        elif role == "groups" and int(str(value)) > max_groups:
            template = TOO_MANY_STRATA if column in plan.controls else TOO_MANY_GROUPS
            raise FairnessInputError(
                template.format(column=column, max_groups=max_groups),
                column=column,
                field="max_groups",
            )
    for role, name in (("label", plan.label), ("prediction", plan.prediction)):
        if name is None or (role == "prediction" and plan.threshold is not None):
            continue
        encoder = BinaryEncoder(name, role, plan.pos_label)
        values = pa.array(binary[role], type=pa.string())
        encoder.lookup(values, np.arange(len(values)))
        _, warning = encoder.resolve()
        if warning:
            warnings.append(warning)
    frame = answer.frame
    rows_read = int(frame[ROWS_COLUMN].sum()) if len(frame) else 0
    dropped = {r: int(frame[DROPPED_PREFIX + r].sum()) for r in query.reasons if len(frame)}
    dropped = {r: n for r, n in dropped.items() if n}
    total_dropped = sum(dropped.values())
    reasons = ", ".join(f"{k}: {v}" for k, v in sorted(dropped.items()))
    if rows_read == 0:
        raise FairnessInputError(HEADER_ONLY)
    if total_dropped == rows_read:
        raise FairnessInputError(NO_USABLE_ROWS.format(reasons=reasons))
    if total_dropped > MAX_DROPPED_SHARE * rows_read:
        raise FairnessInputError(
            TOO_MANY_DROPPED.format(
                dropped=total_dropped, read=rows_read, share=total_dropped / rows_read,
                reasons=reasons,
            )
        )  # fmt: skip
    grouping = (*query.attributes, *query.controls)
    for attribute in grouping:
        for value in frame[attribute].astype(str):
            if CONTROL.search(value):
                raise FairnessInputError(
                    CONTROL_CHARACTER_IN_COLUMN.format(
                        column=attribute, value=excerpt(value), char=control_character(value)
                    ),
                    column=attribute,
                )
    rule = plan.threshold
    if rule is not None and rule.kind != "score_gte" and len(frame):
        used = rows_read - total_dropped
        wanted = int(rule.value) if rule.kind == "top_k" else rule.apply(np.zeros(used))[1]
        selected = int(frame[SELECTED_COLUMN].sum())
        if wanted is not None and selected > wanted:  # as fairness._scores.finish_scores
            warnings.append(
                f"Threshold {rule.to_str()} asked for {wanted} rows; {selected} were "
                f"selected because rows with a score equal to the cut are all selected."
            )
    for role, column, value in answer.profile:
        if role == "literal_unknown" and str(value) == "1":
            warnings.append(
                f"Column {column!r} holds the value {UNKNOWN!r}; those rows are counted "
                f"together with the rows whose value is missing."
            )
    weighted = plan.weight is not None
    cells = _cell_frame(frame, grouping, query.count_columns, weighted)
    squares = None
    if weighted:
        squared = frame.loc[:, [*grouping, *query.square_columns]].rename(
            columns=dict(zip(query.square_columns, query.count_columns, strict=True))
        )
        squares = _cell_frame(squared, grouping, query.count_columns, True)
    stats = ReadStats(
        sha256=None,
        source_format=engine,
        rows_read=rows_read,
        rows_used=rows_read - total_dropped,
        rows_dropped=dict(sorted(dropped.items())),
        unknown={
            a: int(frame[c].sum()) if len(frame) else 0
            for a, c in zip(query.attributes, query.unknown_columns, strict=True)
        },
        warnings=tuple(warnings),
        columns=plan.mapping(),
    )
    table = CellTable(
        attributes=query.attributes,
        frame=cells,
        has_labels=plan.label is not None,
        weighted=weighted,
        squares=squares,
        controls=query.controls,
    )
    return Sample(cells=table, scores=None, stats=stats)


def _cell_frame(
    frame: pd.DataFrame, attributes: Sequence[str], counts: Sequence[str], weighted: bool
) -> pd.DataFrame:
    """The cells in the reader's order (each attribute's values sorted, ``unknown`` last) and
    types (``str`` attributes, ``int64`` or ``float64`` counts)."""
    keys = [[(v == UNKNOWN, v) for v in frame[a].astype(str).tolist()] for a in attributes]
    order = sorted(range(len(frame)), key=lambda i: tuple(k[i] for k in keys))
    out: dict[str, Any] = {}
    for a in attributes:
        values = frame[a].astype(str).tolist()
        out[a] = pd.array([values[i] for i in order], dtype="str")
    for c in counts:
        column = pd.to_numeric(frame[c]).to_numpy()[order] if len(frame) else np.zeros(0)
        out[c] = column.astype(np.float64 if weighted else np.int64)
    return pd.DataFrame(out)
