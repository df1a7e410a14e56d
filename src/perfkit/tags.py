"""pprof's tag filters and tag report over the model's labels: ``-tagfocus``, ``-tagignore``, ``-tags``.

A tag filter is ``[KEY=]VALUE``.  VALUE is either a numeric range with optional units (``1kb:``
at least 1 kB, ``:64`` at most 64, ``1mb:2mb`` between, ``4096`` exactly), compared with the
numeric labels of KEY (of any key without ``KEY=``), or comma-separated regexes, of which one must
match a string value of KEY (without ``KEY=``: every regex must match some ``key:value``).
A numeric label's unit is the profile's unit for its key (the first one seen, else the key itself,
as pprof's ``NumLabelUnits``), so Go's unitless ``bytes`` labels compare as bytes.

One deliberate difference from pprof: a bare number in a range takes the label's unit, so
``bytes=:64`` means "at most 64 bytes".  pprof compares it as unitless and matches nothing.

Everything here is a pure function of a :class:`~perfkit.model.Profile`; commands, the graph and
the web UI call :func:`filter_tags` and :func:`tag_report` so they agree.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from perfkit.errors import PerfkitError
from perfkit.model import LabelSet, NumLabel, Profile

__all__ = [
    "compile_tag_filter",
    "filter_tags",
    "label_units",
    "percentage",
    "scale",
    "scaled_label",
    "tag_report",
]

TagMatch = Callable[[LabelSet], bool]


# ------------------------------------------------------------------------------ units (pprof's measurement)
@dataclass(frozen=True)
class _Unit:
    name: str
    aliases: tuple[str, ...]
    factor: float


@dataclass(frozen=True)
class _Family:
    units: tuple[_Unit, ...]
    default: _Unit

    def sniff(self, unit: str) -> _Unit | None:
        """The unit spelled ``unit`` (case-insensitive, a plural ``s`` dropped), if in this family."""
        unit = unit.lower()
        if len(unit) > 2:
            unit = unit.removesuffix("s")
        return next((u for u in self.units if unit in u.aliases), None)

    def auto(self, base: float) -> tuple[float, str] | None:
        """``base`` in the largest unit it is at least one of."""
        best: _Unit | None = None
        for u in self.units:
            if (best is None or u.factor >= best.factor) and base / u.factor >= 1.0:
                best = u
        return None if best is None else (base / best.factor, best.name)


_BYTES = (
    _Unit("B", ("b", "byte"), 1),
    _Unit("kB", ("kb", "kbyte", "kilobyte"), 2.0**10),
    _Unit("MB", ("mb", "mbyte", "megabyte"), 2.0**20),
    _Unit("GB", ("gb", "gbyte", "gigabyte"), 2.0**30),
    _Unit("TB", ("tb", "tbyte", "terabyte"), 2.0**40),
    _Unit("PB", ("pb", "pbyte", "petabyte"), 2.0**50),
)
_TIME = (
    _Unit("ns", ("ns", "nanosecond"), 1),
    _Unit("us", ("μs", "us", "microsecond"), 1e3),
    _Unit("ms", ("ms", "millisecond"), 1e6),
    _Unit("s", ("s", "sec", "second"), 1e9),
    _Unit("hrs", ("hour", "hr"), 3600e9),
)
_GCU = tuple(
    _Unit(name, (alias,), factor)
    for name, alias, factor in (
        ("n*GCU", "nanogcu", 1e-9),
        ("u*GCU", "microgcu", 1e-6),
        ("m*GCU", "milligcu", 1e-3),
        ("GCU", "gcu", 1.0),
        ("k*GCU", "kilogcu", 1e3),
        ("M*GCU", "megagcu", 1e6),
        ("G*GCU", "gigagcu", 1e9),
        ("T*GCU", "teragcu", 1e12),
        ("P*GCU", "petagcu", 1e15),
    )
)
_FAMILIES = (
    _Family(_BYTES, _BYTES[0]),
    _Family(_TIME, _Unit("s", (), 1e9)),
    _Family(_GCU, _Unit("GCU", (), 1.0)),
)
_UNINTERESTING = {"count", "sample", "unit", "minimum", "auto"}


def scale(value: float, from_unit: str, to_unit: str) -> tuple[float, str]:
    """``value`` in ``from_unit`` expressed in ``to_unit`` (``auto``/``minimum``: the largest
    readable unit), with the target's canonical name; counts come back with an empty unit.
    pprof's ``measurement.Scale``, so perfkit's labels read as pprof's."""
    if value < 0:
        scaled, unit = scale(-value, from_unit, to_unit)
        return -scaled, unit
    for family in _FAMILIES:
        source = family.sniff(from_unit)
        if source is None:
            continue
        base = value * source.factor
        if to_unit in ("minimum", "auto"):
            return family.auto(base) or (base / family.default.factor, family.default.name)
        target = family.sniff(to_unit) or family.default
        return base / target.factor, target.name
    return float(value), "" if to_unit in _UNINTERESTING else to_unit


