"""The ``fairness`` command: audit a prediction sample, or reduce it to a count table.

    fairness audit sample.csv --label hired --prediction selected --sensitive sex,ethnicity \\
        --preset four-fifths --fail-on fail
    fairness counts sample.csv --label hired --prediction selected --sensitive sex \\
        --output counts.csv
    fairness sql --dialect postgres --table decisions --spec spec.json
    fairness counts --engine duckdb 'decisions/*.parquet' --spec spec.json -o counts.csv

Exit status: 0 done; 1 a check failed (or was inconclusive) and ``--fail-on`` asked to fail;
2 the input, the mapping or the spec cannot be used (the message goes to stderr, no traceback).
Heavy modules (numpy, pandas, scipy, fairlearn) load only after the arguments are parsed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

EXIT_OK = 0
EXIT_CHECKS = 1
EXIT_INPUT = 2

BAD_REFERENCE = (
    "--reference expects most_favoured, largest, overall or attribute=value, got {value!r}"
)
CANNOT_WRITE = "Cannot write {path}: {detail}"
PROGRESS_MIN_BYTES = 50_000_000  # show a progress bar only for files at least this large


def _mapping_arguments(
    parser: argparse.ArgumentParser, *, file_help: str | None = None, rows: bool = True
) -> None:
    """The column mapping flags; ``rows=False`` for a command that reads no file itself (no FILE,
    no --delimiter)."""
    if rows:
        parser.add_argument(
            "file",
            help=file_help
            or "the sample, one row per person: CSV (optionally .gz) or Parquet; the format is "
            "detected from the first bytes, not the file name",
        )
    parser.add_argument(
        "--label",
        metavar="COLUMN",
        help="column of true outcomes (two classes such as 0/1, yes/no); omit when there are "
        "none: error rates are then not assessed",
    )
    parser.add_argument(
        "--prediction",
        metavar="COLUMN",
        help="column of the algorithm's decisions (two classes); or give --score and --threshold",
    )
    parser.add_argument(
        "--sensitive",
        metavar="COLUMNS",
        help="comma-separated columns of group attributes to compare, e.g. sex,age_band",
    )
    parser.add_argument(
        "--control",
        metavar="COLUMNS",
        help="comma-separated columns to compare groups within (conditional parity), e.g. "
        "region: each comparison is also made among cases with the same values, and pooled",
    )
    parser.add_argument("--score", metavar="COLUMN", help="column of numeric scores")
    parser.add_argument(
        "--threshold",
        metavar="RULE",
        help="how scores become decisions: '>=0.7' (a cut-off), 'top-100' (the 100 highest) or "
        "'top-10%%' (the highest tenth)",
    )
    parser.add_argument(
        "--weight",
        metavar="COLUMN",
        help="column of non-negative sample weights (each row counts this many times)",
    )
    parser.add_argument(
        "--pos-label",
        metavar="VALUE",
        help="the value meaning 'positive' in the label and prediction columns, when they do "
        "not use 1/true/yes",
    )
    if rows:
        parser.add_argument(
            "--delimiter", metavar="CHAR", help="CSV delimiter (detected when omitted)"
        )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``fairness`` command."""
    parser = argparse.ArgumentParser(
        prog="fairness",
        description="Assess and disclose group disparities in an algorithm's decisions.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    audit = commands.add_parser(
        "audit",
        help="audit a sample and print verdicts and group rates",
        description="Audit a sample: compare the algorithm's decisions (and, with labels, its "
        "errors) across groups, and print a verdict per check with the rates of every group. "
        "Checks come from --spec, else from --preset, else the defaults for --favourable "
        "(beneficial: selection-rate impact ratio >= 0.8 and, with labels, true positive rate "
        "difference <= 0.1; adverse: false positive rate ratio >= 0.8 and difference <= 0.1).",
        epilog="Exit status: 0 done; 1 the verdict reached --fail-on; 2 the file, the mapping or "
        "the spec cannot be used (the message names the column, line or field).",
    )
    _mapping_arguments(audit)
    audit.add_argument(
        "--counts",
        action="store_true",
        help="FILE is a pre-aggregated count table, not one row per person: the group columns "
        "and tp,fp,tn,fn, or label,prediction,count, or prediction,count, or pp,pn",
    )
    audit.add_argument(
        "--spec",
        metavar="FILE",
        help="audit spec file (TOML or JSON): columns, checks, reference, favourable outcome; "
        "the flags given here override it",
    )
    audit.add_argument(
        "--preset",
        choices=("four-fifths", "ll144"),
        help="a ready-made set of checks, used when the spec declares none. four-fifths: the "
        "selection rate of each group is at least 0.8 times that of the most favoured group "
        "(the US four-fifths rule). ll144: the impact ratios NYC Local Law 144 asks a bias audit "
        "to disclose (selection rate, or scoring rate with --score), screened at 0.8",
    )
    audit.add_argument(
        "--favourable",
        choices=("beneficial", "adverse"),
        help="is a positive prediction good for the person (beneficial: a benefit, a job offer) "
        "or bad (adverse: a fraud flag, an inspection)? Decides which rates are compared "
        "(default: beneficial)",
    )
    audit.add_argument(
        "--reference",
        action="append",
        default=[],
        metavar="POLICY",
        help="which group the others are compared with: most_favoured (default), largest, "
        "overall (the whole sample), or attribute=value for a named group, e.g. sex=male "
        "(repeatable, one per attribute)",
    )
    audit.add_argument(
        "--seed",
        type=int,
        help="recorded in the report; kept for older specs (no interval is resampled any more, "
        "so the seed changes no number)",
    )
    audit.add_argument(
        "--replicates",
        type=int,
        metavar="N",
        help="recorded in the report; kept for older specs (between-group summaries have "
        "analytic simultaneous intervals, so this changes no number)",
    )
    audit.add_argument(
        "--format",
        choices=("table", "json", "csv"),
        default="table",
        help="table (default): verdicts and group rates for reading in a terminal; json: the "
        "full report, byte-stable, the form a registry stores; csv: one tidy table per file "
        "(groups, metrics, comparisons, checks, ...)",
    )
    audit.add_argument(
        "--output",
        metavar="PATH",
        help="write here instead of standard output (a folder for --format csv)",
    )
    audit.add_argument(
        "--fail-on",
        choices=("fail", "inconclusive"),
        help="exit with status 1 when the overall verdict is this bad or worse (for CI)",
    )

    counts = commands.add_parser(
        "counts",
        help="reduce a sample to its per-cell count table",
        description="Reduce a sample to its count table: one row per combination of groups with "
        "tp/fp/tn/fn (or predicted positives and negatives without labels). Share the table "
        "instead of the rows; `fairness audit --counts` audits it. With --engine the counting "
        "runs where the data lives (DuckDB on files, PostgreSQL, Spark) and gives the same table.",
        epilog="Engines are optional extras: pip install 'algorithm-registry[duckdb]' (or "
        "[postgres], [spark]). docs/scale.md explains what each needs.",
    )
    _mapping_arguments(
        counts,
        file_help="the sample, one row per person: a CSV (optionally .gz) or Parquet file; with "
        "--engine duckdb or spark also a glob of such files ('data/*.parquet'); with --engine "
        "postgres the connection URL (postgresql://user@host:5432/db) and --table",
    )
    counts.add_argument(
        "--engine",
        choices=("duckdb", "postgres", "spark"),
        help="count with this engine instead of reading the rows here: duckdb (files), postgres "
        "(a table, by connection URL), spark (files, or a table of its catalog)",
    )
    counts.add_argument(
        "--table",
        metavar="NAME",
        help="the table (or view) of decisions, optionally schema.table: required with "
        "--engine postgres; with duckdb, FILE is then a DuckDB database; with spark, a table "
        "of the session's catalog",
    )
    counts.add_argument(
        "--master",
        metavar="URL",
        help="Spark master URL (default local[*], this machine)",
    )
    counts.add_argument(
        "--spec",
        metavar="FILE",
        help="audit spec file (TOML or JSON) whose columns block maps the columns; the flags "
        "given here override it",
    )
    counts.add_argument(
        "-o",
        "--output",
        metavar="PATH",
        help="the count table CSV to write (standard output when omitted)",
    )
    counts.add_argument(
        "--provenance",
        metavar="PATH",
        help="also write what was read as JSON: rows read, used, dropped by reason, unknown "
        "values per attribute, warnings, the column mapping",
    )

    sql = commands.add_parser(
        "sql",
        help="print the GROUP BY query that computes the count table in a database",
        description="Print the query that turns a table of decisions (one row per person) into "
        "the count table `fairness counts` writes, for running where the data lives. Its answer "
        "has the group columns and tp,fp,tn,fn (or pp,pn), which `fairness audit --counts` and "
        "the registry's count upload accept, then sums of squared weights (*_w2, when weighted) "
        "and the provenance: _rows_read, _dropped_<reason>, _unknown_<attribute>. It applies the "
        "reader's rules: stripped values, missing values in the unknown group, pos_label, the "
        "score threshold, weights, dropped rows counted by reason.",
        epilog="Needs sqlglot: pip install 'algorithm-registry[sql]'. `fairness counts --engine` "
        "also checks what SQL cannot (a third class in a label column, an identifier-like group "
        "column); docs/scale.md.",
    )
    sql.add_argument(
        "--dialect", required=True, choices=("duckdb", "postgres", "spark"), help="SQL dialect"
    )
    sql.add_argument(
        "--table", required=True, metavar="NAME", help="the table or view, optionally schema.table"
    )
    sql.add_argument(
        "--spec",
        metavar="FILE",
        help="audit spec file (TOML or JSON) whose columns block maps the columns; the flags "
        "given here override it",
    )
    _mapping_arguments(sql, rows=False)
    sql.add_argument(
        "--float-column",
        action="append",
        default=[],
        metavar="COLUMN",
        help="a group, label or prediction column stored as a floating-point number (repeatable): "
        "its whole numbers then read as 1, not 1.0, as the file reader reads them",
    )
    return parser  # fmt: skip


