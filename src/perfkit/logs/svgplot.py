"""Small inline SVG charts for the logs report: lines over time and a histogram.

Hand-drawn SVG rather than a plotting library: the report must be one self-contained offline
file, and three simple charts do not justify a dependency.  Every value shown comes from the
analysis; axes are labelled with the same duration format as the tables.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from html import escape

__all__ = ["histogram", "lines"]

WIDTH, HEIGHT = 760, 220
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 14, 34
COLOURS = ("#1c5fb8", "#d9480f", "#2b8a3e", "#862e9c", "#e67700")


def _open(title: str) -> str:
    size = f'viewBox="0 0 {WIDTH} {HEIGHT}"'
    return f'<svg xmlns="http://www.w3.org/2000/svg" {size} role="img" aria-label="{escape(title)}">'


def _ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    if hi <= lo:
        return [lo]
    step = 10 ** math.floor(math.log10((hi - lo) / count))
    for mult in (1, 2, 5, 10):
        if (hi - lo) / (step * mult) <= count:
            step *= mult
            break
    first = math.ceil(lo / step) * step
    return [first + i * step for i in range(int((hi - first) / step) + 1)]


def _clock(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%H:%M:%S")


def lines(
    xs: Sequence[float],
    series: Sequence[tuple[str, Sequence[float | None]]],
    label: Callable[[float], str],
    title: str,
) -> str:
    """A line per series over time (``xs`` epoch seconds); gaps where a value is None."""
    values = [v for _, ys in series for v in ys if v is not None]
    if not xs or not values:
        return f'<p class="note">{escape(title)}: no data</p>'
    x0, x1 = min(xs), max(xs)
    y1 = max(values) * 1.05 or 1.0
    pw, ph = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def px(x: float) -> float:
        return LEFT + (pw * (x - x0) / (x1 - x0) if x1 > x0 else pw / 2)

    def py(y: float) -> float:
        return TOP + ph - ph * y / y1

    out = [_open(title)]
    for t in _ticks(0, y1):
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{py(t):.1f}" y2="{py(t):.1f}" stroke="#e3e6ec"/>')
        out.append(
            f'<text x="{LEFT - 6}" y="{py(t) + 4:.1f}" text-anchor="end" font-size="11">{escape(label(t))}</text>'
        )
    for t in _ticks(x0, x1, 6) if x1 > x0 else [x0]:
        out.append(f'<text x="{px(t):.1f}" y="{HEIGHT - 12}" text-anchor="middle" font-size="11">{_clock(t)}</text>')
    for i, (name, ys) in enumerate(series):
        colour = COLOURS[i % len(COLOURS)]
        path, pen = [], "M"
        for x, y in zip(xs, ys):
            if y is None:
                pen = "M"
                continue
            path.append(f"{pen}{px(x):.1f},{py(y):.1f}")
            pen = "L"
        line = " ".join(path)
        out.append(
            f'<path d="{line}" fill="none" stroke="{colour}" stroke-width="1.6"><title>{escape(name)}</title></path>'
        )
        out.append(f'<text x="{LEFT + 8 + 70 * i}" y="{TOP + 10}" font-size="11" fill="{colour}">{escape(name)}</text>')
    out.append("</svg>")
    return "".join(out)


def histogram(durations: Sequence[float], label: Callable[[float], str], title: str, bins: int = 40) -> str:
    """Counts of durations in logarithmic bins (latency spans decades; linear bins hide the tail)."""
    positive = [d for d in durations if d > 0]
    if not positive:
        return f'<p class="note">{escape(title)}: no durations above zero</p>'
    lo, hi = math.log10(min(positive)), math.log10(max(positive))
    if hi - lo < 1e-9:
        lo, hi = lo - 0.5, hi + 0.5
    width = (hi - lo) / bins
    counts = [0] * bins
    for d in positive:
        counts[min(bins - 1, int((math.log10(d) - lo) / width))] += 1
    top = max(counts)
    pw, ph = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    bar = pw / bins
    out = [_open(title)]
    for i, n in enumerate(counts):
        if not n:
            continue
        h = ph * n / top
        left, right = 10 ** (lo + i * width), 10 ** (lo + (i + 1) * width)
        out.append(
            f'<rect x="{LEFT + i * bar:.1f}" y="{TOP + ph - h:.1f}" width="{max(bar - 1, 1):.1f}" height="{h:.1f}" '
            f'fill="{COLOURS[0]}"><title>{escape(label(left))}–{escape(label(right))}: {n:,}</title></rect>'
        )
    for k in range(math.ceil(lo), math.floor(hi) + 1):
        x = LEFT + pw * (k - lo) / (hi - lo)
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{TOP + ph}" stroke="#e3e6ec"/>')
        out.append(
            f'<text x="{x:.1f}" y="{HEIGHT - 12}" text-anchor="middle" font-size="11">{escape(label(10.0**k))}</text>'
        )
    out.append(f'<text x="{LEFT - 6}" y="{TOP + 10}" text-anchor="end" font-size="11">{top:,}</text>')
    out.append("</svg>")
    return "".join(out)
