"""The server-side SVG chart geometry."""

from __future__ import annotations

import datetime

from tickets.charts import HEIGHT, PAD_BOTTOM, PAD_TOP, daily_chart


def test_lines_scale_to_the_peak_and_missing_days_are_zero() -> None:
    days = [datetime.date(2026, 11, 1) + datetime.timedelta(days=n) for n in range(30)]
    chart = daily_chart(days, {"Created": {days[0]: 4, days[29]: 2}, "Resolved": {}})
    created, resolved = chart.series
    points = [tuple(map(float, p.split(","))) for p in created.points.split()]
    assert len(points) == 30
    assert points[0][1] == PAD_TOP  # the peak touches the top
    assert points[1][1] == HEIGHT - PAD_BOTTOM == chart.baseline  # no tickets: the baseline
    assert (created.total, resolved.total) == (6, 0)
    assert [label for _, label in chart.x_ticks] == ["01 Nov", "08 Nov", "15 Nov", "22 Nov", "30 Nov"]
    assert chart.rows[0] == (days[0], [4, 0])
