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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, cast

from perfkit.bench.results import Config, Record, Result, SyntaxIssue, UnitMeta, Value
from perfkit.bench.units import tidy_unit

__all__ = ["GoTextReader", "UnitLine", "UnitTable", "parse_go_float", "read_go_text"]

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


@dataclass(frozen=True, slots=True)
class UnitLine:
    """A ``Unit`` line not read yet (its metadata depends on the inputs read before it)."""

    fields: list[bytes]
    path: str
    number: int

    def read(self, table: UnitTable) -> Iterator[Record]:
        return _unit_line(self.fields, self.path, self.number, table)


class GoTextReader:
    """The state of one input: its configuration (interned: equal snapshots are one object) and
    its units. :meth:`records` yields every record; :meth:`feed` is the fast path for benchstat."""

    def __init__(self, path: str, label: str, unit_table: UnitTable, *, defer_units: bool = False) -> None:
        self.path, self.unit_table = path, unit_table
        self.entries: list[tuple[str, str, bool]] = [(".file", label, False)]
        self._configs: dict[tuple, Config] = {}
        self.config = self._intern()
        self.units = _Units()
        self._kinds: dict[tuple[bytes, ...], tuple] = {}  # units as written -> how to read them
        self.defer_units = defer_units  # a Unit line as a UnitLine record, read later against all files

    def _intern(self) -> Config:
        key = tuple(self.entries)
        found = self._configs.get(key)
        if found is None:
            found = self._configs[key] = Config(key)
        return found

    def line(self, raw: bytes, number: int) -> Iterator[Record | UnitLine]:
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
                if self.defer_units:
                    yield UnitLine(fields, path, number)
                else:
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

    def records(self, lines: Iterable[bytes]) -> Iterator[Record | UnitLine]:
        for number, raw in enumerate(lines, 1):
            yield from self.line(raw, number)

    def feed(self, lines: Iterable[bytes], sink: Any) -> int:
        """Parse and file in one pass (benchstat's fast path, see :mod:`perfkit.bench.feeder`);
        returns the number of result lines filed without a record."""
        from perfkit.bench.feeder import feed

        return feed(self, lines, sink)


def read_go_text(lines: Iterable[bytes], path: str, label: str, unit_table: UnitTable) -> Iterator[Record]:
    """Records of one input in Go's benchmark format (``lines`` as read from a binary file)."""
    # defer_units is off, so Unit lines are read on the spot and no UnitLine is yielded
    return cast(Iterator[Record], GoTextReader(path, label, unit_table).records(lines))