def scaled_label(value: float, unit: str, to_unit: str = "minimum") -> str:
    """``1MB``, ``1.12kB``, ``416B``: a value as pprof prints a numeric tag."""
    scaled, suffix = scale(value, unit, to_unit)
    text = f"{scaled:.2f}".removesuffix(".00")
    return "0" if text in ("0", "-0") else text + suffix


def label_units(profile: Profile) -> dict[str, str]:
    """The unit of each numeric label key: the first non-empty unit seen, else pprof's guess
    (``bytes`` for ``alignment``/``request``, otherwise the key itself)."""
    units: dict[str, str] = {}
    keys: dict[str, None] = {}
    for labelset in profile.labelsets:
        for key, value in labelset:
            if isinstance(value, NumLabel):
                keys.setdefault(key, None)
                if value.unit and key not in units:
                    units[key] = value.unit
    for key in keys:
        if key not in units:
            units[key] = "bytes" if key in ("alignment", "request") else key
    return units


# ------------------------------------------------------------------------------ filters
_RANGE_PART = re.compile(r"([+-]?[0-9]+)([A-Za-z]+)?")


def _range(text: str) -> Callable[[int, str], bool] | None:
    """A numeric test for ``N``, ``N:``, ``:N`` or ``N:M`` (units optional), else None (a regex)."""
    parts = list(_RANGE_PART.finditer(text))[:2]
    if not parts:
        return None
    first = parts[0].group(0)
    if len(parts) == 1:
        shapes = {first: "eq", first + ":": "ge", ":" + first: "le"}
        if text not in shapes:
            return None
        shape = shapes[text]
    elif text == f"{first}:{parts[1].group(0)}":
        shape = "between"
    else:
        return None
    low: float
    high: float
    if not any(p.group(2) for p in parts):  # bare numbers: in the label's own unit
        low = high = int(parts[0].group(1))
        if shape == "between":
            high = int(parts[1].group(1))
        return lambda value, _unit: _compare(shape, value, low, high)
    low_unit = parts[0].group(2) or ""
    low, unit = scale(int(parts[0].group(1)), low_unit, low_unit)
    high = low
    if shape == "between":
        high, unit2 = scale(int(parts[1].group(1)), parts[1].group(2) or "", unit)
        if unit2 != unit:
            return None

    def test(value: int, value_unit: str) -> bool:
        scaled, got = scale(value, value_unit, unit)
        return got == unit and _compare(shape, scaled, low, high)

    return test


def _compare(shape: str, value: float, low: float, high: float) -> bool:
    if shape == "eq":
        return value == low
    if shape == "ge":
        return value >= low
    if shape == "le":
        return value <= low
    return low <= value <= high


