"""Server-rendered inline SVG charts: no JavaScript, no external resources, no inline style.

:func:`group_rates_chart` draws one horizontal bar per group with its interval as a whisker, and a
dashed line at the threshold (for example four-fifths of the reference group's rate). Every chart
carries ``<title>`` and ``<desc>`` and is labelled ``role="img"``; pages always show the same
numbers in a table next to it, so nothing is conveyed by the picture alone.

:func:`render_reliability_chart` draws a reliability diagram: per group, the share who had the
outcome against the mean score of each score bin, with the diagonal where the two agree; each
group has its own marker shape and line dash as well as its colour, so nothing rests on colour.

The view-model computes a chart's input (``audit_page_types.RatesChart``: bars, words, threshold);
templates draw it with the ``rates_svg`` filter (:func:`render_rates_chart`) and compute nothing.

Each chart is drawn twice: a wide layout (640 units, group names left of the bars) and a narrow one
(300 units, each group's name on its own line above its bar). The stylesheet shows exactly one of
them (``.chart-wide`` from 40rem, ``.chart-narrow`` below), so the other is ``display: none`` and
out of the accessibility tree. An SVG scales its text with its width: the wide layout squeezed
into a 320 px phone would draw 13-unit text at under 6 px; the narrow one is drawn at most at its
own width, so its 14-unit text stays at least 12 px down to a 320 px screen (checked by
``tests/e2e/test_phones.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from registry.pages.audit_page_types import RatesChart, ReliabilityChart

WIDTH = 640
LABEL_WIDTH = 190
VALUE_WIDTH = 70
ROW_HEIGHT = 30
TOP = 28
BOTTOM = 34

# The narrow layout: its width is the content width of a 320 px screen (288 px) plus a margin.
NARROW_WIDTH = 300
NARROW_VALUE_WIDTH = 62
NARROW_LABEL_HEIGHT = 20
NARROW_BAR_HEIGHT = 26
NARROW_TOP = 26
NARROW_BOTTOM = 30


@dataclass(frozen=True)
class Bar:
    """One group: ``value``/``low``/``high`` are rates in [0, 1]; ``value=None``: no estimate."""

    label: str
    value: float | None
    low: float | None = None
    high: float | None = None
    note: str = ""


def _clamp(x: float) -> float:
    return max(0.0, min(1.0, x))


def _fmt(x: float) -> str:
    return f"{x * 100:.1f}%"


def _scale_max(bars: Sequence[Bar], threshold: float | None, axis_max: float | None) -> float:
    top_value = max(
        [b.high for b in bars if b.high is not None]
        + [b.value for b in bars if b.value is not None]
        + ([threshold] if threshold is not None else [])
        + [0.05]
    )
    return axis_max or min(1.0, max(0.1, (int(top_value * 10) + 1) / 10))


def _ticks(scale_max: float) -> list[float]:
    """Axis ticks every 10 points (or 20 when the scale is wide)."""
    step = 0.1 if scale_max <= 0.5 else 0.2
    ticks, tick = [], 0.0
    while tick <= scale_max + 1e-9:
        ticks.append(tick)
        tick = round(tick + step, 10)
    return ticks


def _open_svg(
    klass: str, width: int, height: int, chart_id: str, title: str, desc: str
) -> list[str]:
    title_id = f"{chart_id}-title"
    desc_id = f"{chart_id}-desc"
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{klass}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{escape(title_id)} {escape(desc_id)}" focusable="false">',
        f'<title id="{escape(title_id)}">{escape(title)}</title>',
        f'<desc id="{escape(desc_id)}">{escape(desc)}</desc>',
    ]


def _bar_marks(
    bar: Bar,
    x_at: Callable[[float], float],
    left: int,
    top: int,
    height: int,
    mid: float,
    text_dy: int,
) -> list[str]:
    """One group's bar from ``left`` to its value (at least 1 unit wide; its own class when the
    group has a note) and its interval as a whisker with end caps at height ``mid``; a group
    without an estimate gets its note (or a dash) instead, ``text_dy`` below ``mid``. The same
    marks in both layouts."""
    if bar.value is None:
        return [
            f'<text class="chart-text" x="{left + 6}" '
            f'y="{mid + text_dy:.1f}">{escape(bar.note or "—")}</text>'
        ]
    klass = "chart-bar-insufficient" if bar.note else "chart-bar"
    width = max(1.0, x_at(bar.value) - left)
    out = [f'<rect class="{klass}" x="{left}" y="{top}" width="{width:.1f}" height="{height}"/>']
    if bar.low is not None and bar.high is not None:
        x1, x2 = x_at(bar.low), x_at(bar.high)
        out.append(
            f'<line class="chart-whisker" x1="{x1:.1f}" y1="{mid:.1f}" x2="{x2:.1f}" '
            f'y2="{mid:.1f}"/>'
        )
        for xe in (x1, x2):
            out.append(
                f'<line class="chart-whisker" x1="{xe:.1f}" y1="{mid - 6:.1f}" '
                f'x2="{xe:.1f}" y2="{mid + 6:.1f}"/>'
            )
    return out


def group_rates_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    desc: str,
    chart_id: str,
    threshold: float | None = None,
    threshold_label: str = "",
    axis_max: float | None = None,
) -> Markup:
    """Return the wide ``<svg>`` element as safe markup. All text passed in is escaped here."""
    scale_max = _scale_max(bars, threshold, axis_max)
    plot_left = LABEL_WIDTH
    plot_width = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    height = TOP + ROW_HEIGHT * max(1, len(bars)) + BOTTOM

    def x_at(v: float) -> float:
        return plot_left + plot_width * _clamp(v / scale_max)

    out = _open_svg("chart-wide", WIDTH, height, chart_id, title, desc)
    axis_y = TOP + ROW_HEIGHT * max(1, len(bars)) + 4
    out.append(
        f'<line class="chart-axis" x1="{plot_left}" y1="{TOP - 6}" x2="{plot_left}" y2="{axis_y}"/>'
    )
    for tick in _ticks(scale_max):
        x = x_at(tick)
        out.append(
            f'<line class="chart-axis" x1="{x:.1f}" y1="{axis_y}" x2="{x:.1f}" y2="{axis_y + 5}"/>'
        )
        out.append(
            f'<text class="chart-text" x="{x:.1f}" y="{axis_y + 20}" '
            f'text-anchor="middle">{_fmt(tick)[:-3]}%</text>'
        )
    for index, bar in enumerate(bars):
        y = TOP + index * ROW_HEIGHT
        mid = y + ROW_HEIGHT / 2
        out.append(
            f'<text class="chart-text" x="{plot_left - 8}" y="{mid + 4:.1f}" '
            f'text-anchor="end">{escape(bar.label)}</text>'
        )
        out += _bar_marks(bar, x_at, plot_left, y + 7, ROW_HEIGHT - 14, mid, 4)
        if bar.value is not None:
            out.append(
                f'<text class="chart-text" x="{WIDTH - VALUE_WIDTH + 6}" '
                f'y="{mid + 4:.1f}">{_fmt(bar.value)}</text>'
            )
    if threshold is not None:
        tx = x_at(threshold)
        out.append(
            f'<line class="chart-threshold" x1="{tx:.1f}" y1="{TOP - 8}" x2="{tx:.1f}" '
            f'y2="{axis_y}"/>'
        )
        out.append(
            f'<text class="chart-text" x="{tx:.1f}" y="{TOP - 12}" '
            f'text-anchor="middle">{escape(threshold_label)}</text>'
        )
    out.append("</svg>")
    return Markup("".join(out))


def narrow_rates_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    desc: str,
    chart_id: str,
    threshold: float | None = None,
    threshold_label: str = "",
    axis_max: float | None = None,
) -> Markup:
    """The same chart for a phone: 300 units wide, each group's name on its own line above its
    bar, the rate at the bar's right; ids end in ``-n`` so both layouts can share a page."""
    scale_max = _scale_max(bars, threshold, axis_max)
    plot_left = 2
    plot_width = NARROW_WIDTH - NARROW_VALUE_WIDTH - plot_left
    row = NARROW_LABEL_HEIGHT + NARROW_BAR_HEIGHT
    rows = max(1, len(bars))
    axis_y = NARROW_TOP + row * rows + 2
    height = axis_y + NARROW_BOTTOM

    def x_at(v: float) -> float:
        return plot_left + plot_width * _clamp(v / scale_max)

    out = _open_svg("chart-narrow", NARROW_WIDTH, height, f"{chart_id}-n", title, desc)
    out.append(
        f'<line class="chart-axis" x1="{plot_left}" y1="{NARROW_TOP - 4}" x2="{plot_left}" '
        f'y2="{axis_y}"/>'
    )
    ticks = _ticks(scale_max)
    for index, tick in enumerate(ticks):
        x = x_at(tick)
        anchor = "start" if index == 0 else "middle"
        out.append(
            f'<line class="chart-axis" x1="{x:.1f}" y1="{axis_y}" x2="{x:.1f}" y2="{axis_y + 5}"/>'
        )
        if index % 2 == 0 or len(ticks) <= 4:  # every other tick: 14-unit labels need the room
            out.append(
                f'<text class="chart-text" x="{x:.1f}" y="{axis_y + 21}" '
                f'text-anchor="{anchor}">{_fmt(tick)[:-3]}%</text>'
            )
    for index, bar in enumerate(bars):
        y = NARROW_TOP + index * row
        out.append(
            f'<text class="chart-text" x="{plot_left + 6}" y="{y + NARROW_LABEL_HEIGHT - 5}">'
            f"{escape(bar.label)}</text>"
        )
        bar_top = y + NARROW_LABEL_HEIGHT
        mid = bar_top + NARROW_BAR_HEIGHT / 2
        out += _bar_marks(bar, x_at, plot_left, bar_top + 5, NARROW_BAR_HEIGHT - 10, mid, 5)
        if bar.value is not None:
            out.append(
                f'<text class="chart-text" x="{NARROW_WIDTH - 2}" y="{mid + 5:.1f}" '
                f'text-anchor="end">{_fmt(bar.value)}</text>'
            )
    if threshold is not None:
        tx = x_at(threshold)
        anchor = "middle"
        if tx > NARROW_WIDTH * 0.6:
            anchor = "end"
        elif tx < NARROW_WIDTH * 0.3:
            anchor = "start"
        out.append(
            f'<line class="chart-threshold" x1="{tx:.1f}" y1="{NARROW_TOP - 6}" x2="{tx:.1f}" '
            f'y2="{axis_y}"/>'
        )
        out.append(
            f'<text class="chart-text" x="{tx:.1f}" y="{NARROW_TOP - 10}" '
            f'text-anchor="{anchor}">{escape(threshold_label)}</text>'
        )
    out.append("</svg>")
    return Markup("".join(out))


