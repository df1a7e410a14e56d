"""Read Go's benchmark format exactly as Go's benchstat reads it (golang.org/x/perf ``benchfmt``).

Facts of the format as the reference reader applies them:

* lines end at ``\\n`` (one trailing ``\\r`` dropped); fields are separated by white space
  (ASCII, plus Unicode spaces in non-ASCII lines);
* a **result line** starts with ``Benchmark``: ``Benchmark<name> <iters> <value> <unit> ...``.
  The name is whatever follows ``Benchmark`` up to the first space; a line that is only a
  name (``go test -v`` prints one when a benchmark starts) is skipped. The iteration count is a
  signed decimal integer; values are Go floats (``1_000``, ``0x1p-2``, ``NaN``, ``Inf``);
* a **configuration line** is ``key: value``: the key starts with a lower-case letter and holds
  no space or upper-case letter; at least one space or tab follows the colon; ``key:`` with
  nothing after it removes the key. Keys apply to every later result line of the same file;
* a **unit line** is ``Unit <unit> key=value ...`` (``assume=exact``, ``better=higher``); unit
  metadata holds across files, and a conflicting value is an error;
* every other line is ignored; a malformed line becomes a :class:`SyntaxIssue` and is skipped.

Values are tidied as they are read (``ns/op`` -> ``sec/op``), except a value tidying leaves
unchanged (``0 ns/op``), which keeps its unit, as in Go.
"""

from __future__ import annotations

import math
import re
import unicodedata
from array import array
from collections.abc import Iterable, Iterator
from typing import Any

from perfkit.bench.results import Config, Record, Result, SyntaxIssue, UnitMeta, Value
from perfkit.bench.units import tidy_unit

__all__ = ["GoTextReader", "UnitTable", "parse_go_float", "read_go_text"]

#: (tidied unit, key) -> metadata; shared by every file of one comparison, as in Go
UnitTable = dict[tuple[str, str], UnitMeta]

# Go's unicode.IsSpace: Python's white space without the information separators U+001C..U+001F
_UNICODE_SPACE = re.compile(r"[^\S\x1c-\x1f]+")
_SPECIAL = {"inf": math.inf, "+inf": math.inf, "-inf": -math.inf, "infinity": math.inf,
            "+infinity": math.inf, "-infinity": -math.inf, "nan": math.nan}  # fmt: skip
_HEX = re.compile(r"[+-]?0[xX](?:[0-9a-fA-F_]+\.?[0-9a-fA-F_]*|\.[0-9a-fA-F_]+)[pP][+-]?[0-9_]+")
_INT64 = (-(2**63), 2**63 - 1)


def _underscores_ok(text: str) -> bool:
    """Go's rule: an underscore must sit between digits (a base prefix counts as a digit)."""
    body = text[1:] if text[:1] in ("+", "-") else text
    saw, i, hexa = "^", 0, False
    if len(body) >= 2 and body[0] == "0" and body[1] in "bBoOxX":
        i, saw, hexa = 2, "0", body[1] in "xX"
    for ch in body[i:]:
        if ch.isdigit() or (hexa and ch in "abcdefABCDEF"):
            saw = "0"
        elif ch == "_":
            if saw != "0":
                return False
            saw = "_"
        else:
            if saw == "_":
                return False
            saw = "!"
    return saw != "_"


def parse_go_float(field: bytes | str) -> float:
    """A float as Go's ``strconv.ParseFloat`` reads it; ValueError("invalid syntax" or "value
    out of range") otherwise."""
    text = field.decode("ascii", "replace") if isinstance(field, bytes) else field
    special = _SPECIAL.get(text.lower())
    if special is not None:
        return special
    if not text.isascii() or ("_" in text and not _underscores_ok(text)):
        raise ValueError("invalid syntax")
    if _HEX.fullmatch(text):
        try:
            value = float.fromhex(text.replace("_", ""))
        except OverflowError:
            raise ValueError("value out of range") from None
    else:
        try:
            value = float(text)
        except ValueError:
            raise ValueError("invalid syntax") from None
        if math.isnan(value):  # "+nan", "-nan": Python reads them, Go does not
            raise ValueError("invalid syntax")
    if math.isinf(value):
        raise ValueError("value out of range")
    return value


def _parse_iters(field: bytes) -> int:
    if b"_" in field:
        raise ValueError("invalid syntax")
    try:
        value = int(field)
    except ValueError:
        raise ValueError("invalid syntax") from None
    if not _INT64[0] <= value <= _INT64[1]:
        raise ValueError("value out of range")
    return value


def _chomp(raw: bytes) -> bytes:
    """The line without its ``\\n`` and one ``\\r`` before it (Go's bufio.ScanLines)."""
    line = raw[:-1] if raw.endswith(b"\n") else raw
    return line[:-1] if line.endswith(b"\r") else line


def _split(line: bytes) -> list[bytes]:
    if line.isascii():
        return line.split()
    text = line.decode("utf-8", "surrogateescape")
    return [w.encode("utf-8", "surrogateescape") for w in _UNICODE_SPACE.split(text) if w]


