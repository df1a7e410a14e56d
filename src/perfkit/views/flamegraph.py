"""Interactive flame graph SVG (also icicle and differential), self-contained and offline.

Why it looks like this: frames are drawn as plain ``<rect>``/``<text>`` (so the picture shows
even where scripts are off, and tests can read geometry with an XML parser), while everything
the script needs (names, files, exact values) sits once in a JSON block instead of in per-frame
attributes.  That keeps a 100,000-stack graph several times smaller and faster than
flamegraph.pl's.  The script and stylesheet live in ``assets/`` and are inlined at render time.
Output is deterministic: children sorted alphabetically, colours hashed from names.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from importlib import resources
from typing import Any

from perfkit.errors import ParamError
from perfkit.graph import Granularity, GraphOptions, Prepared, prepare, prepare_apart
from perfkit.model import Frame, Profile, ValueType
from perfkit.views.flame_colors import LEGEND, ORIGINS, diff_colour, frame_colour, origin
from perfkit.views.flame_tree import ROOT, Layout, layout
from perfkit.views.units import format_value, is_bytes, is_time, resolve_sample_type

__all__ = ["NAME", "render_prepared", "render_svg", "write"]

NAME = "svg"

FONT_SIZE = 12
#: average glyph width as a share of the font size (Verdana), for fitting labels
FONT_WIDTH = 0.59
FRAME_HEIGHT = 16
XPAD = 10
TOP = 66  # title, subtitle, buttons and legend above the frames
BOTTOM = 34  # details line and "Matched" below them
ROOT_FILL = "#d8d8d8"
MIN_WIDTH = 100

_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@functools.cache
def _asset(name: str) -> str:
    return resources.files("perfkit.views").joinpath("assets", name).read_text(encoding="utf-8")


def _esc(text: str) -> str:
    """Text safe inside an XML element or a double-quoted attribute."""
    text = _BAD_XML.sub("\ufffd", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _json(data: Any) -> str:
    """JSON safe inside CDATA and inside an HTML page: no ``<``, ``>`` or ``&`` at all."""
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _num(value: float) -> str:
    """A coordinate with one decimal, trailing ``.0`` dropped."""
    return f"{value:.1f}".removesuffix(".0")


def fit_label(name: str, width: float) -> str:
    """The label that fits ``width`` pixels: whole, cut with "..", or nothing below 3 glyphs."""
    chars = int(width / (FONT_SIZE * FONT_WIDTH))
    if chars < 3:
        return ""
    return name if len(name) <= chars else name[: chars - 2] + ".."


def value_text(value: float, vt: ValueType) -> str:
    """A value with its unit: "1.50s", "80MB", "1234 samples"."""
    text = format_value(value, vt.unit)
    if is_time(vt.unit) or is_bytes(vt.unit):
        return text
    return f"{text} {'samples' if vt.type in ('samples', 'sample') else vt.type}"


_TIME_FACTORS = {"microseconds": 1e3, "microsecond": 1e3, "us": 1e3, "milliseconds": 1e6, "millisecond": 1e6}
_TIME_FACTORS.update({"ms": 1e6, "seconds": 1e9, "second": 1e9, "s": 1e9})
_BYTE_FACTORS = {"kilobytes": 1024.0, "kb": 1024.0, "megabytes": 1024.0**2, "mb": 1024.0**2, "gigabytes": 1024.0**3}
_BYTE_FACTORS["gb"] = 1024.0**3


def _unit_kind(unit: str) -> tuple[str, float]:
    """(kind, factor to nanoseconds or bytes): the script formats values as views.units does."""
    if is_time(unit):
        return "time", _TIME_FACTORS.get(unit.lower(), 1.0)
    if is_bytes(unit):
        return "bytes", _BYTE_FACTORS.get(unit.lower(), 1.0)
    return "count", 1.0


def _normalized(base: dict[tuple[int, ...], int], own_total: int) -> dict[tuple[int, ...], int]:
    """The base's stack values scaled so its positive total matches ``own_total``."""
    base_total = sum(v for v in base.values() if v > 0)
    factor = own_total / base_total if base_total else 1.0
    return {stack: round(value * factor) for stack, value in base.items()}


def _default_title(inverted: bool, diff: bool) -> str:
    if diff:
        return "Differential Flame Graph"
    return "Icicle Graph" if inverted else "Flame Graph"