def render_rates_chart(chart: RatesChart) -> Markup:
    """Draw a chart from the input a view-model built (the ``rates_svg`` template filter): the
    wide layout followed by the narrow one; the stylesheet shows one of them."""
    bars = [
        Bar(label=b["label"], value=b["value"], low=b["low"], high=b["high"], note=b["note"])
        for b in chart["bars"]
    ]
    return Markup("").join(
        draw(
            bars,
            title=chart["title"],
            desc=chart["desc"],
            chart_id=chart["id"],
            threshold=chart["threshold"],
            threshold_label=chart["threshold_label"],
        )
        for draw in (group_rates_chart, narrow_rates_chart)
    )


# The reliability diagram: a square plot; the legend right of it (wide) or under it (narrow).
RELIABILITY_WIDE = {"width": WIDTH, "left": 64, "top": 20, "size": 320, "legend_x": 420}
RELIABILITY_NARROW = {"width": NARROW_WIDTH, "left": 50, "top": 16, "size": 236, "legend_x": 8}
LEGEND_ROW = 24
#: Dash patterns of the series' lines, by series (with the marker shapes: not colour alone).
DASHES = ("", "6 3", "2 3", "8 3 2 3", "4 4", "1 2")


def _marker(index: int, x: float, y: float) -> str:
    """Series ``index``'s marker at (x, y): circle, square, triangle, diamond, down-triangle,
    cross."""
    klass = f"chart-marker chart-series-{index % len(DASHES)}"
    shape = index % len(DASHES)
    r = 5.0
    if shape == 0:
        return f'<circle class="{klass}" cx="{x:.1f}" cy="{y:.1f}" r="{r}"/>'
    if shape == 1:
        return (
            f'<rect class="{klass}" x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r}" '
            f'height="{2 * r}"/>'
        )
    if shape == 5:
        return (
            f'<path class="{klass} chart-cross" d="M{x - r:.1f},{y - r:.1f}L{x + r:.1f},'
            f'{y + r:.1f}M{x - r:.1f},{y + r:.1f}L{x + r:.1f},{y - r:.1f}"/>'
        )
    corners = {
        2: [(0, -r - 1), (r + 1, r), (-r - 1, r)],
        3: [(0, -r - 1), (r + 1, 0), (0, r + 1), (-r - 1, 0)],
        4: [(0, r + 1), (r + 1, -r), (-r - 1, -r)],
    }[shape]
    points = " ".join(f"{x + dx:.1f},{y + dy:.1f}" for dx, dy in corners)
    return f'<polygon class="{klass}" points="{points}"/>'


