"""Go's benchmark text format, written: the lines ``go test -bench -benchmem`` prints
(:mod:`perfkit.bench.goreader` reads them).

Go prints ns/op with "ten places before the point, four significant figures after" and B/op,
allocs/op as integers; :func:`pretty` follows the same width and precision steps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["GoLine", "format_block", "format_line", "pretty"]

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
