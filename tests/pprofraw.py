"""``go tool pprof -raw`` as a comparable value: what pprof itself read from a file.

pprof numbers locations and mappings as it likes, so samples are resolved to the locations'
contents (address, mapping, lines) and mappings to their descriptions: two files agree when
pprof reads the same samples, stacks, labels and mappings from both.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

_SAMPLE = re.compile(r"^\s*((?:-?\d+\s+)*-?\d+):((?: \d+)*)\s*$")
_LOCATION = re.compile(r"^\s*(\d+): (0x[0-9a-f]+) (?:M=(\d+) )?(?:\[F\] )?(.*)$")
_MAPPING = re.compile(r"^(\d+): (.*)$")


@dataclass
class Raw:
    """The parts of ``-raw`` output, ids resolved."""

    header: list[str]
    sample_types: str
    samples: Counter[tuple[tuple[int, ...], tuple[tuple[str, ...], ...], str]]
    mappings: list[str]

    def totals(self) -> Counter[tuple[tuple[tuple[str, ...], ...], str]]:
        """Values summed per (stack, labels), one Counter per value column: what pprof's views
        show (pprof itself merges samples that became equal, e.g. after drop_frames)."""
        out: Counter[tuple[tuple[tuple[str, ...], ...], str]] = Counter()
        for (values, stack, labels), n in self.samples.items():
            for i, value in enumerate(values):
                out[(stack, labels, i)] += value * n  # type: ignore[index]
        return +out

    def location_count(self) -> int:
        return len({loc for _, stack, _ in self.samples for loc in stack})


def raw_text(go: str, path: Path, *args: str) -> str:
    return subprocess.run(
        [go, "tool", "pprof", "-raw", *args, str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env={**os.environ, "PPROF_TMPDIR": str(path.parent), "PPROF_BINARY_PATH": "/nonexistent"},
    ).stdout


def parse_raw(text: str) -> Raw:
    lines = text.splitlines()
    section = "header"
    header: list[str] = []
    types = ""
    rows: list[tuple[tuple[int, ...], list[int], list[str]]] = []
    locations: dict[int, list[str]] = {}
    mappings: dict[int, str] = {}
    current: int | None = None
    for line in lines:
        if line == "Samples:":
            section = "types"
            continue
        if line == "Locations":
            section = "locations"
            continue
        if line == "Mappings":
            section = "mappings"
            continue
        if section == "header":
            header.append(line)
        elif section == "types":
            types, section = line, "samples"
        elif section == "samples":
            m = _SAMPLE.match(line)
            if m:
                values = tuple(int(v) for v in m.group(1).split())
                rows.append((values, [int(i) for i in m.group(2).split()], []))
            elif line.strip():
                rows[-1][2].append(line.strip())
        elif section == "locations":
            m = _LOCATION.match(line)
            if m:
                current = int(m.group(1))
                mapping = m.group(3) or ""
                locations[current] = [m.group(2), mapping]
                if m.group(4).strip():
                    locations[current].append(m.group(4).strip())
            elif line.strip() and current is not None:
                locations[current].append(line.strip())
        elif section == "mappings":
            m = _MAPPING.match(line)
            if m:
                mappings[int(m.group(1))] = m.group(2).strip()

    def resolve(loc: int) -> tuple[str, ...]:
        address, mapping, *names = locations[loc]
        return (address, mappings.get(int(mapping), "") if mapping else "", *names)

    samples: Counter[tuple[tuple[int, ...], tuple[tuple[str, ...], ...], str]] = Counter()
    for values, locs, labels in rows:
        samples[(values, tuple(resolve(loc) for loc in locs), " ".join(sorted(labels)))] += 1
    return Raw(header, types, samples, sorted(mappings.values()))
