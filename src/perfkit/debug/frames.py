"""Turn interpreter frames into model frames, interned once per (code object, line).

Sampling stores raw ``(code, line)`` pairs; only when a profile is built are they named, so a
tick allocates one tuple per thread and nothing per frame beyond what the walk needs.
"""

from __future__ import annotations

from types import CodeType, FrameType

from perfkit.model import Frame, Profile


def code_name(code: CodeType) -> str:
    """``Class.method`` (3.11+ ``co_qualname``), else the plain name."""
    return getattr(code, "co_qualname", None) or code.co_name


def walk(frame: FrameType | None, limit: int = 512) -> tuple:
    """Leaf-first flat tuple ``(code, line, code, line, ...)`` of a thread's stack."""
    parts: list = []
    append = parts.append
    depth = 0
    while frame is not None and depth < limit:
        append(frame.f_code)
        append(frame.f_lineno)
        frame = frame.f_back
        depth += 1
    return tuple(parts)


class Interner:
    """Maps raw stacks to a profile's stack ids, caching frames by (code, line)."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self._frames: dict[tuple[CodeType, int], int] = {}
        self._stacks: dict[tuple, int] = {}

    def frame_id(self, code: CodeType, line: int) -> int:
        key = (code, line)
        fid = self._frames.get(key)
        if fid is None:
            fid = self._frames[key] = self.profile.frame_id(Frame(code_name(code), code.co_filename, line or 0))
        return fid

    def leaf_first(self, flat: tuple) -> int:
        """Stack id for a :func:`walk` tuple (reversed into the model's root-first order)."""
        sid = self._stacks.get(flat)
        if sid is None:
            ids = [self.frame_id(flat[i], flat[i + 1]) for i in range(0, len(flat), 2)]
            ids.reverse()
            sid = self._stacks[flat] = self.profile.stack_id(tuple(ids))
        return sid

    def root_first(self, pairs: tuple[tuple[CodeType, int], ...]) -> int:
        """Stack id for outermost-first (code, line) pairs (an await stack)."""
        return self.profile.stack_id(tuple(self.frame_id(code, line) for code, line in pairs))