def _is_lower(ch: str) -> bool:
    return "a" <= ch <= "z" if ch < "\x80" else unicodedata.category(ch) == "Ll"


def _is_upper(ch: str) -> bool:
    return "A" <= ch <= "Z" if ch < "\x80" else unicodedata.category(ch) == "Lu"


def _key_value(line: str) -> tuple[str, str] | None:
    """``key: value`` (value "" removes the key), or None for a line that is not one."""
    key = None
    for i, ch in enumerate(line):
        if i == 0 and not _is_lower(ch):
            return None
        if (ch.isspace() and not "\x1c" <= ch <= "\x1f") or _is_upper(ch):
            return None
        if i > 0 and ch == ":":
            key, value = line[:i], line[i + 1 :]
            break
    if not key:
        return None
    if not value:
        return key, ""
    stripped = value.lstrip(" \t")
    return (key, stripped) if len(stripped) < len(value) else None


class _Units:
    """Unit strings as read -> (tidied unit, factor), cached (few distinct units per file)."""

    def __init__(self) -> None:
        self.cache: dict[bytes, tuple[str, str, float]] = {}

    def get(self, raw: bytes) -> tuple[str, str, float]:
        found = self.cache.get(raw)
        if found is None:
            unit = raw.decode("utf-8", "surrogateescape")
            tidied, factor = tidy_unit(unit)
            found = self.cache[raw] = (unit, tidied, factor)
        return found


def _values(fields: list[bytes], units: _Units) -> list[Value] | str:
    """The value/unit pairs of a result line, or the error message."""
    out: list[Value] = []
    count = len(fields)
    if count < 3:
        return "missing measurements"
    for i in range(2, count, 2):
        raw = fields[i]
        try:
            value = float(raw)
            if b"_" in raw or not math.isfinite(value):
                raise ValueError
        except ValueError:
            try:
                value = parse_go_float(raw)
            except ValueError as exc:
                return f"parsing measurement: {exc}"
        if i + 1 >= count:
            return "missing units"
        unit, tidied, factor = units.get(fields[i + 1])
        if factor == 1.0:
            out.append(Value(value, unit))
        else:
            scaled = value * factor
            out.append(Value(value, unit) if scaled == value else Value(scaled, tidied, unit))
    return out


def _unit_line(fields: list[bytes], path: str, number: int, table: UnitTable) -> Iterator[Record]:
    if len(fields) < 2:
        yield SyntaxIssue(path, number, "missing unit")
        return
    unit = fields[1].decode("utf-8", "surrogateescape")
    tidied = tidy_unit(unit)[0]
    for raw in fields[2:]:
        word = raw.decode("utf-8", "surrogateescape")
        eq = word.find("=")
        if eq <= 0:
            yield SyntaxIssue(path, number, "expected key=value")
            continue
        key, value = word[:eq], word[eq + 1 :]
        have = table.get((tidied, key))
        if have is not None:
            if have.value != value:
                yield SyntaxIssue(path, number, f"metadata {key} of unit {unit} already set to {have.value}")
            continue
        meta = table[(tidied, key)] = UnitMeta(tidied, key, value, unit, path, number)
        yield meta


