"""Counts where the data lives: the count query on DuckDB, PostgreSQL and Spark gives the reader's
count table, cell for cell, with the same provenance and the same refusals."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fairness import (
    FairnessInputError,
    Sample,
    count_in_engine,
    count_query,
    read_counts,
    read_sample,
)
from fairness.cli import EXIT_INPUT, EXIT_OK, main
from tests.fairness.engines import csv_bytes, load_postgres, postgres_database, spark_or_skip

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "predictions"
ROW_SAMPLES = [
    "benefit-fraud-risk.csv.gz",
    "hospital-triage-priority.csv",
    "jobseeker-programme-selection.parquet",
    "school-place-ranking.csv.gz",
]
MAPPING_KEYS = ("label", "prediction", "score", "threshold", "weight", "pos_label")


def _mapping(sample: str) -> dict[str, object]:
    spec = json.loads((SAMPLES / (sample.split(".")[0] + ".spec.json")).read_text("utf-8"))
    columns = spec["columns"]
    mapping: dict[str, object] = {k: columns.get(k) for k in MAPPING_KEYS}
    mapping["sensitive_features"] = columns["sensitive_features"]
    return mapping


def assert_same_counts(expected: Sample, got: Sample) -> None:
    """Same cells in the same order with the same counts (sums of weights to 1e-9 relative: an
    engine adds in another order), same squares, same provenance."""
    a, b = expected.cells, got.cells
    assert (a.attributes, a.controls, a.has_labels, a.weighted) == (
        b.attributes, b.controls, b.has_labels, b.weighted,
    )  # fmt: skip
    pd.testing.assert_frame_equal(a.frame, b.frame, check_exact=not a.weighted, rtol=1e-9)
    if a.squares is None:
        assert b.squares is None
    else:
        assert b.squares is not None
        pd.testing.assert_frame_equal(a.squares, b.squares, check_exact=False, rtol=1e-9)
    sa, sb = expected.stats, got.stats
    assert (sa.rows_read, sa.rows_used, sa.rows_dropped, sa.unknown) == (
        sb.rows_read, sb.rows_used, sb.rows_dropped, sb.unknown,
    )  # fmt: skip
    assert sorted(sa.warnings) == sorted(sb.warnings)
    assert sa.columns == sb.columns


def _frame_of(path: Path) -> pd.DataFrame:
    if path.suffix == ".parquet":
        return pq.read_table(path).to_pandas()
    return pd.read_csv(path, dtype=str, keep_default_na=False)


# --- the samples ----------------------------------------------------------------------------------
@pytest.mark.parametrize("sample", ROW_SAMPLES)
def test_duckdb_counts_each_sample_file_as_the_reader_does(sample):
    mapping = _mapping(sample)
    path = str(SAMPLES / sample)
    assert_same_counts(read_sample(path, **mapping), count_in_engine("duckdb", path, **mapping))


@pytest.mark.parametrize("sample", ROW_SAMPLES)
def test_postgres_counts_each_sample_table_as_the_reader_does(sample):
    mapping = _mapping(sample)
    with postgres_database() as url:
        load_postgres(url, "decisions", _frame_of(SAMPLES / sample))
        got = count_in_engine("postgres", url, table="decisions", **mapping)
    assert_same_counts(read_sample(str(SAMPLES / sample), **mapping), got)


@pytest.mark.spark
@pytest.mark.slow
def test_spark_counts_the_sample_files_as_the_reader_does():
    spark_or_skip()
    for sample in ROW_SAMPLES:
        mapping = _mapping(sample)
        path = str(SAMPLES / sample)
        assert_same_counts(read_sample(path, **mapping), count_in_engine("spark", path, **mapping))


# --- generated tables -----------------------------------------------------------------------------
#: Column names that need quoting in every dialect.
GROUP_A, GROUP_B = 'age "band"', "性别 group"
LABEL, PREDICTION, SCORE, WEIGHT = "label col", "决定", "score's", "weight"
GROUP_VALUES = ["a", " a ", "b", "B", "\u3000中文\t", "x,y", "unknown", "", "NA", " null ", "#N/A"]
BINARY_VALUES = ["0", "1", " yes", "No ", "TRUE", "f", "1.0", "", "n/a"]
NUMBER_VALUES = ["0.1", " 0.5 ", "0.5", "1e-1", ".7", "3.", "-0.2", "", "NaN", "abc", "inf", "2"]


@st.composite
def decision_tables(draw: st.DrawFn) -> tuple[list[str], list[list[str | None]], dict[str, object]]:
    """A table of decisions with groups (missing values, spaces, a literal ``unknown``), labels,
    predictions or scores with a threshold rule, and weights (missing, negative, unparseable)."""
    n = draw(st.integers(min_value=1, max_value=40))
    groups = [GROUP_A] if draw(st.booleans()) else [GROUP_A, GROUP_B]
    with_label = draw(st.booleans())
    with_weight = draw(st.booleans())
    use_score = draw(st.booleans())
    columns = [*groups]
    mapping: dict[str, object] = {"sensitive_features": groups}
    if with_label:
        columns.append(LABEL)
        mapping["label"] = LABEL
    else:
        mapping["label"] = None
    if use_score:
        columns.append(SCORE)
        mapping["score"] = SCORE
        mapping["prediction"] = None
        mapping["threshold"] = draw(
            st.sampled_from([">=0.5", ">=0", "top-1", "top-3", "top-50%", "top-100%", "top-33%"])
        )
    else:
        columns.append(PREDICTION)
        mapping["prediction"] = PREDICTION
    if with_weight:
        columns.append(WEIGHT)
        mapping["weight"] = WEIGHT
    pick_binary = st.sampled_from(BINARY_VALUES)
    mostly_valid = st.one_of(pick_binary, st.sampled_from(["0", "1"]), st.sampled_from(["0", "1"]))
    rows = []
    for _ in range(n):
        row: list[str | None] = [draw(st.sampled_from(GROUP_VALUES)) for _ in groups]
        if with_label:
            row.append(draw(mostly_valid))
        row.append(draw(st.sampled_from(NUMBER_VALUES)) if use_score else draw(mostly_valid))
        if with_weight:
            row.append(draw(st.sampled_from(["1", "2.5", "0.25", " 3 ", "", "-1", "x", "1"])))
        rows.append(row)
    return columns, rows, mapping


def _outcome(run):
    """The sample, or the refusal's message and column."""
    try:
        return run()
    except FairnessInputError as exc:
        return (exc.message, exc.column)