def reliability_chart(chart: ReliabilityChart, *, narrow: bool = False) -> Markup:
    """One layout of a reliability diagram as safe markup (all text passed in is escaped here).

    Both axes run from 0 to 1 (ticks every 0.2, as percentages on the vertical axis); the dashed
    diagonal is where the share with the outcome equals the score; each group is a line through
    its bins' points. Ids of the narrow layout end in ``-n``.
    """
    layout = RELIABILITY_NARROW if narrow else RELIABILITY_WIDE
    width, left, top, size = layout["width"], layout["left"], layout["top"], layout["size"]
    series = chart["series"]
    axis_y = top + size
    legend_top = axis_y + 56 if narrow else top + 8
    rows = len(series) + 1  # the groups, then the diagonal
    height = (
        legend_top + LEGEND_ROW * rows + 4
        if narrow
        else max(axis_y + 52, legend_top + LEGEND_ROW * rows)
    )

    def x_at(v: float) -> float:
        return left + size * _clamp(v)

    def y_at(v: float) -> float:
        return axis_y - size * _clamp(v)

    klass = "chart-narrow" if narrow else "chart-wide"
    chart_id = f"{chart['id']}-n" if narrow else chart["id"]
    out = _open_svg(klass, width, height, chart_id, chart["title"], chart["desc"])
    out.append(
        f'<line class="chart-axis" x1="{left}" y1="{top}" x2="{left}" y2="{axis_y}"/>'
        f'<line class="chart-axis" x1="{left}" y1="{axis_y}" x2="{left + size}" y2="{axis_y}"/>'
    )
    for tick in (0.0, 0.2, 0.4, 0.6, 0.8, 1.0):
        x, y = x_at(tick), y_at(tick)
        out.append(
            f'<line class="chart-axis" x1="{x:.1f}" y1="{axis_y}" x2="{x:.1f}" y2="{axis_y + 5}"/>'
            f'<line class="chart-axis" x1="{left - 5}" y1="{y:.1f}" x2="{left}" y2="{y:.1f}"/>'
        )
        if not narrow or tick in (0.0, 0.4, 0.8) or tick == 1.0:
            out.append(
                f'<text class="chart-text" x="{x:.1f}" y="{axis_y + 20}" '
                f'text-anchor="middle">{tick:.1f}</text>'
            )
        out.append(
            f'<text class="chart-text" x="{left - 8}" y="{y + 4:.1f}" '
            f'text-anchor="end">{tick * 100:.0f}%</text>'
        )
    out.append(
        f'<text class="chart-text" x="{left + size / 2:.1f}" y="{axis_y + 40}" '
        f'text-anchor="middle">{escape(chart["x_label"])}</text>'
    )
    out.append(  # the vertical axis's name, inside the plot's top left corner
        f'<text class="chart-text" x="{left + 6}" y="{top + 12}">{escape(chart["y_label"])}</text>'
    )
    out.append(
        f'<line class="chart-threshold" x1="{x_at(0):.1f}" y1="{y_at(0):.1f}" '
        f'x2="{x_at(1):.1f}" y2="{y_at(1):.1f}"/>'
    )
    for index, s in enumerate(series):
        dash = DASHES[index % len(DASHES)]
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        path = " ".join(f"{x_at(p['score']):.1f},{y_at(p['rate']):.1f}" for p in s["points"])
        out.append(
            f'<polyline class="chart-line chart-series-{index % len(DASHES)}"{dashed} '
            f'points="{path}"/>'
        )
        for p in s["points"]:
            out.append(_marker(index, x_at(p["score"]), y_at(p["rate"])))
        lx = layout["legend_x"] if narrow else left + size + 36
        ly = legend_top + index * LEGEND_ROW
        out.append(
            f'<line class="chart-line chart-series-{index % len(DASHES)}"{dashed} '
            f'x1="{lx}" y1="{ly + 8}" x2="{lx + 28}" y2="{ly + 8}"/>'
        )
        out.append(_marker(index, lx + 14, ly + 8))
        out.append(
            f'<text class="chart-text" x="{lx + 36}" y="{ly + 13}">{escape(s["label"])}</text>'
        )
    lx = layout["legend_x"] if narrow else left + size + 36
    ly = legend_top + len(series) * LEGEND_ROW
    out.append(
        f'<line class="chart-threshold" x1="{lx}" y1="{ly + 8}" x2="{lx + 28}" y2="{ly + 8}"/>'
        f'<text class="chart-text" x="{lx + 36}" y="{ly + 13}">'
        f"{escape(chart['diagonal_label'])}</text>"
    )
    out.append("</svg>")
    return Markup("".join(out))


def render_reliability_chart(chart: ReliabilityChart) -> Markup:
    """Draw a reliability diagram from its view-model input (the ``reliability_svg`` template
    filter): the wide layout followed by the narrow one; the stylesheet shows one of them."""
    return reliability_chart(chart) + reliability_chart(chart, narrow=True)