def _header(width: int, height: int, title: str, subtitle: str) -> list[str]:
    mid = _num(width / 2)
    return [
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n',
        f'<svg version="1.1" xmlns="http://www.w3.org/2000/svg" class="pkflame" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}">\n',
        f"<title>{_esc(title)}</title>\n",
        f"<style>{_asset('flame.css')}</style>\n",
        f'<rect class="bg" x="0" y="0" width="{width}" height="{height}"/>\n',
        f'<text class="title" x="{mid}" y="24">{_esc(title)}</text>\n',
        f'<text class="subtitle" x="{mid}" y="42">{_esc(subtitle)}</text>\n',
    ]


def _legend(diff: bool) -> list[str]:
    items = (
        [("grew", diff_colour(2, 1)), ("shrank", diff_colour(1, 2)), ("no change", diff_colour(1, 1))]
        if diff
        else [(LEGEND[o], frame_colour("legend", o)) for o in ORIGINS]
    )
    out = ['<g class="legend">']
    x = XPAD
    for text, fill in items:
        out.append(f'<rect x="{x}" y="48" width="10" height="10" fill="{fill}"/>')
        out.append(f'<text x="{x + 14}" y="57">{text}</text>')
        x += 14 + int(len(text) * 6.5) + 16
    out.append("</g>\n")
    return out


def _empty(width: int, title: str, subtitle: str) -> str:
    height = TOP + BOTTOM + 3 * FRAME_HEIGHT
    parts = _header(width, height, title, subtitle)
    parts.append(
        f'<text class="empty" x="{_num(width / 2)}" y="{TOP + 2 * FRAME_HEIGHT}">'
        "No samples in this profile: nothing to draw</text>\n</svg>\n"
    )
    return "".join(parts)


def write(
    profile: Profile,
    *,
    title: str | None = None,
    width: int = 1200,
    minwidth: float = 0.1,
    inverted: bool = False,
    sample_type: str | int | None = None,
    base: Profile | None = None,
    normalize: bool = False,
    granularity: str | None = None,
    options: GraphOptions | None = None,
    on_prepared: Callable[[Prepared], None] | None = None,
) -> str:
    """The flame graph of one sample type as SVG text; with ``base`` a differential one
    (widths from ``profile``, red grew / blue shrank by relative change).

    Frames are the graph layer's nodes (:mod:`perfkit.graph`): ``granularity`` "functions"
    (default) merges a function's lines into one frame, "lines" keeps them apart, "files" draws
    one frame per file; ``options`` carries pprof's filters (focus, ignore, hide, show), and
    ``on_prepared`` sees the prepared stacks (to warn about filters that matched nothing)."""
    _check_size(width, minwidth)
    opts = options or GraphOptions()
    if granularity is not None:
        opts = opts.replace(granularity=Granularity.parse(granularity))
    if sample_type is not None:
        opts = opts.replace(sample_index=sample_type)
    index = resolve_sample_type(profile, opts.sample_index)
    opts = opts.replace(sample_index=index)
    base_prepared = None
    if base is None:
        prepared = prepare(profile, opts)
    else:
        prepared, base_prepared = prepare_apart(profile, base, opts)
    if on_prepared is not None:
        on_prepared(prepared)
    return render_prepared(
        prepared, base_prepared, title=title, width=width, minwidth=minwidth, inverted=inverted, normalize=normalize
    )


def _check_size(width: int, minwidth: float) -> None:
    if width < MIN_WIDTH:
        raise ParamError("width", f"{{name}} {width}: too narrow for a flame graph; use at least {MIN_WIDTH}")
    if minwidth < 0:
        raise ParamError("minwidth", f"{{name}} {minwidth}: must not be negative; use 0 to keep every frame")


