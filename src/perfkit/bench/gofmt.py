"""Go's benchmark text format: read ``go test -bench`` output, write the same lines.

Facts of the format (golang.org/x/perf's benchfmt specification and Go's testing package):

* a configuration line is ``key: value``; the key starts with a lower-case letter and holds no
  space or upper-case character; it applies to every result line after it until changed;
* a result line is ``BenchmarkName <iterations> <value> <unit> [<value> <unit> ...]``, fields
  separated by white space; the name is ``Benchmark`` followed by nothing or a character that
  is not a lower-case letter;
* every other line (``PASS``, ``ok``, logs) is ignored.

Go prints ns/op with "ten places before the point, four significant figures after" and B/op,
allocs/op as integers; :func:`pretty` follows the same width and precision steps.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from perfkit.bench.results import Result, ResultSet

__all__ = ["GoLine", "format_block", "format_line", "parse", "pretty", "sniff"]

CONFIG_ORDER = ("goos", "goarch", "pkg", "cpu")

#: (lower bound of |x|, total width, decimals) from Go's testing.prettyPrint
_STEPS = (
    (999.95, 10, 0),
    (99.995, 12, 1),
    (9.9995, 13, 2),
    (0.99995, 14, 3),
    (0.099995, 15, 4),
    (0.0099995, 16, 5),
    (0.00099995, 17, 6),
)


def sniff(head: bytes) -> bool:
    """Does the text contain a Go benchmark result or configuration line near the top?"""
    text = head.decode("utf-8", "replace")
    return any(_is_benchmark_name(line.split()[0]) for line in text.splitlines() if line.strip())


def _is_benchmark_name(word: str) -> bool:
    if not word.startswith("Benchmark"):
        return False
    rest = word[len("Benchmark") :]
    return not rest or not rest[0].islower()


def _config(line: str) -> tuple[str, str] | None:
    key, sep, value = line.partition(":")
    if not sep or not key or not key[0].islower():
        return None
    if any(c.isspace() or c.isupper() for c in key):
        return None
    return key, value.strip()


def _number(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text!r} is not a finite number")
    return value


def parse(lines: str | Iterable[str], label: str) -> ResultSet:
    """Read Go benchmark text. Malformed result lines become warnings (as Go's benchstat
    reports them); a text without a single result line raises ValueError."""
    if isinstance(lines, str):
        lines = lines.splitlines()
    out = ResultSet(label)
    config: dict[str, str] = {}
    for number, raw in enumerate(lines, 1):
        line = raw.rstrip("\r\n")
        fields = line.split()
        if not fields:
            continue
        if _is_benchmark_name(fields[0]):
            try:
                out.results.append(_result(fields, config))
            except ValueError as exc:
                out.warnings.append(f"{label}:{number}: {exc}; line skipped")
            continue
        kv = _config(line)
        if kv is not None:
            config = {**config, kv[0]: kv[1]}
    if not out.results:
        raise ValueError("no benchmark result lines (`BenchmarkName N value unit ...`)")
    return out


def _result(fields: list[str], config: dict[str, str]) -> Result:
    if len(fields) < 4 or len(fields) % 2:
        raise ValueError("a result line needs a name, an iteration count and value/unit pairs")
    try:
        iters = int(fields[1])
    except ValueError:
        raise ValueError(f"iteration count {fields[1]!r} is not an integer") from None
    if iters <= 0:
        raise ValueError(f"iteration count {iters} must be positive")
    values: dict[str, float] = {}
    for i in range(2, len(fields), 2):
        try:
            values[fields[i + 1]] = _number(fields[i])
        except ValueError:
            raise ValueError(f"value {fields[i]!r} is not a number") from None
    return Result(fields[0], iters, values, config)


def pretty(x: float, unit: str) -> str:
    """A number and unit as Go's testing package prints ns/op (width steps keep points aligned)."""
    y = abs(x)
    if y != 0:
        for bound, width, decimals in _STEPS:
            if y >= bound:
                return f"{x:{width}.{decimals}f} {unit}"
        return f"{x:18.7f} {unit}"
    return f"{x:10.0f} {unit}"


@dataclass
class GoLine:
    """What one result line says; ``bytes_per_op``/``allocs_per_op`` only with -benchmem."""

    name: str  #: full name including ``-procs``
    iters: int
    ns_per_op: float
    bytes_per_op: int | None = None
    allocs_per_op: int | None = None


def format_line(line: GoLine, width: int) -> str:
    """One result line exactly as ``go test -bench -benchmem`` prints it."""
    text = f"{line.name:<{width}}\t{line.iters:8d}"
    if line.ns_per_op != 0:
        text += "\t" + pretty(line.ns_per_op, "ns/op")
    if line.bytes_per_op is not None and line.allocs_per_op is not None:
        text += f"\t{line.bytes_per_op:8d} B/op\t{line.allocs_per_op:8d} allocs/op"
    return text


def format_block(config: dict[str, str], lines: Sequence[GoLine], seconds: float | None = None) -> str:
    """A package's output: configuration header, result lines, then ``PASS`` and ``ok``."""
    out = [f"{key}: {config[key]}" for key in CONFIG_ORDER if key in config]
    width = max((len(line.name) for line in lines), default=0)
    out += [format_line(line, width) for line in lines]
    out.append("PASS")
    if seconds is not None:
        out.append(f"ok  \t{config.get('pkg', '')}\t{seconds:.3f}s")
    return "\n".join(out) + "\n"
