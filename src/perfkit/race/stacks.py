"""The previous access's whole stack, like Go prints it, at the cost of a cache lookup.

A location remembers each access as one int, ``site | stack << SITE_BITS``: ``site`` is the
rewritten access (file, line, function) and ``stack`` an interned id of the frames *above* the
accessing function, as (code, instruction offset) pairs. Those frames cannot change while the
accessing function runs, so the id is cached per caller activation (the caller's frame, code and offset, and
its caller's frame) and the walk happens once per call site, not once per access. Line numbers are
worked out only when a report prints the stack.
"""

from __future__ import annotations

import sys
from types import CodeType, FrameType

from .state import hidden, is_boundary, is_library

SITE_BITS = 24
SITE_MASK = (1 << SITE_BITS) - 1
DEPTH = 24

#: stack id -> ((code, offset), ...) outermost last; id 0 is "no frames"
STACKS: list[tuple] = [()]
_INTERN: dict[tuple, int] = {(): 0}
_CACHE: dict[int, tuple] = {}


def intern(frames: tuple) -> int:
    """The id of a stack given as ((code, offset), ...); keyed by the code objects' addresses
    (hashing a code object hashes its bytecode), which STACKS keeps alive."""
    key = tuple((id(code), offset) for code, offset in frames)
    sid = _INTERN.get(key)
    if sid is None:
        STACKS.append(frames)
        sid = _INTERN[key] = len(STACKS) - 1
    return sid


def outer_py() -> int:
    """Pure-Python :func:`outer`: the interned stack above the user's accessing function."""
    f: FrameType | None = sys._getframe(1)
    while f is not None and hidden(f.f_code.co_filename):
        f = f.f_back
    if f is None:
        return 0
    b = f.f_back
    if b is None:
        return 0
    key = (b.f_code, b.f_lasti, id(b.f_back))
    hit = _CACHE.get(id(b))
    if hit is not None and hit[0] == key:
        return hit[1]
    frames: list[tuple[CodeType, int]] = []
    while b is not None and len(frames) < DEPTH:
        frames.append((b.f_code, b.f_lasti))
        b = b.f_back
    sid = intern(tuple(frames))
    if len(_CACHE) > 4096:
        _CACHE.clear()
    _CACHE[id(b)] = (key, sid)
    return sid


outer = outer_py


def _line(code: CodeType, offset: int) -> int:
    for start, end, line in code.co_lines():
        if start <= offset < end and line is not None:
            return line
    return code.co_firstlineno


def resolve(sid: int, inner: list[tuple[str, int, str]] | None = None) -> list[tuple[str, int, str]]:
    """``inner`` and then the frames of stack ``sid`` as (file, line, function), innermost
    first, cut like a goroutine's: at the event loop, without the detector and the threading
    bootstrap."""
    out: list[tuple[str, int, str]] = list(inner or ())
    frames = STACKS[sid] if 0 <= sid < len(STACKS) else ()
    for code, offset in frames:
        if is_boundary(code):
            break
        if hidden(code.co_filename):
            continue
        out.append((code.co_filename, _line(code, offset), code.co_name))
    while len(out) > 1 and is_library(out[-1][0]):
        out.pop()
    return out