class GoTextReader:
    """The state of one input: its configuration (interned: equal snapshots are one object) and
    its units. :meth:`records` yields every record; :meth:`feed` is the fast path for benchstat."""

    def __init__(self, path: str, label: str, unit_table: UnitTable) -> None:
        self.path, self.unit_table = path, unit_table
        self.entries: list[tuple[str, str, bool]] = [(".file", label, False)]
        self._configs: dict[tuple, Config] = {}
        self.config = self._intern()
        self.units = _Units()

    def _intern(self) -> Config:
        key = tuple(self.entries)
        found = self._configs.get(key)
        if found is None:
            found = self._configs[key] = Config(key)
        return found

    def line(self, raw: bytes, number: int) -> Iterator[Record]:
        """The records of one line (none for most non-result lines)."""
        path = self.path
        if raw.startswith(b"Benchmark"):
            fields = _split(raw)
            if len(fields) == 1 and len(_chomp(raw)) == len(fields[0]):
                return  # only a name, no white space: "go test -v" announcing a benchmark
            if len(fields) < 2:
                yield SyntaxIssue(path, number, "missing iteration count")
                return
            try:
                iters = _parse_iters(fields[1])
            except ValueError as exc:
                yield SyntaxIssue(path, number, f"parsing iteration count: {exc}")
                return
            values = _values(fields, self.units)
            if isinstance(values, str):
                yield SyntaxIssue(path, number, values)
                return
            name = fields[0][9:].decode("utf-8", "surrogateescape")
            yield Result(name, iters, values, self.config, path, number)
            return
        if raw[:1] == b"U":
            fields = _split(raw)
            if fields and fields[0] == b"Unit":
                yield from _unit_line(fields, path, number, self.unit_table)
                return
        kv = _key_value(_chomp(raw).decode("utf-8", "surrogateescape"))
        if kv is not None:
            self._set(*kv)

    def _set(self, key: str, value: str) -> None:
        entries = self.entries
        position = next((i for i, e in enumerate(entries) if e[0] == key), None)
        if not value:
            if position is None:
                return
            entries[position] = entries[-1]  # Go deletes by moving the last key into the gap
            entries.pop()
        elif position is None:
            entries.append((key, value, True))
        else:
            entries[position] = (key, value, True)
        self.config = self._intern()

    def records(self, lines: Iterable[bytes]) -> Iterator[Record]:
        for number, raw in enumerate(lines, 1):
            yield from self.line(raw, number)

    def feed(self, lines: Iterable[bytes], sink: Sink) -> int:
        """Parse and route in one loop; returns the number of results.

        Plain result lines (a decimal count, finite numbers) are grouped by shape: the same
        configuration, name and units. A new shape keeps its values to itself until it is
        routed (``sink.route``), in order of first appearance and before any other result is
        filed (``sink.add``), so what benchstat observes first stays first; from then on its
        lines append straight to their cells."""
        shapes: dict[bytes, list[_Shape]] = {}
        by_config = {self.config.id: shapes}
        pending: list[_Shape] = []
        results = number = 0
        for raw in lines:
            number += 1
            if raw.startswith(b"Benchmark"):
                fields = raw.split()
                count = len(fields)
                if count >= 4 and not count & 1 and fields[1].isdigit() and len(fields[1]) < 19:
                    try:
                        numbers = list(map(float, fields[2::2]))
                    except ValueError:
                        numbers = None  # not a plain number: the exact path reports it
                    if numbers is not None:
                        total = sum(numbers)
                        shape = _find(shapes.get(fields[0]), fields)
                        if shape is None and raw.isascii() and total - total == 0.0:
                            shape = self._shape(fields)
                            if not shape.keeps_unit(numbers):
                                shapes.setdefault(fields[0], []).append(shape)
                                pending.append(shape)
                        if shape is not None and total - total == 0.0 and not shape.keeps_unit(numbers):
                            for (append, factor), v in zip(shape.appends, numbers):
                                append(v * factor)
                            results += 1
                            continue
            config = self.config
            for record in self.line(raw, number):
                if type(record) is Result:
                    results += 1
                    _route_pending(pending, sink)
                sink.add(record)
            if self.config is not config:
                shapes = by_config.setdefault(self.config.id, {})
        _route_pending(pending, sink)
        return results

    def _shape(self, fields: list[bytes]) -> _Shape:
        units = fields[3::2]
        info = [self.units.get(u) for u in units]
        return _Shape(fields[0][9:].decode(), int(fields[1]), units, info, self.config, self.path)


Sink = Any  #: an object with ``add(record)`` and ``route(result) -> list of value lists or None``


class _Shape:
    """Result lines of one configuration, name and units: where their values go."""

    __slots__ = ("appends", "config", "iters", "name", "path", "unit_info", "units", "zero_sensitive")

    def __init__(self, name: str, iters: int, units: list[bytes], info: list, config: Config, path: str) -> None:
        self.name, self.iters, self.units, self.unit_info = name, iters, units, info
        self.config, self.path = config, path
        self.zero_sensitive = tuple(i for i, (_, _, factor) in enumerate(info) if factor != 1.0)
        self.appends = [(array("d").append, factor) for _, _, factor in info]  # until routed

    def keeps_unit(self, numbers: list[float]) -> bool:
        """Does a value of this line stay in its unit as written (0 ns/op: 0 * 1e-9 == 0)?"""
        for i in self.zero_sensitive:  # noqa: SIM110 - a loop, not a generator, on the hot path
            if numbers[i] == 0.0:
                return True
        return False

    def route(self, sink: Sink) -> None:
        """Ask the sink where values go; move the values gathered so far there."""
        values = [Value(0.0, u) if f == 1.0 else Value(0.0, tidied, u) for u, tidied, f in self.unit_info]
        targets = sink.route(Result(self.name, self.iters, values, self.config, self.path))
        routed = []
        for (append, factor), target in zip(self.appends, targets):
            if target is None:
                routed.append((_discard, factor))
            else:
                target.extend(append.__self__)
                routed.append((target.append, factor))
        self.appends = routed


def _find(candidates: list[_Shape] | None, fields: list[bytes]) -> _Shape | None:
    if candidates is not None:
        units = fields[3::2]
        for shape in candidates:
            if shape.units == units:
                return shape
    return None


def _route_pending(pending: list[_Shape], sink: Sink) -> None:
    for shape in pending:
        shape.route(sink)
    pending.clear()


def _discard(value: float) -> None:
    """Where the values a filter dropped go."""


def read_go_text(lines: Iterable[bytes], path: str, label: str, unit_table: UnitTable) -> Iterator[Record]:
    """Records of one input in Go's benchmark format (``lines`` as read from a binary file)."""
    return GoTextReader(path, label, unit_table).records(lines)