def render_prepared(
    prepared: Prepared,
    base_prepared: Prepared | None = None,
    *,
    title: str | None = None,
    width: int = 1200,
    minwidth: float = 0.1,
    inverted: bool = False,
    normalize: bool = False,
) -> str:
    """The flame graph of stacks already prepared by the graph layer (a cache's, as the web UI
    keeps them); with ``base_prepared`` (from :func:`~perfkit.graph.prepare_apart`) a diff."""
    _check_size(width, minwidth)
    vt = prepared.sample_type
    diff = base_prepared is not None
    title = title if title is not None else _default_title(inverted, diff)
    totals = prepared.stacks
    total = sum(v for v in totals.values() if v > 0)
    base_totals = base_prepared.stacks if base_prepared is not None else None
    if base_totals is not None and normalize:
        base_totals = _normalized(base_totals, total)
    frames = prepared.frames()
    plot = width - 2 * XPAD
    threshold = minwidth * total / plot if total else 0.0
    tree = layout(totals, frames, threshold, base_totals)
    subtitle = f"{vt}: {value_text(tree.total, vt)}"
    if diff:
        subtitle += f" (base {value_text(tree.base_total, vt)}{', normalized' if normalize else ''})"
    if not tree.nodes:
        return _empty(width, title, subtitle)
    return _render(tree, frames, vt, width, title, subtitle, inverted, diff)


#: the same function under the name other views use
render_svg = write


def _render(
    tree: Layout,
    frames: list[Frame],
    vt: ValueType,
    width: int,
    title: str,
    subtitle: str,
    inverted: bool,
    diff: bool,
) -> str:
    depth_rows = tree.max_depth + 1
    height = TOP + depth_rows * FRAME_HEIGHT + BOTTOM
    scale = (width - 2 * XPAD) / tree.total
    parts = _header(width, height, title, subtitle)
    parts.append(f'<text class="btn unzoom hide" x="{XPAD}" y="24">Reset Zoom</text>\n')
    parts.append(f'<text class="btn search" x="{width - XPAD}" y="24">Search</text>\n')
    parts.extend(_legend(diff))
    parts.append(f'<text class="details" x="{XPAD}" y="{height - 17}"> </text>\n')
    parts.append(f'<text class="matched" x="{width - XPAD}" y="{height - 17}"> </text>\n')
    parts.append('<g class="frames">\n')

    names: list[list[Any]] = [["all", "", 0, "root"]]
    name_index: dict[int, int] = {ROOT: 0}
    fills: dict[int, str] = {ROOT: ROOT_FILL}
    data: list[int] = []
    cursor: list[int] = [0] * (depth_rows + 1)  # next free start among the children at each depth
    append = parts.append
    for start, depth, fid, value, base_value in tree.nodes:
        n = name_index.get(fid)
        if n is None:
            frame = frames[fid]
            kind = origin(frame)
            n = name_index[fid] = len(names)
            names.append([frame.function, frame.file, frame.line, kind])
            fills[fid] = frame_colour(frame.function, kind)
        gap = start - cursor[depth]
        cursor[depth] = start + value
        cursor[depth + 1] = start
        data.extend((n, depth, gap, value, base_value) if diff else (n, depth, gap, value))
        x1 = round(XPAD + start * scale, 1)
        x2 = round(XPAD + (start + value) * scale, 1)
        y = TOP + (depth if inverted else tree.max_depth - depth) * FRAME_HEIGHT
        fill = diff_colour(value, base_value) if diff else fills[fid]
        label = fit_label(names[n][0], x2 - x1)
        text = f'<text x="{_num(x1 + 3)}" y="{y + 10.5}">{_esc(label)}</text>' if label else ""
        append(
            f'<g><rect x="{_num(x1)}" y="{y}" width="{_num(x2 - x1)}" height="{FRAME_HEIGHT - 1}" '
            f'fill="{fill}"/>{text}</g>\n'
        )
    parts.append("</g>\n")
    parts.append('<g class="tip hide"><rect rx="3" ry="3"/><text></text></g>\n')
    kind, factor = _unit_kind(vt.unit)
    config = {
        "width": width,
        "height": height,
        "pad": XPAD,
        "fontSize": FONT_SIZE,
        "fontWidth": FONT_WIDTH,
        "total": tree.total,
        "baseTotal": tree.base_total,
        "diff": diff,
        "unit": kind,
        "factor": factor,
        "type": vt.type,
        "names": names,
        "nodes": data,
        "stride": 5 if diff else 4,
    }
    parts.append(
        '<script type="text/ecmascript"><![CDATA[\n'
        f"(function (D) {{\n{_asset('flame.js')}}})({_json(config)});\n"
        "]]></script>\n</svg>\n"
    )
    return "".join(parts)
