"""Charts drawn on the server as SVG: the geometry here, the markup in templates/console/_charts.

Why SVG from the server rather than a script library: the pages already work with no script
(WeChat's browser, a locked-down office PC), the numbers are in the page itself (tests and
screen readers read them; each bar carries a <title>), nothing has to be vendored or refreshed,
and the Content-Security-Policy stays as strict as it is. Colours come from site.css classes
(inline styles are refused by that policy); charts with a time axis have a fixed pixel width
and scroll inside their box on a phone, newest week in view, so their labels stay legible.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

TOP, BOTTOM, LEFT, RIGHT = 14, 34, 44, 12
STEP = 40  # pixels per category (a week) on the x axis, at least
MIN_PLOT = 480  # a chart of a few weeks still spreads to this width
HEIGHT = 200
AXIS_BOTTOMS = (0.96, 0.92, 0.9, 0.8, 0.6, 0.2, 0.0)  # where a rate axis starts: 4 even steps


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class Mark:
    """A bar (w, h > 0) or a point (w = h = 0) with its label under the axis."""

    x: float
    y: float
    w: float
    h: float
    label: str
    title: str
    shown: bool = True  # False: no data here (a gap in a line)


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    plot_left: int
    plot_right: int
    baseline: float
    ticks: tuple[Tick, ...]
    marks: tuple[Mark, ...]
    segments: tuple[str, ...] = ()  # polyline point lists (a line breaks where data is missing)

    @property
    def empty(self) -> bool:
        return not self.marks


def _frame(count: int) -> tuple[int, float, float, float]:
    """(width, top, bottom, step): the plot is STEP a category, or wider when there are few."""
    step = max(float(STEP), MIN_PLOT / max(count, 1))
    width = LEFT + RIGHT + round(max(count, 1) * step)
    return width, float(TOP), float(HEIGHT - BOTTOM), step


def columns(items: Sequence[tuple[str, float, str]], unit: str) -> Chart:
    """Vertical bars: (axis label, value, title) per category."""
    width, top, bottom, step = _frame(len(items))
    peak = _nice_max(max((v for _, v, _ in items), default=0.0))
    ticks = tuple(Tick(bottom - (bottom - top) * i / 4, f"{peak * i / 4:g}{unit}")
                  for i in range(5))
    marks = []
    for i, (label, value, title) in enumerate(items):
        h = (bottom - top) * value / peak if peak else 0.0
        bar = min(step - 16, 32.0)
        marks.append(Mark(LEFT + i * step + (step - bar) / 2, bottom - h, bar, h, label, title))
    return Chart(width, HEIGHT, LEFT, width - RIGHT, bottom, ticks, tuple(marks))


def line(items: Sequence[tuple[str, float | None, str]]) -> Chart:
    """A line of rates (0..1) per category; None leaves a gap. The y axis starts just below the
    lowest rate (at one of AXIS_BOTTOMS), so a fall from 98% to 93% shows."""
    width, top, bottom, step = _frame(len(items))
    values = [v for _, v, _ in items if v is not None]
    lowest = min(values, default=1.0) - 0.01
    low = next(b for b in AXIS_BOTTOMS if b <= lowest)

    def y(v: float) -> float:
        return bottom - (bottom - top) * (v - low) / (1.0 - low)

    ticks = tuple(Tick(y(v), f"{round(v * 100, 1):g}%")
                  for v in (low + (1.0 - low) * i / 4 for i in range(5)))
    marks: list[Mark] = []
    segments: list[str] = []
    run: list[str] = []
    for i, (label, value, title) in enumerate(items):
        x = LEFT + i * step + step / 2
        if value is None:
            if run:
                segments.append(" ".join(run))
            run = []
            marks.append(Mark(x, bottom, 0, 0, label, title, shown=False))
            continue
        run.append(f"{x:.1f},{y(value):.1f}")
        marks.append(Mark(x, y(value), 0, 0, label, title))
    if run:
        segments.append(" ".join(run))
    return Chart(width, HEIGHT, LEFT, width - RIGHT, bottom, ticks, tuple(marks),
                 tuple(segments))


def _nice_max(value: float) -> float:
    """The axis top: four equal steps of 1, 2, 2.5 or 5 × a power of ten, at least 1."""
    needed = max(value, 1.0) / 4
    power = 10.0 ** math.floor(math.log10(needed))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= needed)
    return 4 * step


@dataclass(frozen=True)
class Segment:
    """One part of a stacked bar, as a share of the widest bar (0..100)."""

    series: str
    x: float
    w: float
    value: float


def stacked(rows: Sequence[Sequence[tuple[str, float]]]) -> list[list[Segment]]:
    """Horizontal stacked bars, one per row of (series, value); all on the widest row's scale."""
    widest = max((sum(v for _, v in row) for row in rows), default=0.0)
    out = []
    for row in rows:
        x, parts = 0.0, []
        for series, value in row:
            w = 100 * value / widest if widest else 0.0
            if value:
                parts.append(Segment(series, x, w, value))
            x += w
        out.append(parts)
    return out
