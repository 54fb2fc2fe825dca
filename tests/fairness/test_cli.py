"""The fairness command: outputs, exit codes, errors without tracebacks."""

from __future__ import annotations

import json

import numpy as np
import pytest

from fairness.cli import EXIT_CHECKS, EXIT_INPUT, EXIT_OK, main


@pytest.fixture
def sample_csv(tmp_path):
    rng = np.random.default_rng(0)
    n = 1500
    sex = rng.choice(["female", "male"], n)
    label = rng.integers(0, 2, n)
    pred = (rng.random(n) < np.where(sex == "female", 0.2, 0.5)).astype(int)
    lines = ["sex,hired,selected"] + [
        f"{s},{y},{p}" for s, y, p in zip(sex, label, pred, strict=True)
    ]
    path = tmp_path / "sample.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


ARGS = ["--label", "hired", "--prediction", "selected", "--sensitive", "sex"]


def test_table_output_shows_verdicts_and_rates(sample_csv, capsys):
    code = main(["audit", str(sample_csv), *ARGS, "--preset", "four-fifths"])
    out = capsys.readouterr().out
    assert code == EXIT_OK
    assert out.startswith("Overall verdict: FAIL")
    assert "Impact ratio" in out and "female" in out and "selection_rate" in out


def test_fail_on_fail_exits_one(sample_csv, capsys):
    code = main(["audit", str(sample_csv), *ARGS, "--preset", "four-fifths", "--fail-on", "fail"])
    assert code == EXIT_CHECKS


def test_json_output_is_the_report(sample_csv, tmp_path):
    out = tmp_path / "report.json"
    code = main(["audit", str(sample_csv), *ARGS, "--format", "json", "--output", str(out),
                 "--seed", "3", "--reference", "sex=male"])  # fmt: skip
    report = json.loads(out.read_text(encoding="utf-8"))
    assert code == EXIT_OK
    assert report["spec"]["seed"] == 3
    assert {r["reference"] for r in report["comparisons"]} == {"male"}
    assert report["provenance"]["input"]["rows_read"] == 1500


def test_csv_output_writes_one_file_per_table(sample_csv, tmp_path):
    folder = tmp_path / "tables"
    assert main(["audit", str(sample_csv), *ARGS, "--format", "csv", "--output", str(folder)]) == 0
    assert (folder / "checks.csv").read_text(encoding="utf-8").startswith("name,attribute,")


def test_counts_then_audit_counts_give_the_same_checks(sample_csv, tmp_path, capsys):
    counts = tmp_path / "counts.csv"
    assert main(["counts", str(sample_csv), *ARGS, "--output", str(counts)]) == EXIT_OK
    direct = tmp_path / "direct.json"
    from_counts = tmp_path / "from_counts.json"
    main(["audit", str(sample_csv), *ARGS, "--format", "json", "--output", str(direct)])
    main(["audit", str(counts), "--counts", "--sensitive", "sex", "--format", "json",
          "--output", str(from_counts)])  # fmt: skip
    a = json.loads(direct.read_text(encoding="utf-8"))
    b = json.loads(from_counts.read_text(encoding="utf-8"))
    assert a["checks"] == b["checks"] and a["summaries"] == b["summaries"]


def test_input_errors_exit_two_with_message_and_no_traceback(sample_csv, capsys):
    code = main(["audit", str(sample_csv), "--label", "hired", "--prediction", "nope",
                 "--sensitive", "sex"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == EXIT_INPUT
    assert err.startswith("fairness: error: ") and "nope" in err and "Traceback" not in err


def test_spec_errors_exit_two(sample_csv, tmp_path, capsys):
    spec = tmp_path / "spec.json"
    spec.write_text('{"alpha": 7}', encoding="utf-8")
    code = main(["audit", str(sample_csv), *ARGS, "--spec", str(spec)])
    assert code == EXIT_INPUT
    assert "alpha: expected a number in (0, 0.5], got 7" in capsys.readouterr().err


def test_bad_reference_flag_exits_two(sample_csv, capsys):
    assert main(["audit", str(sample_csv), *ARGS, "--reference", "best"]) == EXIT_INPUT
    assert "--reference expects" in capsys.readouterr().err


def test_an_audit_imports_neither_scipy_stats_nor_sklearn_nor_fairlearn(tmp_path):
    # scipy.stats alone takes ~0.4 s to import; the default path needs only scipy.special, also
    # for Fisher's exact test (a rare selection: some expected cells are below 5)
    import subprocess
    import sys

    rng = np.random.default_rng(1)
    sex = rng.choice(["female", "male"], 1500, p=[0.9, 0.1])
    label = rng.integers(0, 2, len(sex))
    pred = (rng.random(len(sex)) < 0.03).astype(int)
    path = tmp_path / "rare.csv"
    rows = [f"{s},{y},{p}" for s, y, p in zip(sex, label, pred, strict=True)]
    path.write_text("sex,hired,selected\n" + "\n".join(rows) + "\n", encoding="utf-8")
    output = tmp_path / "r.json"
    code = (
        "import sys; from fairness.cli import main; "
        f"main(['audit', {str(path)!r}, *{ARGS!r}, '--format', 'json', '--output', "
        f"{str(output)!r}]); print(' '.join(sorted(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout.split()
    assert "fairness._audit" in out and "scipy.special" in out
    heavy = [m for m in out if m.split(".")[0] in ("sklearn", "fairlearn")]
    heavy += [m for m in out if m == "scipy.stats" or m.startswith("scipy.stats.")]
    assert not heavy
    report = json.loads(output.read_text())
    assert "fisher_exact" in {r["test"] for r in report["comparisons"]}


def _help(*command: str) -> str:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as exit_:
        main([*command, "--help"])
    assert exit_.value.code == 0
    return " ".join(out.getvalue().split())  # argparse wraps lines; compare words


def test_audit_help_explains_every_option():
    import argparse

    from fairness.cli import build_parser

    text = _help("audit")
    commands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    for action in commands.choices["audit"]._actions:
        assert action.help, f"{action.option_strings or action.dest} has no help"
    assert "four-fifths: the selection rate of each group is at least 0.8 times" in text
    assert "ll144: the impact ratios NYC Local Law 144" in text
    assert "table (default): verdicts and group rates" in text
    assert "json: the full report" in text and "csv: one tidy table per file" in text
    assert "Exit status: 0 done; 1 the verdict reached --fail-on" in text


def test_counts_help_explains_every_option():
    import argparse

    from fairness.cli import build_parser

    commands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    for action in commands.choices["counts"]._actions:
        assert action.help, f"{action.option_strings or action.dest} has no help"
    assert "audits it" in _help("counts")


def test_a_bad_value_names_its_line(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("sex,hired,selected\nf,1,1\nm,maybe,0\nf,0,0\nm,1,1\n", encoding="utf-8")
    code = main(["audit", str(path), *ARGS])
    err = capsys.readouterr().err
    assert code == EXIT_INPUT
    assert "'maybe'" in err and "line 3" in err
