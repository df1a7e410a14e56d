"""The Go text reader's fast path for benchstat: result lines straight into a sink's value arrays.

A benchmark run prints the same few kinds of result line over and over: the same configuration,
name and units, only the numbers change. A kind (a *shape*) is met once, checked and routed
like any result; its later lines only have their numbers filed, tagged with the shape's slots
(see :mod:`perfkit.bench.cellstore`). Every line that is not plain (a new kind of line, a
configuration or unit line, anything malformed or unusual) takes the exact path of
:class:`perfkit.bench.goreader.GoTextReader`, which files a record.

Two ways to handle the numbers of known shapes:

* **checked** (any stream): each line's numbers are converted and checked on the spot;
* **batched** (a seekable file): the numbers are kept as written and converted many thousands
  at a time, then checked together (finite; not 0 where tidying scales the unit, which Go keeps
  as written). Routing and records reach the sink only when the whole file passed, and its
  values are taken back if it does not, so when a batch finds an unusual number the file is
  simply read again, checked. About twice as fast per line.

Either way the sink sees the same calls in the same order: a new shape is routed before any
later result is filed (what benchstat observes first stays first), and the values are the same.

Where the C scanner is built (``perfkit.bench._scan``, compiled at install from ``_scan.c``), a
binary stream is read in large blocks instead, and the scanner files every line of a known shape
whose numbers are plain; it stops at any other line, which takes the checked path here. It only
ever takes lines the checked path would take the same way, with the same values (CPython's own
float parser). ``PERFKIT_BENCHSTAT_PURE=1`` turns it off.
"""

from __future__ import annotations

import io
import os
from array import array
from collections.abc import Callable, Iterable, Iterator
from operator import mul
from typing import TYPE_CHECKING, Any

from perfkit.bench.results import Config, Result

if TYPE_CHECKING:
    from perfkit.bench.goreader import GoTextReader

__all__ = ["Shape", "Sink", "feed"]

Sink = Any  #: a benchstat Builder: add, route_shapes, new_slots, values, slots

_BATCH = 1 << 15  #: numbers converted at a time in batched mode
_BLOCK = 1 << 20  #: bytes read at a time for the C scanner
SCAN_VERSION = 2  #: the _scan.c this code goes with (its SCAN_VERSION)

#: the C scanner's entry point (see _scan.c): (buffer, position, shapes, template, new_slots)
#: -> (position, lines taken, values, slots, [(name, iterations, slots) of the shapes it made])
Scan = Callable[[bytes, int, dict, Any, Any], tuple[int, int, bytes, bytes, list[tuple[bytes, int, array]]]]


class Shape:
    """Result lines of one configuration, name and units, and the slots of their values."""

    __slots__ = ("config", "factors", "iters", "name", "signature", "slots", "units", "width", "zero_sensitive")

    def __init__(self, name: str, iters: int, units: list[bytes], kind: tuple, config: Config, slots: array) -> None:
        self.name, self.iters, self.units, self.config, self.slots = name, iters, units, config, slots
        self.zero_sensitive, self.signature, self.factors = kind
        self.width = 2 + 2 * len(units)  #: fields of its lines: name, count, a value and unit each

    def scan_kind(self) -> tuple[tuple[bytes, ...], bytes | None]:
        """Its units and factors as the C scanner takes them (a tuple; C doubles or None)."""
        return tuple(self.units), None if self.factors is None else array("d", self.factors).tobytes()


def scanner() -> Scan | None:
    """The C scanner, or None: not built, built from another _scan.c, or turned off."""
    if os.environ.get("PERFKIT_BENCHSTAT_PURE", "").strip().lower() not in ("", "0", "no", "off", "false"):
        return None
    try:
        from perfkit.bench import _scan  # type: ignore[attr-defined]  # compiled at install
    except ImportError:
        return None
    return _scan.scan if getattr(_scan, "SCAN_VERSION", None) == SCAN_VERSION else None


class _Abandon(Exception):
    """A batch held a number the checked path must read: start the file again."""


def feed(reader: GoTextReader, lines: Iterable[bytes], sink: Sink) -> int:
    """Parse ``lines`` and file them into ``sink``; returns the number of result lines filed on
    the fast path (the sink counts those it is given as records)."""
    scan = scanner()
    if scan is not None and isinstance(lines, io.IOBase) and not isinstance(lines, io.TextIOBase):
        return _Feed(reader, sink, batched=False).run(lines, scan)
    if not isinstance(lines, io.IOBase) or not lines.seekable():  # batched mode reads a file twice at worst
        return _Feed(reader, sink, batched=False).run(lines)
    start = lines.tell()
    entries, config = list(reader.entries), reader.config
    values, slots = len(sink.values), len(sink.slots)
    try:
        return _Feed(reader, sink, batched=True).run(lines)
    except _Abandon:
        del sink.values[values:], sink.slots[slots:]
        lines.seek(start)
        reader.entries, reader.config = entries, config
        return _Feed(reader, sink, batched=False).run(lines)


