"""A plain-text rendering of a report for the terminal: verdicts first, then group rates."""

from __future__ import annotations

from collections.abc import Sequence

from fairness._report import AuditReport

_VERDICT_WORDS = {
    "pass": "PASS",
    "fail": "FAIL",
    "inconclusive": "INCONCLUSIVE",
    "not_assessed": "NOT ASSESSED",
}


def _grid(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)
    ]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return out


def _num(value: object, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def render_table(report: AuditReport) -> str:
    """The report as readable text: overall verdict, each check's rows, then per-group rates."""
    data = report.to_dict()
    lines = [f"Overall verdict: {_VERDICT_WORDS[data['verdict']]}"]
    point = (data.get("rule") or {}).get("point_estimate_verdict")
    if point:
        lines.append(f"On point estimates alone: {_VERDICT_WORDS[point]}")
    lines.append("")
    for summary in data["check_summary"]:
        lines.append(
            f"Check {summary['name']} ({summary['metric']} {summary['kind']}, threshold "
            f"{summary['threshold']:g}): {_VERDICT_WORDS[summary['verdict']]} — "
            f"{summary['passed']} pass, {summary['failed']} fail, "
            f"{summary['inconclusive']} inconclusive"
        )
        for row in data["checks"]:
            if row["name"] == summary["name"] and row["verdict"] != "pass":
                lines.append(f"  [{row['verdict']}] {row['attribute']}: {row['reason']}")
        for row in data.get("not_assessed", []):
            if row["name"] == summary["name"]:
                lines.append(f"  [not assessed] {row['attribute']}: {row['detail']}")
    lines.append("")
    shown = [m for m in ("selection_rate", "true_positive_rate", "false_positive_rate",
                         "precision", "scoring_rate") if m in data["spec"]["metrics"]]  # fmt: skip
    values = {(r["attribute"], r["group"], r["metric"]): r for r in data["metrics"]}
    rows = []
    for group in data["groups"]:
        cells = [group["attribute"], group["group"], f"{group['n']:g}"]
        for metric in shown:
            row = values.get((group["attribute"], group["group"], metric))
            if row is None or row["value"] is None:
                cells.append("undefined")
            else:
                flag = "*" if row["status"] == "insufficient_data" else ""
                cells.append(
                    f"{_num(row['value'])} [{_num(row['ci_low'])}, {_num(row['ci_high'])}]{flag}"
                )
        if not group["in_ratios"]:
            cells[1] += " (not in ratios)"
        rows.append(cells)
    lines += _grid(["attribute", "group", "n", *shown], rows)
    lines += ["", "* fewer than the minimum denominator; intervals at "
              f"{data['provenance']['confidence']:.0%}."]  # fmt: skip
    lines += ["", *data["notes"]]
    return "\n".join(lines) + "\n"
