"""Benchmark results as every reader produces them and benchstat consumes them.

The model follows Go's ``benchfmt``: one :class:`Result` per result line (a name, an iteration
count, and values with their units, tidied: ``ns/op`` -> ``sec/op``) under the configuration in
effect at that line (``goos: linux`` ... lines, plus ``.file``, the input's label). A
configuration is an immutable snapshot shared by every result line it applies to, so a
100,000-line file holds a handful of them. ``Unit`` metadata lines become :class:`UnitMeta`;
malformed lines become :class:`SyntaxIssue` (reported, then skipped, as Go does).

Readers of Go text, perfkit JSON and pytest-benchmark JSON all yield these records, so benchstat
never needs to know where numbers came from.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

__all__ = ["Config", "Record", "Result", "ResultSet", "SyntaxIssue", "UnitMeta", "Value", "split_procs"]

_PROCS = re.compile(r"-(\d+)$")
_config_ids = itertools.count()


class Config:
    """Configuration keys in effect for a result line: ``(key, value, from the file)`` in Go's
    order. ``.file`` (the input's label) is internal: it is not part of ``.config``."""

    __slots__ = ("entries", "id")

    def __init__(self, entries: Iterable[tuple[str, str, bool]]) -> None:
        self.entries = tuple(entries)
        self.id = next(_config_ids)  # cheap identity for caches

    def get(self, key: str) -> str:
        for k, v, _ in self.entries:
            if k == key:
                return v
        return ""

    def file_keys(self) -> dict[str, str]:
        """The keys read from the file (goos, pkg, note ...), in order."""
        return {k: v for k, v, is_file in self.entries if is_file}

    def __repr__(self) -> str:
        return f"Config({self.entries!r})"

    def __reduce__(self) -> tuple:
        return (Config, (self.entries,))  # a copy in another process gets an id of its own


class Value(NamedTuple):
    """One measurement: tidied value and unit, and the unit as written (if tidying changed it)."""

    value: float
    unit: str
    orig_unit: str = ""


@dataclass(slots=True)
class Result:
    """One result line."""

    name: str  #: full name without the ``Benchmark`` prefix: ``Encode/format=json-8``
    iters: int
    values: list[Value]
    config: Config
    path: str = ""
    line: int = 0

    @property
    def short_name(self) -> str:
        """The name benchstat shows by default (``.fullname``)."""
        return self.name

    def value(self, unit: str) -> float | None:
        for v in self.values:
            if v.unit == unit or v.orig_unit == unit:
                return v.value
        return None


@dataclass(frozen=True, slots=True)
class UnitMeta:
    """A ``Unit <unit> key=value`` line (``assume=exact``, ``better=higher``)."""

    unit: str  #: tidied unit, the lookup key
    key: str
    value: str
    orig_unit: str
    path: str = ""
    line: int = 0


@dataclass(frozen=True, slots=True)
class SyntaxIssue:
    """A line Go's reader rejects; reported as ``path:line: message`` and skipped."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


Record = Result | UnitMeta | SyntaxIssue


@dataclass
class ResultSet:
    """Every record read from one input, labelled (the label is its ``.file``)."""

    label: str
    records: list[Record] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def results(self) -> list[Result]:
        return [r for r in self.records if isinstance(r, Result)]

    def __iter__(self) -> Iterator[Record]:
        return iter(self.records)

    def config(self) -> dict[str, str]:
        """File configuration keys whose value is the same on every result."""
        results = self.results
        if not results:
            return {}
        common = results[0].config.file_keys()
        for result in results[1:]:
            keys = result.config.file_keys()
            for key in list(common):
                if keys.get(key) != common[key]:
                    del common[key]
        return common


def split_procs(name: str) -> tuple[str, int]:
    """``BenchmarkX/y-8`` -> (``BenchmarkX/y``, 8); no suffix means one proc."""
    match = _PROCS.search(name)
    if match is None:
        return name, 1
    return name[: match.start()], int(match.group(1))