class _Feed:
    """One pass over one input."""

    def __init__(self, reader: GoTextReader, sink: Sink, *, batched: bool) -> None:
        self.reader, self.sink, self.batched = reader, sink, batched
        self.events: list[tuple[str, Any]] = []  # batched: ("shapes", [...]) or ("record", r), in order
        self.tokens: list[bytes] = []  # batched: numbers as written, not converted yet
        self.token_slots = array("i")  # ... and their slots
        self.slot_base = -1  # batched: the first slot of this file's shapes, for slot_factor
        self.slot_factor = array("d")  # tidying factor by slot - slot_base (1 where none)
        self.known: dict[bytes, tuple] = {}  # scanned: the C scanner's copy of the current `first`
        self.scanned = 0  # scanned: result lines the C scanner filed
        # scanned: the last shape made here, whose kind the scanner gives new names of the same
        # units; what it made goes to `first` and `pending`, the current ones
        self.template: tuple[Shape, tuple] | None = None
        self.first: dict[bytes, Shape] = {}
        self.pending: list[Shape] = []

    def run(self, lines: Iterable[bytes], scan: Scan | None = None) -> int:
        reader, sink, batched = self.reader, self.sink, self.batched
        # a name's first shape, and any more (the same name with other units) in a list
        first: dict[bytes, Shape] = {}
        more: dict[bytes, list[Shape]] = {}
        known = self.known
        by_config = {reader.config.id: (first, more, known)}
        pending: list[Shape] = []
        self.first, self.pending = first, pending
        tokens = self.tokens  # batched: numbers as written, converted in _convert; unused when checked
        put_slots = self.token_slots.extend if batched else sink.slots.extend
        put_values = sink.values.extend  # checked only: batched numbers go through tokens
        route, add = (self._route, self._add) if batched else (sink.route_shapes, sink.add)
        defer_units = reader.defer_units
        if batched:
            reader.defer_units = True  # a Unit line changes the shared unit table: only once kept
        results = 0
        source = enumerate(lines, 1) if scan is None else self._unscanned(lines, scan)  # type: ignore[arg-type]
        try:
            for number, raw in source:
                if raw[:9] == b"Benchmark":
                    fields = raw.split()
                    shape = first.get(fields[0])
                    if shape is not None and shape.units != fields[3::2]:
                        shape = _other(more, fields)
                    if shape is not None and batched:
                        count = fields[1]
                        if len(fields) == shape.width and count.isdigit() and len(count) < 19:
                            tokens += fields[2::2]
                            put_slots(shape.slots)
                            results += 1
                            if len(tokens) >= _BATCH:
                                self._convert()
                            continue
                    else:
                        numbers = _plain(fields)
                        if numbers is not None:
                            if shape is None and raw.isascii():
                                shape = self._new_shape(fields, numbers)
                                if shape is not None:
                                    if fields[0] in first:
                                        more.setdefault(fields[0], []).append(shape)
                                    else:
                                        first[fields[0]] = shape
                                        if scan is not None:
                                            kind = shape.scan_kind()
                                            known[fields[0]] = (kind[0], shape.slots.tobytes(), kind[1])
                                            self.template = shape, kind
                                    pending.append(shape)
                            if shape is not None and (not shape.zero_sensitive or _keeps_units(shape, numbers)):
                                if batched:
                                    tokens += fields[2::2]
                                    put_slots(shape.slots)
                                else:
                                    put_values(numbers if shape.factors is None else map(mul, numbers, shape.factors))
                                    put_slots(shape.slots)
                                results += 1
                                continue
                config = reader.config
                for record in reader.line(raw, number):
                    if pending and type(record) is Result:
                        route(pending.copy())  # batched mode keeps what it is given
                        pending.clear()
                    add(record)
                if reader.config is not config:
                    first, more, known = by_config.setdefault(reader.config.id, ({}, {}, {}))
                    self.first, self.known = first, known
            if pending:
                route(pending)
            if batched:
                self._convert()
        finally:
            reader.defer_units = defer_units
        if batched:
            self._file(defer_units)
        return results + self.scanned

    def _unscanned(self, handle: io.IOBase, scan: Scan) -> Iterator[tuple[int, bytes]]:
        """Read ``handle`` in blocks; the C scanner files the lines of known shapes, and the
        others are yielded, numbered, for the loop in :meth:`run` (which may add shapes to
        ``self.known`` before the scanner goes on)."""
        put_values, put_slots = self.sink.values.frombytes, self.sink.slots.frombytes
        new_slots = self.sink.new_slots
        number = 0
        tail: list[bytes] = []  # the start of a line that goes on in the next block(s)
        while True:
            block = handle.read(_BLOCK)
            if block:
                cut = block.rfind(b"\n") + 1
                if not cut:  # no line ends in it: a very long line, joined once it ends
                    tail.append(block)
                    continue
                buffer = b"".join([*tail, block[:cut]]) if tail else block[:cut]
                tail = [block[cut:]] if cut < len(block) else []
            else:
                buffer, tail = b"".join(tail), []
            position, end = 0, len(buffer)
            while position < end:
                template = self.template
                position, taken, values, slots, made = scan(
                    buffer, position, self.known, None if template is None else template[1], new_slots
                )
                if made:
                    self._adopt(made)
                if taken:
                    number += taken
                    self.scanned += taken
                    put_values(values)
                    put_slots(slots)
                if position >= end:
                    break
                stop = buffer.find(b"\n", position) + 1 or end
                number += 1
                yield number, buffer[position:stop]
                position = stop
            if not block:
                return

    def _adopt(self, made: list[tuple[bytes, int, array]]) -> None:
        """The shapes the scanner made (of the template's kind), as if made in :meth:`run`."""
        assert self.template is not None
        like = self.template[0]
        kind = (like.zero_sensitive, like.signature, like.factors)
        units, config, first, pending = like.units, self.reader.config, self.first, self.pending
        for name, iterations, slots in made:
            first[name] = shape = Shape(name[9:].decode(), iterations, units, kind, config, slots)
            pending.append(shape)

    def _new_shape(self, fields: list[bytes], numbers: list[float]) -> Shape | None:
        reader = self.reader
        units = fields[3::2]
        kind = reader._kinds.get(tuple(units))
        if kind is None:
            info = [reader.units.get(u) for u in units]
            zero_sensitive = tuple(i for i, (_, _, factor) in enumerate(info) if factor != 1.0)
            signature = tuple((u, "") if f == 1.0 else (tidied, u) for u, tidied, f in info)
            factors = None if not zero_sensitive else [f for _, _, f in info]
            kind = reader._kinds[tuple(units)] = (zero_sensitive, signature, factors)
        if kind[0] and any(numbers[i] == 0.0 for i in kind[0]):
            return None  # a shape is made by a line it takes
        slots = self.sink.new_slots(len(units))
        if self.batched:
            self._factors(slots, kind[2])
        return Shape(fields[0][9:].decode(), int(fields[1]), units, kind, reader.config, slots)

    # ------------------------------------------------------------------------ batched mode
    def _factors(self, slots: array, factors: list[float] | None) -> None:
        if self.slot_base < 0:
            self.slot_base = slots[0]
        table = self.slot_factor
        first = slots[0] - self.slot_base
        if len(table) < first:
            table.extend([1.0] * (first - len(table)))
        table.extend(factors if factors is not None else [1.0] * len(slots))

    def _route(self, shapes: list[Shape]) -> None:
        self.events.append(("shapes", shapes))

    def _add(self, record: Any) -> None:
        self.events.append(("record", record))

    def _convert(self) -> None:
        """Convert and check the numbers gathered so far (all or nothing)."""
        import numpy as np

        tokens = self.tokens
        if not tokens:
            return
        try:
            values = np.fromiter(map(float, tokens), dtype=np.float64, count=len(tokens))
        except ValueError:
            raise _Abandon from None
        slots = np.frombuffer(self.token_slots, dtype=np.int32)
        factors = np.array(self.slot_factor)[slots - self.slot_base]
        del slots
        if not np.isfinite(values).all() or ((values == 0.0) & (factors != 1.0)).any():
            raise _Abandon  # NaN and Inf are spelled differently in Go; 0 ns/op stays ns/op
        values *= factors  # x * 1.0 is x: only tidied units change
        self.sink.values.frombytes(values.tobytes())
        self.sink.slots.extend(self.token_slots)
        tokens.clear()
        del self.token_slots[:]

    def _file(self, defer_units: bool) -> None:
        """The file passed: replay its routing and records (its values are filed already)."""
        from perfkit.bench.goreader import UnitLine

        sink, reader = self.sink, self.reader
        for kind, payload in self.events:
            if kind == "shapes":
                sink.route_shapes(payload)
            elif defer_units or type(payload) is not UnitLine:
                sink.add(payload)
            else:
                for record in payload.read(reader.unit_table):
                    sink.add(record)


def _other(more: dict[bytes, list[Shape]], fields: list[bytes]) -> Shape | None:
    """The shape of a name's line whose units are not those of the name's first shape."""
    units = fields[3::2]
    for shape in more.get(fields[0], ()):
        if shape.units == units:
            return shape
    return None


def _plain(fields: list[bytes]) -> list[float] | None:
    """The numbers of a result line with a decimal count and finite numbers, each with a unit."""
    count = len(fields)
    if count < 4 or count & 1 or not fields[1].isdigit() or len(fields[1]) >= 19:
        return None
    try:
        numbers = list(map(float, fields[2::2]))
    except ValueError:
        return None  # not a plain number: the exact path reports it
    total = sum(numbers)
    return numbers if total - total == 0.0 else None  # not NaN or Inf


def _keeps_units(shape: Shape, numbers: list[float]) -> bool:
    """A 0 in a unit tidying scales keeps its unit as written (0 * 1e-9 == 0): not this shape."""
    return all(numbers[i] != 0.0 for i in shape.zero_sensitive)
