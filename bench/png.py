"""A tiny pure-Python PNG line chart (matplotlib is not installed; zlib + struct are enough).

Log-scaled x (table size) and y (latency), one coloured polyline with dots per series, grid lines
at each power of ten, tick labels and a legend drawn with a 3x5 pixel font.
"""

from __future__ import annotations

import itertools
import math
import struct
import zlib
from pathlib import Path

Color = tuple[int, int, int]
PALETTE: list[Color] = [
    (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75),
    (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207), (0, 0, 0), (255, 0, 255),
]  # fmt: skip

# 3x5 glyphs, rows top to bottom, 3 bits each.
FONT = {
    "0": [7, 5, 5, 5, 7],
    "1": [2, 6, 2, 2, 7],
    "2": [7, 1, 7, 4, 7],
    "3": [7, 1, 7, 1, 7],
    "4": [5, 5, 7, 1, 1],
    "5": [7, 4, 7, 1, 7],
    "6": [7, 4, 7, 5, 7],
    "7": [7, 1, 1, 1, 1],
    "8": [7, 5, 7, 5, 7],
    "9": [7, 5, 7, 1, 7],
    ".": [0, 0, 0, 0, 2],
    "k": [4, 5, 6, 5, 5],
    "M": [5, 7, 7, 5, 5],
    "m": [0, 0, 7, 7, 5],
    "s": [0, 3, 6, 1, 6],
    " ": [0, 0, 0, 0, 0],
    "-": [0, 0, 7, 0, 0],
    "=": [0, 7, 0, 7, 0],
    "/": [1, 1, 2, 4, 4],
    "_": [0, 0, 0, 0, 7],
    ",": [0, 0, 0, 2, 4],
    "+": [0, 2, 7, 2, 0],
    ":": [0, 2, 0, 2, 0],
    "(": [1, 2, 2, 2, 1],
    ")": [4, 2, 2, 2, 4],
    "#": [5, 7, 5, 7, 5],
    "&": [2, 5, 2, 5, 3],
}
for _c, _rows in {
    "a": [0, 6, 3, 5, 7],
    "b": [4, 6, 5, 5, 6],
    "c": [0, 3, 4, 4, 3],
    "d": [1, 3, 5, 5, 3],
    "e": [0, 7, 7, 4, 3],
    "f": [3, 4, 6, 4, 4],
    "g": [0, 7, 5, 3, 6],
    "h": [4, 6, 5, 5, 5],
    "i": [2, 0, 2, 2, 2],
    "j": [1, 0, 1, 5, 2],
    "l": [6, 2, 2, 2, 7],
    "n": [0, 6, 5, 5, 5],
    "o": [0, 2, 5, 5, 2],
    "p": [0, 6, 5, 6, 4],
    "q": [0, 3, 5, 3, 1],
    "r": [0, 6, 4, 4, 4],
    "t": [2, 7, 2, 2, 1],
    "u": [0, 5, 5, 5, 3],
    "v": [0, 5, 5, 5, 2],
    "w": [0, 5, 7, 7, 5],
    "x": [0, 5, 2, 2, 5],
    "y": [0, 5, 3, 1, 6],
    "z": [0, 7, 1, 4, 7],
    "?": [7, 1, 2, 0, 2],
}.items():
    FONT[_c] = _rows


