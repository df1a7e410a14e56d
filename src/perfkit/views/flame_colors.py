"""Colours of flame graph frames: where the code comes from, and how much a frame changed.

Why by origin: the first question about a flame graph is "is this mine?", so your code, the
standard library, installed packages and native code get separate hue families.  The shade within
a family comes from a hash of the function name (not a random draw), so reruns are byte-identical
and a function keeps its colour across graphs.
"""

from __future__ import annotations

import functools
import re
import sys
import sysconfig
import zlib

from perfkit.model import Frame

__all__ = ["LEGEND", "ORIGINS", "diff_colour", "frame_colour", "origin"]

#: origin codes in legend order; the flame graph script receives the same codes
ORIGINS = ("user", "stdlib", "library", "native")
#: legend text per origin
LEGEND = {
    "user": "your code",
    "stdlib": "standard library",
    "library": "site-packages",
    "native": "native / no file",
}
#: (red, green, blue) lowest value and span per origin: warm, green, blue, grey
_PALETTES = {
    "user": ((216, 39), (70, 120), (20, 40)),
    "stdlib": ((110, 60), (180, 50), (70, 50)),
    "library": ((80, 60), (150, 50), (215, 40)),
    "native": ((170, 40), (170, 40), (170, 40)),
}
_NATIVE_SUFFIXES = (".so", ".c", ".h", ".cc", ".cpp", ".cxx", ".hpp", ".rs", ".pyd", ".dll", ".dylib", ".s")
_STDLIB_PATH = re.compile(r"[\\/](?:lib|Lib)[\\/]python\d+(?:\.\d+)?t?[\\/]")
_LIBRARY_PATH = re.compile(r"(?:^|[\\/])(?:site|dist)-packages[\\/]")


def _stdlib_prefixes() -> tuple[str, ...]:
    paths = {sysconfig.get_paths().get(key, "") for key in ("stdlib", "platstdlib")}
    return tuple(p.rstrip("/\\") + "/" for p in paths if p)


_STDLIB_PREFIXES = _stdlib_prefixes()


@functools.cache
def _installed_top_levels() -> frozenset[str]:
    """Top-level import names of installed distributions (py-spy shortens their paths to these)."""
    try:
        from importlib.metadata import packages_distributions

        return frozenset(packages_distributions())
    except Exception:  # a broken distribution must not break drawing
        return frozenset()


@functools.lru_cache(maxsize=65536)
def _file_origin(path: str) -> str:
    norm = path.replace("\\", "/")
    lower = norm.lower()
    if lower.endswith(_NATIVE_SUFFIXES) or ".so." in lower or norm.startswith("<native"):
        return "native"
    if norm.startswith("<frozen"):
        return "stdlib"
    if norm.startswith("<"):  # <string>, <stdin>, <ipython-input-...>: code the user typed
        return "user"
    if _LIBRARY_PATH.search(norm):
        return "library"
    if norm.startswith(_STDLIB_PREFIXES) or _STDLIB_PATH.search(norm):
        return "stdlib"
    if norm.startswith("/") or re.match(r"^[A-Za-z]:/", norm):
        return "user"
    # a relative path, as py-spy prints it: the first component names the module
    top = norm.split("/", 1)[0]
    top = top[:-3] if top.endswith(".py") else top
    if top in sys.stdlib_module_names:
        return "stdlib"
    if top in _installed_top_levels():
        return "library"
    return "user"


def origin(frame: Frame) -> str:
    """``user``, ``stdlib``, ``library`` or ``native`` (C code, or a frame with no file)."""
    if not frame.file:
        return "native"
    return _file_origin(frame.file)


def _hex(red: float, green: float, blue: float) -> str:
    return f"#{round(red):02x}{round(green):02x}{round(blue):02x}"


def frame_colour(function: str, kind: str) -> str:
    """A fixed colour for ``function`` within the hue family of its origin ``kind``."""
    digest = zlib.crc32(function.encode("utf-8", "replace"))
    v1, v2, v3 = (digest & 0xFF) / 255, ((digest >> 8) & 0xFF) / 255, ((digest >> 16) & 0xFF) / 255
    (r0, rs), (g0, gs), (b0, bs) = _PALETTES.get(kind, _PALETTES["native"])
    if kind == "native":  # greys: one shade for all channels, a hint of variation
        return _hex(r0 + rs * v1, g0 + gs * v1, b0 + bs * v1 + 8 * v2)
    return _hex(r0 + rs * v3, g0 + gs * v1, b0 + bs * v2)


def diff_colour(value: int, base: int) -> str:
    """Red for growth, blue for shrinkage, near-white for no change; intensity is the relative
    change ``(value - base) / max(value, base)``, so a frame that is new is full red."""
    top = max(value, base)
    if top <= 0 or value == base:
        return _hex(235, 235, 235)
    change = (value - base) / top
    fade = 215 - 170 * min(1.0, abs(change))
    return _hex(255, fade, fade) if change > 0 else _hex(fade, fade, 255)