def _progress(path: str) -> tuple[Any, Any]:
    """A tqdm byte counter on stderr for big files when stderr is a terminal, else nothing."""
    try:
        size = Path(path).stat().st_size
    except OSError:
        return None, None
    if not sys.stderr.isatty() or size < PROGRESS_MIN_BYTES:
        return None, None
    from tqdm import tqdm

    bar = tqdm(total=size, unit="B", unit_scale=True, desc="reading", file=sys.stderr)

    def update(done: int, total: int | None) -> None:
        bar.update(done - bar.n)

    return update, bar


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {
        "label": args.label,
        "prediction": args.prediction,
        "sensitive_features": args.sensitive,
        "control_features": args.control,
        "score": args.score,
        "threshold": args.threshold,
        "weight": args.weight,
        "pos_label": args.pos_label,
        "delimiter": getattr(args, "delimiter", None),
    }
    if args.command == "audit":
        out.update(preset=args.preset, favourable_outcome=args.favourable, seed=args.seed,
                   bootstrap_replicates=args.replicates)  # fmt: skip
        named = {}
        for value in args.reference:
            if "=" in value:
                attribute, _, group = value.partition("=")
                named[attribute.strip()] = group.strip()
            elif value in ("most_favoured", "largest", "overall"):
                out["reference"] = value
            else:
                raise _UsageError(BAD_REFERENCE.format(value=value))
        if named:
            out["reference_groups"] = named
    return out


