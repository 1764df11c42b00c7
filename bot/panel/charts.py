"""Charts drawn on the server as SVG geometry, for templates to write out: no script, no
library, nothing fetched from elsewhere. A chart is only numbers and the labels of its data
(escaped by the template like any text); each bar carries its value for screen readers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot import i18n

WIDTH = 640
HEIGHT = 240
LEFT = 44  # room for the value axis
RIGHT = 24  # room for the last day's label
BOTTOM = 28  # room for the day labels
TOP = 12
ROW = 26  # one operation's row in a bar list


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: int
    tick: str | None = None  # the label written under this bar, if any
    part: float = 0.0  # a highlighted share of the bar's length (failed jobs), in pixels


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: tuple[Bar, ...]
    scale: tuple[tuple[float, int], ...]  # (y, value) of each gridline
    base: float  # where bars start: the x axis (columns) or the labels' edge (rows)


def nice_top(largest: int) -> int:
    """The smallest of 5, 10, 20, 50, 100… at least ``largest``: five gridlines on whole,
    round values."""
    magnitude = 5
    if largest <= magnitude:
        return magnitude
    magnitude = 10
    while True:
        for step in (1, 2, 5):
            if magnitude * step >= largest:
                return magnitude * step
        magnitude *= 10


def columns(values: Sequence[tuple[str, int]], every: int = 5) -> Chart:
    """One column per (day, value), the day as ``YYYY-MM-DD``, left to right; every ``every``-th
    day (and the last) written under the axis the way the current language writes a day."""
    top = nice_top(max((v for _, v in values), default=0))
    plot_h = HEIGHT - TOP - BOTTOM
    base = HEIGHT - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(values))
    bars = []
    for n, (label, value) in enumerate(values):
        h = plot_h * value / top
        shown = n % every == 0 or n == len(values) - 1
        tick = i18n.day(date.fromisoformat(label)) if shown else None
        bars.append(Bar(LEFT + n * slot + slot * 0.15, base - h, slot * 0.7, h, label, value, tick))
    scale = tuple((base - plot_h * k / 5, top * k // 5) for k in range(6))
    return Chart(WIDTH, HEIGHT, tuple(bars), scale, base)


def rows(values: Sequence[tuple[str, int, int]], label_width: int = 120) -> Chart:
    """One horizontal bar per (label, total, part), top to bottom; ``part`` is drawn over the
    start of the bar in another colour (failed jobs over all jobs)."""
    top = nice_top(max((v for _, v, _ in values), default=0))
    length = WIDTH - label_width - 60
    bars = []
    for n, (label, value, part) in enumerate(values):
        w = length * value / top
        bars.append(
            Bar(label_width, TOP + n * ROW, w, ROW - 8, label, value, part=length * part / top)
        )
    height = TOP * 2 + ROW * max(1, len(values))
    return Chart(WIDTH, height, tuple(bars), (), label_width)