class Canvas:
    def __init__(self, width: int, height: int) -> None:
        self.w, self.h = width, height
        self.px = bytearray(b"\xff" * (width * height * 3))

    def set(self, x: int, y: int, c: Color) -> None:
        if 0 <= x < self.w and 0 <= y < self.h:
            i = (y * self.w + x) * 3
            self.px[i : i + 3] = bytes(c)

    def line(self, x0: int, y0: int, x1: int, y1: int, c: Color, thick: int = 1) -> None:
        steps = max(abs(x1 - x0), abs(y1 - y0), 1)
        for s in range(steps + 1):
            x = round(x0 + (x1 - x0) * s / steps)
            y = round(y0 + (y1 - y0) * s / steps)
            for dx in range(thick):
                for dy in range(thick):
                    self.set(x + dx - thick // 2, y + dy - thick // 2, c)

    def dot(self, x: int, y: int, c: Color, r: int = 3) -> None:
        for dx in range(-r, r + 1):
            for dy in range(-r, r + 1):
                if dx * dx + dy * dy <= r * r:
                    self.set(x + dx, y + dy, c)

    def text(self, x: int, y: int, s: str, c: Color = (0, 0, 0), scale: int = 2) -> None:
        for ch in s:
            rows = FONT.get(ch) or FONT.get(ch.lower()) or FONT["?"]
            for r, bits in enumerate(rows):
                for b in range(3):
                    if bits & (4 >> b):
                        for sx in range(scale):
                            for sy in range(scale):
                                self.set(x + b * scale + sx, y + r * scale + sy, c)
            x += 4 * scale

    def save(self, path: Path) -> None:
        raw = b"".join(b"\x00" + bytes(self.px[y * self.w * 3 : (y + 1) * self.w * 3]) for y in range(self.h))

        def chunk(kind: bytes, data: bytes) -> bytes:
            return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

        header = struct.pack(">IIBBBBB", self.w, self.h, 8, 2, 0, 0, 0)
        png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9))
        path.write_bytes(png + chunk(b"IEND", b""))


def _size_label(n: float) -> str:
    return f"{n / 1e6:g}M" if n >= 1e6 else f"{n / 1e3:g}k" if n >= 1e3 else f"{n:g}"


def line_chart(path: Path, title: str, series: dict[str, list[tuple[float, float]]]) -> None:
    """Write a log-log chart of ``series`` (name -> [(table size, p95 ms)]) to ``path``."""
    width, left, right, top, bottom = 1100, 80, 330, 50, 60
    # Tall enough for the legend, a row of 18 px per series beside the plot.
    height = max(620, top + 20 + 18 * len(series))
    cv = Canvas(width, height)
    points = [p for values in series.values() for p in values if p[1] > 0]
    xs = [p[0] for p in points] or [1e4, 1e6]
    ys = [p[1] for p in points] or [1, 100]
    x_lo, x_hi = math.floor(math.log10(min(xs))), math.ceil(math.log10(max(xs)))
    y_lo, y_hi = math.floor(math.log10(min(ys))), math.ceil(math.log10(max(ys)))
    x_hi, y_hi = max(x_hi, x_lo + 1), max(y_hi, y_lo + 1)

    def sx(v: float) -> int:
        return left + round((math.log10(v) - x_lo) / (x_hi - x_lo) * (width - left - right))

    def sy(v: float) -> int:
        return height - bottom - round((math.log10(v) - y_lo) / (y_hi - y_lo) * (height - top - bottom))

    grey, black = (220, 220, 220), (0, 0, 0)
    for e in range(y_lo, y_hi + 1):
        cv.line(left, sy(10**e), width - right, sy(10**e), grey)
        cv.text(8, sy(10**e) - 5, f"{10**e:g} ms")
    for e in range(x_lo, x_hi + 1):
        cv.line(sx(10**e), top, sx(10**e), height - bottom, grey)
        cv.text(sx(10**e) - 10, height - bottom + 10, _size_label(10**e))
    for target, label in ((30, "30 ms"), (100, "100 ms")):
        if 10**y_lo <= target <= 10**y_hi:
            for x in range(left, width - right, 8):
                cv.line(x, sy(target), x + 3, sy(target), (150, 150, 150))
            cv.text(width - right - 60, sy(target) - 14, label, (120, 120, 120))
    cv.line(left, top, left, height - bottom, black)
    cv.line(left, height - bottom, width - right, height - bottom, black)
    cv.text(left, 15, title, scale=3)
    cv.text(left + 200, height - 25, "tickets in the table (log)")
    for i, (name, values) in enumerate(series.items()):
        color = PALETTE[i % len(PALETTE)]
        pts = sorted((sx(x), sy(y)) for x, y in values if y > 0)
        for a, b in itertools.pairwise(pts):
            cv.line(*a, *b, color, thick=2)
        for p in pts:
            cv.dot(*p, color)
        ly = top + 10 + i * 18
        cv.line(width - right + 15, ly + 5, width - right + 35, ly + 5, color, thick=3)
        cv.text(width - right + 42, ly, name[:34])
    cv.save(path)
