"""Server-rendered inline SVG charts: no JavaScript, no external resources, no inline style.

:func:`group_rates_chart` draws one horizontal bar per group with its interval as a whisker, and a
dashed line at the threshold (for example four-fifths of the reference group's rate). Every chart
carries ``<title>`` and ``<desc>`` and is labelled ``role="img"``; pages always show the same
numbers in a table next to it, so nothing is conveyed by the picture alone.

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

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from registry.pages.audit_page_types import RatesChart

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
        if bar.value is None:
            out.append(
                f'<text class="chart-text" x="{plot_left + 6}" '
                f'y="{mid + 4:.1f}">{escape(bar.note or "—")}</text>'
            )
            continue
        klass = "chart-bar-insufficient" if bar.note else "chart-bar"
        width = max(1.0, x_at(bar.value) - plot_left)
        out.append(
            f'<rect class="{klass}" x="{plot_left}" y="{y + 7}" width="{width:.1f}" '
            f'height="{ROW_HEIGHT - 14}"/>'
        )
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
        if bar.value is None:
            out.append(
                f'<text class="chart-text" x="{plot_left + 6}" '
                f'y="{mid + 5:.1f}">{escape(bar.note or "—")}</text>'
            )
            continue
        klass = "chart-bar-insufficient" if bar.note else "chart-bar"
        width = max(1.0, x_at(bar.value) - plot_left)
        out.append(
            f'<rect class="{klass}" x="{plot_left}" y="{bar_top + 5}" width="{width:.1f}" '
            f'height="{NARROW_BAR_HEIGHT - 10}"/>'
        )
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
