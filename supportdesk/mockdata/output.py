"""Terminal output shared by the commands: progress per step and plain tables."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from django.core.management.base import OutputWrapper


class StepProgress:
    """A progress bar per step on a terminal; one plain line per step otherwise (logs, CI)."""

    WIDTH = 30

    def __init__(self, stream: OutputWrapper, tty: bool) -> None:
        self.stream = stream
        self.tty = tty
        self.current: str | None = None
        self.last_draw = 0.0

    def __call__(self, step: str, done: int, total: int) -> None:
        if step != self.current:
            self.finish()
            self.current = step
            if not self.tty:
                self.stream.write(f"reading {step}")
                self.stream.flush()
        if self.tty and (done >= total or time.monotonic() - self.last_draw > 0.1):
            self.last_draw = time.monotonic()
            filled = int(self.WIDTH * done / total) if total else self.WIDTH
            percent = int(100 * done / total) if total else 100
            self.stream.write(
                f"\r  reading {step:<18} [{'#' * filled}{'.' * (self.WIDTH - filled)}] {percent:3d}%",
                ending="",
            )
            self.stream.flush()

    def finish(self) -> None:
        if self.tty and self.current is not None:
            self.stream.write("")
            self.stream.flush()
        self.current = None


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A left/right aligned text table (numbers right)."""
    cells = [[str(h) for h in headers]] + [[_fmt(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    numeric = [all(isinstance(row[i], int | float) for row in rows) and rows for i in range(len(headers))]

    def line(row: list[str]) -> str:
        return "  ".join(
            v.rjust(w) if numeric[i] else v.ljust(w) for i, (v, w) in enumerate(zip(row, widths, strict=True))
        )

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule, *(line(r) for r in cells[1:])])


def _fmt(value: Any) -> str:
    return f"{value:.2f}" if isinstance(value, float) else str(value)
