"""Format sample values for people: nanoseconds as ms/s, bytes as kB/MB, counts as integers.

Every view (top, list, flame graph tooltips, report) prints values through here so the same
number reads the same everywhere.  Like pprof, each value picks its own scale ("1.50s", "700ms",
"80MB"), with two decimals and a trailing ".00" dropped.
"""

from __future__ import annotations

import math

from perfkit.model import Profile

__all__ = [
    "format_percent",
    "format_value",
    "is_bytes",
    "is_time",
    "scale_value",
    "unit_label",
]

#: nanoseconds per unit, for every spelling of a time unit profiles use
_TIME_UNITS = {
    "nanoseconds": 1,
    "nanosecond": 1,
    "ns": 1,
    "microseconds": 1_000,
    "microsecond": 1_000,
    "us": 1_000,
    "milliseconds": 1_000_000,
    "millisecond": 1_000_000,
    "ms": 1_000_000,
    "seconds": 1_000_000_000,
    "second": 1_000_000_000,
    "s": 1_000_000_000,
}
#: bytes per unit (binary multiples, as pprof's kB/MB)
_BYTE_UNITS = {
    "bytes": 1,
    "byte": 1,
    "b": 1,
    "kilobytes": 1024,
    "kb": 1024,
    "megabytes": 1024**2,
    "mb": 1024**2,
    "gigabytes": 1024**3,
    "gb": 1024**3,
}
#: display scales, largest first: (factor in base units, suffix)
_TIME_SCALES = ((1e9, "s"), (1e6, "ms"), (1e3, "us"), (1.0, "ns"))
_BYTE_SCALES = ((1024.0**4, "TB"), (1024.0**3, "GB"), (1024.0**2, "MB"), (1024.0, "kB"), (1.0, "B"))


def is_time(unit: str) -> bool:
    """True for units of time (values are then shown as ns/us/ms/s)."""
    return unit.lower() in _TIME_UNITS


def is_bytes(unit: str) -> bool:
    """True for units of memory (values are then shown as B/kB/MB/GB)."""
    return unit.lower() in _BYTE_UNITS


def scale_value(value: float, unit: str) -> tuple[float, str]:
    """``value`` in ``unit`` rescaled to the largest readable unit: ``(1.5, "s")``.

    Counts and unknown units come back unchanged with an empty suffix.
    """
    key = unit.lower()
    scales: tuple[tuple[float, str], ...]
    if key in _TIME_UNITS:
        base, scales = value * _TIME_UNITS[key], _TIME_SCALES
    elif key in _BYTE_UNITS:
        base, scales = value * _BYTE_UNITS[key], _BYTE_SCALES
    else:
        return float(value), ""
    magnitude = abs(base)
    for factor, suffix in scales:
        if magnitude >= factor:
            return base / factor, suffix
    factor, suffix = scales[-1]
    return base / factor, suffix


def format_value(value: float, unit: str) -> str:
    """One value as text: ``"1.50s"``, ``"700ms"``, ``"80MB"``, ``"1234"`` (counts)."""
    scaled, suffix = scale_value(value, unit)
    if not suffix:
        return str(int(value)) if float(value).is_integer() else f"{value:.2f}"
    text = f"{scaled:.2f}"
    if text.endswith(".00"):
        text = text[:-3]
    if text in ("0", "-0"):
        return "0"
    return text + suffix


def format_percent(value: float, total: float) -> str:
    """``value`` as a share of ``total``: ``"70.00%"``, ``"100%"``, ``"0.42%"``; 0% when total is 0."""
    ratio = abs(value / total) * 100 if total else 0.0
    if 99.995 <= ratio <= 100.005:
        return "100%"
    if ratio >= 1 or ratio == 0:
        return f"{ratio:.2f}%"
    # small shares keep two significant digits so they do not all read "0.00%"
    digits = max(2, 1 - math.floor(math.log10(ratio)))
    return f"{ratio:.{digits}f}%"


def unit_label(unit: str) -> str:
    """A short unit name for column headers and legends (``ns`` -> ``time``, ``bytes`` -> ``memory``)."""
    if is_time(unit):
        return "time"
    if is_bytes(unit):
        return "memory"
    return unit


def resolve_sample_type(profile: Profile, sample_type: str | int | None, where: str = "this profile") -> int:
    """The column index for ``--sample-type`` (None: the default), or one line listing the choices."""
    from perfkit.graph.options import sample_column  # here, not at the top: the CLI imports this module

    return sample_column(profile, sample_type, where, "--sample-type")