def _assert_same_outcome(expected, got):
    if isinstance(expected, Sample):
        assert isinstance(got, Sample), got
        assert_same_counts(expected, got)
    else:
        assert not isinstance(got, Sample), expected
        message, column = expected
        assert got[1] == column
        if "class" not in message:  # a third class lists the values in the order met
            assert got[0] == message


GENERATED = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@GENERATED
@given(decision_tables())
def test_duckdb_counts_generated_tables_as_the_reader_does(tmp_path, table):
    columns, rows, mapping = table
    path = tmp_path / "decisions.csv"
    path.write_bytes(csv_bytes(columns, rows))
    expected = _outcome(lambda: read_sample(str(path), **mapping))
    _assert_same_outcome(
        expected, _outcome(lambda: count_in_engine("duckdb", str(path), **mapping))
    )


@pytest.fixture(scope="module")
def postgres_url():
    with postgres_database() as url:
        yield url


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(decision_tables())
def test_postgres_counts_generated_tables_as_the_reader_does(postgres_url, table):
    columns, rows, mapping = table
    load_postgres(postgres_url, "decisions", pd.DataFrame(rows, columns=columns, dtype=object))
    expected = _outcome(lambda: read_sample(io.BytesIO(csv_bytes(columns, rows)), **mapping))
    got = _outcome(lambda: count_in_engine("postgres", postgres_url, table="decisions", **mapping))
    _assert_same_outcome(expected, got)


def test_typed_parquet_columns_read_as_the_reader_reads_them(tmp_path):
    # floats 1.0/0.0 as classes and group values, integers, booleans, NaN and null scores
    table = pa.table(
        {
            "band": pa.array([1.0, 2.0, 2.5, None, float("nan"), 1.0], type=pa.float64()),
            "region": pa.array([1, 2, 2, 1, None, 3], type=pa.int64()),
            "label": pa.array([1.0, 0.0, 1.0, 0.0, 1.0, None]),
            "flag": pa.array([True, False, True, None, False, True]),
            "w": pa.array([1, 2, 3, 4, None, 6], type=pa.int32()),
        }
    )
    path = tmp_path / "typed.parquet"
    pq.write_table(table, path)
    mapping = dict(
        label="label", prediction="flag", sensitive_features=["band", "region"], weight="w"
    )
    assert_same_counts(
        read_sample(str(path), **mapping), count_in_engine("duckdb", str(path), **mapping)
    )


