"""Folded ("collapsed") stacks: ``root;caller;leaf COUNT`` per line, as flamegraph.pl,
py-spy ``--format raw`` and Austin write them.

Reading is the hot path of ``perfkit flame`` on big inputs, so it interns frame strings with a
plain dict and appends to the profile's columns directly.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from perfkit.formats.framenames import format_frame, parse_frame
from perfkit.model import SAMPLES, Profile

NAME = "folded"
EXTENSIONS = (".folded", ".collapsed", ".stacks")
_MAX_COUNT = 2**63 - 1


def sniff(head: bytes) -> bool:
    """First non-empty line ends in `` <integer>`` and is not JSON or binary."""
    if b"\0" in head[:1024] or head[:1] in (b"{", b"["):
        return False
    lines = head.split(b"\n")
    for raw in lines[:-1] if len(lines) > 1 else lines:
        line = raw.rstrip()
        if not line.strip():
            continue
        _, sep, count = line.rpartition(b" ")
        return bool(sep) and count.isdigit()
    return False


def read(path: Path) -> Profile:
    """Read a folded-stacks file; a bad line raises ValueError naming its line number."""
    with open(path, encoding="utf-8", errors="replace", newline=None) as lines:
        return parse(lines)


def parse(lines: str | Iterable[str]) -> Profile:
    """Parse folded-stacks text (or an iterable of lines) into a ``samples/count`` profile."""
    if isinstance(lines, str):
        lines = lines.splitlines()
    profile = Profile([SAMPLES], metadata={"format": NAME})
    names: dict[str, int] = {}
    frame_id = profile.frame_id
    stack_id = profile.stack_id
    append_stack = profile.sample_stack.append
    append_label = profile.sample_labels.append
    append_value = profile.values[0].append

    def intern(name: str) -> int:
        fid = names[name] = frame_id(parse_frame(name))
        return fid

    for lineno, line in enumerate(lines, 1):
        text = line.rstrip()
        if not text or text.lstrip().startswith("#"):
            continue
        stack, sep, count = text.rpartition(" ")
        if not sep:
            raise ValueError(f"line {lineno}: no sample count at the end of the line")
        try:
            value = int(count)
        except ValueError:
            try:
                value = round(float(count))
            except (ValueError, OverflowError):  # also nan and inf
                raise ValueError(f"line {lineno}: sample count {count[:40]!r} is not a number") from None
        if value < 0:
            raise ValueError(f"line {lineno}: negative sample count {value}")
        if value > _MAX_COUNT:
            raise ValueError(f"line {lineno}: sample count {count[:40]} does not fit in 64 bits")
        stack = stack.strip()
        if not stack:
            ids: tuple[int, ...] = ()  # py-spy writes ` N` for samples with no Python frame
        else:
            parts = stack.split(";")
            try:
                ids = tuple([names[p] for p in parts])
            except KeyError:
                ids = tuple([names[p] if p in names else intern(p) for p in parts])
        append_stack(stack_id(ids))
        append_label(0)
        append_value(value)
    return profile


def write(profile: Profile, *, sample_type: str | int | None = None, **_: object) -> str:
    """Folded text for one sample type; stacks sorted for stable, diffable output."""
    labels = [format_frame(f).replace(";", ":") for f in profile.frames]
    rows = []
    for stack, value in profile.stack_totals(sample_type).items():
        # an empty stack is written as a bare ` N` line so totals survive a round trip
        rows.append(";".join([labels[f] for f in stack]) + f" {value}")
    rows.sort()
    return "\n".join(rows) + ("\n" if rows else "")
