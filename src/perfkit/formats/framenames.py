"""Turn the frame strings of text formats into :class:`~perfkit.model.Frame` and back.

Recognised, in order: py-spy's ``function (file:line)``, Austin's and perfkit's bench input
``file.py:function:line``, and anything else as a bare function name.
"""

from __future__ import annotations

import re

from perfkit.model import Frame

_PYSPY = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")
_AUSTIN = re.compile(r"^(?P<file>[^:;]+\.[A-Za-z0-9]+):(?P<func>[^:]+):(?P<line>\d+)$")


def parse_frame(text: str) -> Frame:
    """Parse one frame string; never fails (unknown shapes become a bare function name)."""
    m = _PYSPY.match(text)
    if m and m.group("file"):
        return Frame(m.group("func"), m.group("file"), int(m.group("line") or 0))
    m = _AUSTIN.match(text)
    if m:
        return Frame(m.group("func"), m.group("file"), int(m.group("line")))
    return Frame(text)


def format_frame(frame: Frame) -> str:
    """The py-spy form of a frame, which :func:`parse_frame` reads back to the same frame."""
    return frame.label()