class _UsageError(Exception):
    pass


def _write(text: str, output: str | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise _UsageError(CANNOT_WRITE.format(path=output, detail=exc)) from None


def _run_audit(args: argparse.Namespace) -> int:
    from fairness._audit import audit, audit_count_file
    from fairness._spec import AuditSpec
    from fairness._summary_text import render_table

    spec = AuditSpec.load(args.spec) if args.spec else AuditSpec()
    overrides = _overrides(args)
    if args.counts:
        report = audit_count_file(args.file, spec, **overrides)
    else:
        callback, bar = _progress(args.file)
        try:
            report = audit(args.file, spec, progress=callback, **overrides)
        finally:
            if bar is not None:
                bar.close()
    if args.format == "json":
        _write(report.to_json(), args.output)
    elif args.format == "csv":
        tables = report.to_csv_tables()
        if args.output is None:
            _write("".join(f"# {name}\n{text}\n" for name, text in tables.items()), None)
        else:
            folder = Path(args.output)
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise _UsageError(CANNOT_WRITE.format(path=folder, detail=exc)) from None
            for name, text in tables.items():
                _write(text, str(folder / f"{name}.csv"))
    else:
        _write(render_table(report), args.output)
    severity = {"pass": 0, "not_assessed": 0, "inconclusive": 1, "fail": 2}
    if args.fail_on and severity[report.verdict] >= severity[args.fail_on]:
        return EXIT_CHECKS
    return EXIT_OK


def _columns(args: argparse.Namespace) -> Any:
    """The column mapping: the spec's ``columns`` block (when given) with the flags over it."""
    from fairness._spec import AuditSpec

    spec = AuditSpec.load(args.spec) if getattr(args, "spec", None) else AuditSpec()
    return spec.with_overrides(**_overrides(args)).columns


def _plan(columns: Any) -> Any:
    from fairness._arguments import make_plan

    return make_plan(
        label=columns.label, prediction=columns.prediction,
        sensitive_features=columns.sensitive_features, score=columns.score,
        threshold=columns.threshold, weight=columns.weight, pos_label=columns.pos_label,
        max_groups=1000, control_features=columns.control_features,
    )  # fmt: skip


def _run_counts(args: argparse.Namespace) -> int:
    from fairness._counts_input import write_counts_csv

    columns = _columns(args)
    if args.engine is not None:
        from fairness._engines import count_plan

        sample = count_plan(
            args.engine, args.file, _plan(columns), table=args.table,
            delimiter=columns.delimiter, master=args.master,
        )  # fmt: skip
    else:
        from fairness._read import read_sample

        callback, bar = _progress(args.file)
        try:
            sample = read_sample(
                args.file, label=columns.label, prediction=columns.prediction,
                sensitive_features=columns.sensitive_features, score=columns.score,
                threshold=columns.threshold, weight=columns.weight, pos_label=columns.pos_label,
                delimiter=columns.delimiter, progress=callback,
                control_features=columns.control_features,
            )  # fmt: skip
        finally:
            if bar is not None:
                bar.close()
    try:
        write_counts_csv(sample.cells, args.output if args.output else sys.stdout)
        if args.provenance:
            import json

            text = json.dumps(sample.stats.to_dict(), indent=2, ensure_ascii=False) + "\n"
            Path(args.provenance).write_text(text, encoding="utf-8")
    except OSError as exc:
        path = args.provenance if args.output is None else args.output
        raise _UsageError(CANNOT_WRITE.format(path=path, detail=exc)) from None
    stats = sample.stats
    dropped = ", ".join(f"{k}: {v}" for k, v in stats.rows_dropped.items())
    print(
        f"Wrote {len(sample.cells.frame)} cells from {stats.rows_used} of {stats.rows_read} rows "
        f"to {args.output or 'standard output'}"
        + (f" (dropped: {dropped})" if dropped else "")
        + ".",
        file=sys.stderr,
    )
    for warning in stats.warnings:
        print(f"fairness: warning: {warning}", file=sys.stderr)
    return EXIT_OK


def _run_sql(args: argparse.Namespace) -> int:
    from fairness._sql import ColumnKind, query_for_plan

    kinds: dict[str, ColumnKind] = dict.fromkeys(args.float_column, "float")
    query = query_for_plan(_plan(_columns(args)), args.table, args.dialect, kinds=kinds)
    header = (
        f"-- The count table of {args.table} ({args.dialect}), written by `fairness sql`: one row"
        " per combination of\n-- group values with the counts, then the provenance columns "
        "(_rows_read, _dropped_*, _unknown_*).\n"
    )
    sys.stdout.write(header + query.sql.rstrip() + ";\n")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``fairness`` console script; returns the exit status."""
    args = build_parser().parse_args(argv)
    from fairness._errors import FairnessError

    try:
        if args.command == "audit":
            return _run_audit(args)
        if args.command == "sql":
            return _run_sql(args)
        return _run_counts(args)
    except (FairnessError, _UsageError, OSError) as exc:
        print(f"fairness: error: {exc}", file=sys.stderr)
        return EXIT_INPUT


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