def compile_tag_filter(text: str, units: dict[str, str], *, option: str = "tagfocus") -> TagMatch:
    """A predicate over label sets for one ``[KEY=]VALUE`` filter (see the module doc)."""
    key, sep, value = text.partition("=")
    if not sep:
        key, value = "", text
    numeric = _range(value)
    if numeric is not None:

        def numbers(labels: LabelSet) -> bool:
            for k, v in labels:
                if isinstance(v, NumLabel) and (not key or k == key) and numeric(v.value, units.get(k, k)):
                    return True
            return False

        return numbers
    try:
        patterns = [re.compile(part) for part in value.split(",")]
    except re.error as exc:
        raise PerfkitError(f"{option} {text!r}: not a valid regular expression ({exc}); fix or quote it") from None
    if key:

        def key_matches(labels: LabelSet) -> bool:
            values = [v for k, v in labels if k == key and isinstance(v, str)]
            return any(rx.search(v) for rx in patterns for v in values)

        return key_matches

    def all_match(labels: LabelSet) -> bool:
        pairs = [f"{k}:{v}" for k, v in labels if isinstance(v, str)]
        return all(any(rx.search(p) for p in pairs) for rx in patterns)

    return all_match


def filter_tags(
    profile: Profile,
    tagfocus: str | None = None,
    tagignore: str | None = None,
    *,
    options: tuple[str, str] = ("tagfocus", "tagignore"),
) -> Profile:
    """Samples whose labels match ``tagfocus`` and not ``tagignore`` (pprof's -tagfocus/-tagignore).
    ``options`` names the two inputs in error messages (the CLI passes its flags)."""
    if not tagfocus and not tagignore:
        return profile
    units = label_units(profile)
    focus = compile_tag_filter(tagfocus, units, option=options[0]) if tagfocus else None
    ignore = compile_tag_filter(tagignore, units, option=options[1]) if tagignore else None
    return profile.select_labels(
        lambda labels: (focus is None or focus(labels)) and not (ignore is not None and ignore(labels))
    )


# ------------------------------------------------------------------------------ report
def percentage(value: float, total: float) -> str:
    """pprof's ``measurement.Percentage``: ``  100%``, `` 7.50%``, ``0.0078%``."""
    ratio = abs(value / total) * 100 if total else 0.0
    if 99.95 <= ratio <= 100.05:
        return "  100%"
    if ratio >= 1.0:
        return f"{ratio:5.2f}%"
    return f"{ratio:5.2g}%"


def tag_report(profile: Profile, sample_type: str | int | None = None) -> str:
    """pprof's ``-tags``: for every label key, the total and each value's share, heaviest first;
    numeric values are printed in their unit (``1MB``, ``8kB``)."""
    index = profile.type_index(sample_type)
    unit = profile.sample_types[index].unit
    units = label_units(profile)
    per_set: dict[int, int] = {}
    for lid, value in zip(profile.sample_labels, profile.values[index]):
        per_set[lid] = per_set.get(lid, 0) + value
    tags: dict[str, dict[str, int]] = {}
    for lid, value in per_set.items():
        for key, label in profile.labelsets[lid]:
            name = label if isinstance(label, str) else scaled_label(label.value, units.get(key, key))
            counts = tags.setdefault(key, {})
            counts[name] = counts.get(name, 0) + value
    out: list[str] = []
    for key in sorted(tags):
        counts = tags[key]
        total = sum(counts.values())
        shown, suffix = scale(total, unit, "minimum")
        rows = [[f"{key}:", f" Total {shown:.1f}{suffix}"]]
        for name, value in sorted(counts.items(), key=lambda kv: (-abs(kv[1]), kv[0])):
            amount, suffix = scale(value, unit, "minimum")
            share = f" ({percentage(value, total)})" if total > 0 else ""
            rows.append([" ", f"{amount:.1f}{suffix}{share}:", f" {name}"])
        out.extend(_format_block(rows))
        out.append("")
    return "\n".join(out) + ("\n" if out else "")


def _format_block(rows: list[list[str]]) -> list[str]:
    """One key's lines as Go's tabwriter lays them out: column 0 spans the block, column 1 only
    the value lines (the header line has no second cell)."""
    width0 = max(len(r[0]) for r in rows) + 1
    width1 = max((len(r[1]) for r in rows[1:]), default=0) + 1
    lines = [rows[0][0].rjust(width0) + rows[0][1]]
    lines.extend(r[0].rjust(width0) + r[1].rjust(width1) + r[2] for r in rows[1:])
    return lines
