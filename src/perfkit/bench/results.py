"""Benchmark results as every reader produces them and benchstat consumes them.

One :class:`Result` is one line of Go's benchmark format: a name, an iteration count and a value
per unit, plus the configuration (goos, goarch, pkg, cpu ...) in effect for that line.  Readers of
Go text, perfkit JSON and pytest-benchmark JSON all build a :class:`ResultSet`, so benchstat never
needs to know where numbers came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["Result", "ResultSet", "split_procs"]

_PROCS = re.compile(r"-(\d+)$")


@dataclass
class Result:
    """One measured run of one benchmark."""

    name: str  #: full name as written, e.g. ``BenchmarkEncode/size=10-2``
    iters: int
    values: dict[str, float]  #: unit -> value, in the order they were written
    config: dict[str, str] = field(default_factory=dict)

    @property
    def short_name(self) -> str:
        """The name benchstat shows: without the ``Benchmark`` prefix, keeping ``-procs``."""
        rest = self.name[len("Benchmark") :] if self.name.startswith("Benchmark") else self.name
        return rest.lstrip("_") or self.name


@dataclass
class ResultSet:
    """Every result read from one input, labelled for table headers."""

    label: str
    results: list[Result] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def config(self) -> dict[str, str]:
        """Configuration keys whose value is the same on every result."""
        if not self.results:
            return {}
        common = dict(self.results[0].config)
        for result in self.results[1:]:
            for key in list(common):
                if result.config.get(key) != common[key]:
                    del common[key]
        return common


def split_procs(name: str) -> tuple[str, int]:
    """``BenchmarkX/y-8`` -> (``BenchmarkX/y``, 8); no suffix means one proc."""
    match = _PROCS.search(name)
    if match is None:
        return name, 1
    return name[: match.start()], int(match.group(1))
