"""pprof's ``drop_frames`` / ``keep_frames``: the frames a profile's producer marks as plumbing
(an allocator, a signal handler) are cut from the leaf end of every stack, so their cost is
credited to the code that called them.  Same rule as pprof's ``Profile.Prune``:

* a function matches when its simplified name (a leading ``.`` and any argument list removed)
  fully matches ``drop_frames`` and does not fully match ``keep_frames``;
* in each location, the outermost matching line and every line inlined into it go; when that is
  the location's own (outermost) line, the whole location is marked for removal;
* in each sample, scanning from the root, nothing is cut before the first location without a
  match (so a stack of nothing but matches stays whole); at the first marked location after that,
  the stack ends: before it when the whole location goes, after its kept lines otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["Pruner", "compile_frames_regex"]

_BRACKET = re.compile(r"\(anonymous namespace\)|operator\(\)|\(")
_RESERVED = {"(anonymous namespace)", "operator()"}


def simplify(name: str) -> str:
    """pprof's ``simplifyFunc``: drop a leading ``.`` and the argument list, if any."""
    name = name.removeprefix(".")
    for m in _BRACKET.finditer(name):
        if m.group(0) not in _RESERVED:
            return name[: m.start()]
    return name


def compile_frames_regex(pattern: str) -> re.Pattern[str] | None:
    """``pattern`` anchored at both ends as pprof anchors it, or None if Python cannot compile it."""
    try:
        return re.compile(f"(?:{pattern})\\Z")
    except re.error:
        return None


class Pruner:
    """Applies drop_frames/keep_frames to locations once, then to each distinct stack."""

    def __init__(self, drop: re.Pattern[str], keep: re.Pattern[str] | None, names: dict[int, list[str]]):
        cache: dict[str, bool] = {}

        def matches(name: str) -> bool:
            hit = cache.get(name)
            if hit is None:
                simple = simplify(name)
                hit = cache[name] = bool(drop.match(simple)) and not (keep is not None and keep.match(simple))
            return hit

        #: location id -> lines kept (counted from the outermost), for locations with a match
        self.kept_lines: dict[int, int] = {}
        self.whole: set[int] = set()
        for loc, lines in names.items():  # lines innermost first, as in the file
            for i in range(len(lines) - 1, -1, -1):
                if lines[i] and matches(lines[i]):
                    self.kept_lines[loc] = len(lines) - 1 - i
                    if i == len(lines) - 1:
                        self.whole.add(loc)
                    break

    @property
    def active(self) -> bool:
        return bool(self.kept_lines)

    def stack(self, locations: Sequence[int]) -> Sequence[int]:
        """The leaf-first location ids that stay in a sample."""
        marked, whole = self.kept_lines, self.whole
        found_user = False
        for i in range(len(locations) - 1, -1, -1):  # from the root
            loc = locations[i]
            if loc not in marked:
                found_user = True
                continue
            if not found_user:
                continue
            return locations[i + 1 :] if loc in whole else locations[i:]
        return locations

    def frames(self, loc: int, frames: tuple[int, ...]) -> tuple[int, ...]:
        """A location's root-first frames without the dropped lines (whole locations keep theirs:
        they only go from samples where a user frame precedes them)."""
        kept = self.kept_lines.get(loc)
        if kept is None or loc in self.whole:
            return frames
        return frames[:kept]
