"""Folded ("collapsed") stacks: ``root;caller;leaf COUNT`` per line, as flamegraph.pl,
py-spy ``--format raw`` and Austin write them.

A file whose first line ends in two counts is difffolded (``root;leaf BASE NEW``, as
flamegraph.pl's difffolded.pl writes it): it reads as one profile with two sample types,
``base/count`` and ``samples/count`` (the new counts, the default), which :func:`diff_pair`
splits into the (new, base) pair a diff view takes; writing such a profile gives difffolded again.

Reading is the hot path of ``perfkit flame`` on big inputs, so it interns frame strings with a
plain dict and appends to the profile's columns directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import chain
from pathlib import Path

from perfkit.formats.framenames import format_frame, parse_frame
from perfkit.model import SAMPLES, Profile, ValueType

#: the first count of a difffolded line: the base ("before") profile
BASE = ValueType("base", "count")

NAME = "folded"
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


def _count(text: str, lineno: int) -> int:
    """One sample count: an integer (or a float, rounded) that is not negative and fits in 64 bits."""
    try:
        value = int(text)
    except ValueError:
        try:
            value = round(float(text))
        except (ValueError, OverflowError):  # also nan and inf
            raise ValueError(f"line {lineno}: sample count {text[:40]!r} is not a number") from None
    if value < 0:
        raise ValueError(f"line {lineno}: negative sample count {value}")
    if value > _MAX_COUNT:
        raise ValueError(f"line {lineno}: sample count {text[:40]} does not fit in 64 bits")
    return value


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _two_counts(line: str) -> bool:
    """``stack BASE NEW``: the line ends in two numbers after a non-empty stack."""
    stack, sep, last = line.rstrip().rpartition(" ")
    if not sep or not _is_number(last):
        return False
    rest, sep, first = stack.rstrip().rpartition(" ")
    return bool(sep) and bool(rest.strip()) and _is_number(first)


def parse(lines: str | Iterable[str]) -> Profile:
    """Parse folded-stacks text (or an iterable of lines) into a ``samples/count`` profile, or a
    ``base/count`` + ``samples/count`` profile for difffolded text (decided by the first line)."""
    if isinstance(lines, str):
        lines = lines.splitlines()
    numbered: Iterator[tuple[int, str]] = enumerate(lines, 1)
    head: list[tuple[int, str]] = []
    for lineno, line in numbered:
        head.append((lineno, line))
        if line.strip() and not line.lstrip().startswith("#"):
            break
    diff = bool(head) and _two_counts(head[-1][1])
    profile = Profile([BASE, SAMPLES] if diff else [SAMPLES], default_type=1 if diff else 0, metadata={"format": NAME})
    names: dict[str, int] = {}
    frame_id = profile.frame_id
    stack_id = profile.stack_id
    append_stack = profile.sample_stack.append
    append_label = profile.sample_labels.append
    append_value = profile.values[-1].append
    append_base = profile.values[0].append

    def intern(name: str) -> int:
        fid = names[name] = frame_id(parse_frame(name))
        return fid

    for lineno, line in chain(head, numbered):
        text = line.rstrip()
        if not text or text.lstrip().startswith("#"):
            continue
        stack, sep, count = text.rpartition(" ")
        if not sep:
            raise ValueError(f"line {lineno}: no sample count at the end of the line")
        value = _count(count, lineno)
        if diff:
            stack, sep, first = stack.rstrip().rpartition(" ")
            if not sep:
                raise ValueError(f"line {lineno}: one sample count, but this file is difffolded (two per line)")
            append_base(_count(first, lineno))
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


def diff_pair(profile: Profile) -> tuple[Profile, Profile] | None:
    """(new, base) as two ``samples/count`` profiles when ``profile`` is a difffolded pair, else None."""
    if profile.sample_types != [BASE, SAMPLES]:
        return None
    return profile.only(SAMPLES), profile.only(BASE, as_type=SAMPLES)


def write(profile: Profile, *, sample_type: str | int | None = None) -> str:
    """Folded text for one sample type (a difffolded pair, unless a type is named, gives both
    counts); stacks sorted for stable, diffable output.  Frames that differ only in what folded
    text cannot say (machine addresses) share a line."""
    labels = [format_frame(f).replace(";", ":") for f in profile.frames]
    rows: dict[str, list[int]] = {}
    if sample_type is None and diff_pair(profile) is not None:
        columns = [profile.stack_totals(0), profile.stack_totals(1)]
    else:
        columns = [profile.stack_totals(sample_type)]
    for i, totals in enumerate(columns):
        for stack, value in totals.items():
            # an empty stack is written as a bare ` N` line so totals survive a round trip
            row = rows.setdefault(";".join([labels[f] for f in stack]), [0] * len(columns))
            row[i] += value
    lines = [f"{text} {' '.join(map(str, counts))}" for text, counts in rows.items()]
    lines.sort()
    return "\n".join(lines) + ("\n" if lines else "")