def test_pos_label_decides_the_class_as_in_the_reader(tmp_path):
    rows = [["a", "approved", "approved"], ["a", "denied", "approved"], ["b", "denied", "denied"]]
    path = tmp_path / "d.csv"
    path.write_bytes(csv_bytes(["g", "y", "p"], rows))
    mapping = dict(label="y", prediction="p", sensitive_features=["g"], pos_label="approved")
    got = count_in_engine("duckdb", str(path), **mapping)
    assert got.cells.frame.to_dict("list") == {
        "g": ["a", "b"], "tp": [1, 0], "fp": [1, 0], "tn": [0, 1], "fn": [0, 0],
    }  # fmt: skip
    assert_same_counts(read_sample(str(path), **mapping), got)


# --- refusals -------------------------------------------------------------------------------------
def test_a_third_class_is_refused_naming_the_column(tmp_path):
    path = tmp_path / "d.csv"
    path.write_bytes(csv_bytes(["g", "y", "p"], [["a", "0", "1"], ["a", "maybe", "0"]]))
    with pytest.raises(FairnessInputError) as caught:
        count_in_engine("duckdb", str(path), label="y", prediction="p", sensitive_features=["g"])
    assert caught.value.column == "y"
    assert "maybe" in caught.value.message


def test_an_identifier_like_group_column_is_refused_by_max_groups(tmp_path):
    path = tmp_path / "d.csv"
    path.write_bytes(csv_bytes(["id", "p"], [[str(i), "1"] for i in range(30)]))
    with pytest.raises(FairnessInputError) as caught:
        count_in_engine("duckdb", str(path), label=None, prediction="p", sensitive_features=["id"],
                        max_groups=10)  # fmt: skip
    assert (caught.value.column, caught.value.field) == ("id", "max_groups")


def test_a_control_character_in_a_group_value_is_refused(tmp_path):
    path = tmp_path / "d.csv"
    path.write_bytes(csv_bytes(["g", "p"], [["a\x07b", "1"], ["c", "0"]]))
    with pytest.raises(FairnessInputError, match="U\\+0007") as caught:
        count_in_engine("duckdb", str(path), label=None, prediction="p", sensitive_features=["g"])
    assert caught.value.column == "g"


def test_a_missing_column_is_refused_listing_the_columns(tmp_path):
    path = tmp_path / "d.csv"
    path.write_bytes(csv_bytes(["g", "p"], [["a", "1"]]))
    with pytest.raises(FairnessInputError) as caught:
        count_in_engine("duckdb", str(path), label="y", prediction="p", sensitive_features=["g"])
    assert caught.value.column == "y"


def test_unknown_dialect_and_engine_are_refused_naming_the_field():
    with pytest.raises(FairnessInputError) as dialect:
        count_query("t", "oracle", label=None, prediction="p", sensitive_features=["g"])
    assert dialect.value.field == "dialect"
    with pytest.raises(FairnessInputError) as engine:
        count_in_engine("sqlite", "x.db", label=None, prediction="p", sensitive_features=["g"])
    assert engine.value.field == "engine"


def test_postgres_needs_a_table():
    with pytest.raises(FairnessInputError) as caught:
        count_in_engine("postgres", "postgresql://x", label=None, prediction="p",
                        sensitive_features=["g"])  # fmt: skip
    assert caught.value.field == "table"


def test_a_group_named_like_an_output_column_is_refused():
    with pytest.raises(FairnessInputError) as caught:
        count_query("t", "duckdb", label=None, prediction="p", sensitive_features=["_rows_read"])
    assert caught.value.column == "_rows_read"


@pytest.mark.parametrize(("engine", "module", "extra"), [
    ("duckdb", "duckdb", "duckdb"), ("postgres", "psycopg", "postgres"),
    ("spark", "pyspark.sql", "spark"),
])  # fmt: skip
def test_a_missing_engine_package_names_the_extra_to_install(monkeypatch, tmp_path, engine,
                                                             module, extra):  # fmt: skip
    monkeypatch.setitem(sys.modules, module, None)  # import now raises ImportError
    path = tmp_path / "d.csv"
    path.write_bytes(csv_bytes(["g", "p"], [["a", "1"]]))
    with pytest.raises(FairnessInputError, match=rf"algorithm-registry\[{extra}\]"):
        count_in_engine(engine, str(path), table="t" if engine == "postgres" else None,
                        label=None, prediction="p", sensitive_features=["g"])  # fmt: skip


