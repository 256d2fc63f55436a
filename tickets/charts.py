"""Server-side SVG charts: the geometry is computed here, the template only draws it."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

WIDTH, HEIGHT = 640, 200
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 36, 10, 10, 24


@dataclass(frozen=True)
class DailySeries:
    name: str
    points: str  # the SVG polyline "x,y x,y ..."
    total: int


@dataclass(frozen=True)
class DailyChart:
    """Lines of counts per day over the same days, with axis ticks."""

    width: int
    height: int
    series: list[DailySeries]
    y_ticks: list[tuple[float, int]]  # (y, value)
    x_ticks: list[tuple[float, str]]  # (x, label)
    rows: list[tuple[datetime.date, list[int]]]  # the same data as a table
    baseline: float
    left: float
    right: float


def daily_chart(
    days: Sequence[datetime.date], series: Mapping[str, Mapping[datetime.date, int]]
) -> DailyChart:
    """A line per series over ``days``; a day without a count is zero."""
    peak = max([1, *(count for counts in series.values() for count in counts.values())])
    plot_w = WIDTH - PAD_LEFT - PAD_RIGHT
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    step = plot_w / max(1, len(days) - 1)

    def x(i: int) -> float:
        return round(PAD_LEFT + i * step, 1)

    def y(value: int) -> float:
        return round(PAD_TOP + plot_h - value / peak * plot_h, 1)

    lines = [
        DailySeries(
            name=name,
            points=" ".join(f"{x(i)},{y(counts.get(day, 0))}" for i, day in enumerate(days)),
            total=sum(counts.get(day, 0) for day in days),
        )
        for name, counts in series.items()
    ]
    ticks = sorted({0, peak // 2, peak})
    return DailyChart(
        width=WIDTH,
        height=HEIGHT,
        series=lines,
        y_ticks=[(y(v), v) for v in ticks],
        # A label a week, and the last day's unless it would overlap the weekly one before it.
        x_ticks=[
            (x(i), day.strftime("%d %b"))
            for i, day in enumerate(days)
            if (i % 7 == 0 and len(days) - 1 - i >= 3) or i == len(days) - 1
        ],
        rows=[(day, [counts.get(day, 0) for counts in series.values()]) for day in days],
        baseline=y(0),
        left=PAD_LEFT,
        right=WIDTH - PAD_RIGHT,
    )