# --- the commands ---------------------------------------------------------------------------------
def test_printed_duckdb_query_run_by_hand_gives_the_count_table(capsys):
    sample = SAMPLES / "hospital-triage-priority.csv"
    mapping = _mapping(sample.name)
    args = ["sql", "--dialect", "duckdb", "--table", "my decisions",
            "--spec", str(SAMPLES / "hospital-triage-priority.spec.json")]  # fmt: skip
    assert main(args) == EXIT_OK
    query = capsys.readouterr().out
    assert 'FROM "my decisions"' in query
    con = duckdb.connect()
    con.execute(
        'CREATE TABLE "my decisions" AS SELECT * FROM read_csv(?, all_varchar = true)',
        [str(sample)],
    )
    answer = con.execute(query).fetch_df()
    buffer = io.BytesIO(answer.to_csv(index=False).encode("utf-8"))
    counts = read_counts(buffer, sensitive_features=mapping["sensitive_features"])
    expected = read_sample(str(sample), **mapping)
    pd.testing.assert_frame_equal(counts.cells.frame, expected.cells.frame)


@pytest.mark.parametrize(("dialect", "quoted"), [
    ("duckdb", '"a ""b"" 中"'), ("postgres", '"a ""b"" 中"'), ("spark", '`a "b" 中`'),
])  # fmt: skip
def test_sql_quotes_every_identifier_in_its_dialect(capsys, dialect, quoted):
    args = ["sql", "--dialect", dialect, "--table", "s.t", "--prediction", "p x",
            "--sensitive", 'a "b" 中', "--weight", "w"]  # fmt: skip
    assert main(args) == EXIT_OK
    out = capsys.readouterr().out
    assert quoted in out
    assert "pp_w2" in out and "_dropped_negative_weight" in out


def test_sql_without_a_mapping_explains_what_is_missing(capsys):
    assert main(["sql", "--dialect", "duckdb", "--table", "t", "--prediction", "p"]) == EXIT_INPUT
    assert "sensitive" in capsys.readouterr().err


def test_counts_with_duckdb_writes_the_bytes_the_reader_writes(tmp_path, capsys):
    sample = SAMPLES / "benefit-fraud-risk.csv.gz"
    spec = str(SAMPLES / "benefit-fraud-risk.spec.json")
    direct, engine = tmp_path / "direct.csv", tmp_path / "engine.csv"
    provenance = tmp_path / "provenance.json"
    assert main(["counts", str(sample), "--spec", spec, "-o", str(direct)]) == EXIT_OK
    assert main(["counts", "--engine", "duckdb", str(sample), "--spec", spec, "-o", str(engine),
                 "--provenance", str(provenance)]) == EXIT_OK  # fmt: skip
    assert engine.read_bytes() == direct.read_bytes()
    stats = json.loads(provenance.read_text("utf-8"))
    assert stats["rows_read"] == 80000 and stats["source_format"] == "duckdb"
    assert "80000 of 80000 rows" in capsys.readouterr().err


def test_counts_with_an_engine_and_no_output_prints_the_table(capsys):
    sample = SAMPLES / "hospital-triage-priority.csv"
    assert main(["counts", "--engine", "duckdb", str(sample), "--spec",
                 str(SAMPLES / "hospital-triage-priority.spec.json")]) == EXIT_OK  # fmt: skip
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "ethnicity,age_band,tp,fp,tn,fn"


def test_counts_reads_many_parquet_files_by_glob(tmp_path):
    table = pq.read_table(SAMPLES / "jobseeker-programme-selection.parquet")
    half = table.num_rows // 2
    pq.write_table(table.slice(0, half), tmp_path / "part-1.parquet")
    pq.write_table(table.slice(half), tmp_path / "part-2.parquet")
    mapping = _mapping("jobseeker-programme-selection.parquet")
    got = count_in_engine("duckdb", str(tmp_path / "part-*.parquet"), **mapping)
    expected = read_sample(str(SAMPLES / "jobseeker-programme-selection.parquet"), **mapping)
    assert_same_counts(expected, got)
    assert int(np.sum(got.cells.frame[["pp", "pn"]].to_numpy())) == table.num_rows


def test_typed_scores_drop_nan_and_infinity_as_the_reader_does(tmp_path):
    scores = [0.9, float("nan"), 0.2, float("inf"), 0.7, None, 0.5, 0.51, 0.49, 1.0]
    table = pa.table({"g": ["a", "b"] * 5, "s": pa.array(scores, type=pa.float64())})
    path = tmp_path / "scores.parquet"
    pq.write_table(table, path)
    for threshold in (">=0.5", "top-3", "top-50%"):
        mapping = dict(label=None, prediction=None, sensitive_features=["g"], score="s",
                       threshold=threshold)  # fmt: skip
        expected = read_sample(str(path), **mapping)
        assert expected.stats.rows_dropped == {"missing_score": 2, "unparseable_score": 1}
        assert_same_counts(expected, count_in_engine("duckdb", str(path), **mapping))


@pytest.mark.spark
@pytest.mark.slow
@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(decision_tables())
def test_spark_counts_generated_tables_as_the_reader_does(tmp_path_factory, table):
    spark_or_skip()
    columns, rows, mapping = table
    path = tmp_path_factory.mktemp("spark") / "decisions.csv"
    path.write_bytes(csv_bytes(columns, rows))
    expected = _outcome(lambda: read_sample(str(path), **mapping))
    _assert_same_outcome(expected, _outcome(lambda: count_in_engine("spark", str(path), **mapping)))


def _padded_table(tmp_path):
    """A group value padded with each character ``str.strip`` removes, one row each."""
    spaces = [chr(c) for c in range(0x3001) if chr(c).isspace() and chr(c) not in "\n\r"]
    rows = [[f"{c}a{c}", "1"] for c in spaces] + [["b", "0"]]
    path = tmp_path / "padded.csv"
    path.write_bytes(csv_bytes(["g", "p"], rows))
    return path, dict(label=None, prediction="p", sensitive_features=["g"]), len(spaces)


def test_every_character_str_strip_removes_is_stripped_by_duckdb_and_postgres(tmp_path):
    path, mapping, n = _padded_table(tmp_path)
    expected = read_sample(str(path), **mapping)
    assert expected.cells.frame["g"].tolist() == ["a", "b"]
    assert expected.cells.frame["pp"].tolist() == [n, 0]
    assert_same_counts(expected, count_in_engine("duckdb", str(path), **mapping))
    with postgres_database() as url:
        load_postgres(url, "decisions", pd.read_csv(path, dtype=str, keep_default_na=False))
        assert_same_counts(expected, count_in_engine("postgres", url, table="decisions", **mapping))


@pytest.mark.spark
@pytest.mark.slow
def test_every_character_str_strip_removes_is_stripped_by_spark(tmp_path):
    spark_or_skip()
    path, mapping, _ = _padded_table(tmp_path)
    assert_same_counts(
        read_sample(str(path), **mapping), count_in_engine("spark", str(path), **mapping)
    )


def test_control_features_are_more_cell_columns_as_in_the_reader(tmp_path):
    sample = str(SAMPLES / "hospital-triage-priority.csv")
    mapping = dict(label="critical_within_24h", prediction="high_priority",
                   sensitive_features=["ethnicity"], control_features=["age_band"])  # fmt: skip
    expected = read_sample(sample, **mapping)
    got = count_in_engine("duckdb", sample, **mapping)
    assert got.cells.controls == ("age_band",)
    assert list(got.cells.frame.columns[:2]) == ["ethnicity", "age_band"]
    assert_same_counts(expected, got)
    assert got.stats.unknown == {"ethnicity": expected.stats.unknown["ethnicity"]}


def test_a_table_name_is_quoted_whole_so_it_cannot_inject(capsys):
    assert main(["sql", "--dialect", "postgres", "--table", "t; DROP TABLE x", "--prediction",
                 "p", "--sensitive", "g"]) == EXIT_OK  # fmt: skip
    assert 'FROM "t; DROP TABLE x"' in capsys.readouterr().out
    assert main(["sql", "--dialect", "postgres", "--table", 'x"y', "--prediction", "p",
                 "--sensitive", "g"]) == EXIT_INPUT  # fmt: skip
    assert "Cannot read the table name" in capsys.readouterr().err


def test_sql_help_explains_every_option():
    from fairness.cli import build_parser

    commands = next(a for a in build_parser()._actions if a.dest == "command")
    for action in commands.choices["sql"]._actions:
        assert action.help, action.dest
