"""Load and save profiles: pick the format module from ``--format``, the extension, or the
file's first bytes, and route errors to one readable line.

A format or view module plugs in by defining ``NAME``, ``EXTENSIONS`` and any of
``sniff(head: bytes) -> bool``, ``read(path: Path) -> Profile``,
``write(profile: Profile, **options) -> bytes | str``; adding one is a line in the lists below.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from types import ModuleType
from typing import Any

from perfkit.atomic import atomic_write
from perfkit.errors import PerfkitError
from perfkit.model import Profile

#: modules that read profiles, in sniffing order (most specific first)
READERS = (
    "perfkit.formats.pprof",
    "perfkit.formats.memray_capture",
    "perfkit.formats.speedscope",
    "perfkit.formats.pyinstrument_json",
    "perfkit.formats.scalene_json",
    "perfkit.formats.folded",
)
#: modules that write profiles (formats and rendered views)
WRITERS = (
    "perfkit.formats.pprof",
    "perfkit.formats.speedscope",
    "perfkit.formats.folded",
    "perfkit.views.flamegraph",
    "perfkit.views.report",
    "perfkit.views.dot",
)

SNIFF_BYTES = 4096


def _modules(names: tuple[str, ...]) -> list[ModuleType]:
    return [importlib.import_module(n) for n in names]


def _by_name(name: str, names: tuple[str, ...], action: str) -> ModuleType:
    mods = _modules(names)
    for mod in mods:
        if name == mod.NAME:
            return mod
    known = ", ".join(m.NAME for m in mods)
    raise PerfkitError(f"--format {name}: unknown format for {action}; use one of: {known}")


def _by_extension(path: Path, names: tuple[str, ...]) -> ModuleType | None:
    lower = path.name.lower()
    best: tuple[int, ModuleType] | None = None
    for mod in _modules(names):
        for ext in mod.EXTENSIONS:
            if lower.endswith(ext) and (best is None or len(ext) > best[0]):
                best = (len(ext), mod)
    return best[1] if best else None


def formats_for(action: str) -> list[str]:
    """Names and extensions users can pick, for help texts."""
    names = READERS if action == "read" else WRITERS
    return [f"{m.NAME} ({', '.join(m.EXTENSIONS)})" for m in _modules(names)]


def detect_reader(path: Path, fmt: str | None = None) -> ModuleType:
    """The reader for ``path``: by name, else by sniffing content, else by extension."""
    if fmt:
        return _by_name(fmt, READERS, "reading")
    with open(path, "rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if not head:
        raise PerfkitError(f"{path}: the file is empty; record a profile into it first")
    by_ext = _by_extension(path, READERS)
    if by_ext is not None and by_ext.sniff(head):
        return by_ext
    for mod in _modules(READERS):
        if mod.sniff(head):
            return mod
    if by_ext is not None:
        return by_ext  # let the reader say precisely what is wrong
    known = "; ".join(formats_for("read"))
    raise PerfkitError(f"{path}: not a profile format perfkit knows ({known}); pass --format if it is one")


def load(path: str | os.PathLike[str], format: str | None = None) -> Profile:
    """Read a profile file in any supported format."""
    p = Path(path)
    if not p.exists():
        raise PerfkitError(f"{p}: no such file; check the path")
    if p.is_dir():
        raise PerfkitError(f"{p}: is a folder, not a profile file")
    try:
        reader = detect_reader(p, format)
    except PermissionError:
        raise PerfkitError(f"{p}: permission denied; check the file's permissions") from None
    try:
        return reader.read(p)
    except PerfkitError:
        raise
    except PermissionError:
        raise PerfkitError(f"{p}: permission denied; check the file's permissions") from None
    except (ValueError, KeyError, IndexError, TypeError, EOFError, OSError, UnicodeDecodeError) as exc:
        raise PerfkitError(f"{p}: not a valid {reader.NAME} file ({_short(exc)})") from None


def writer_for(path: Path, fmt: str | None = None) -> ModuleType:
    """The writer for ``path``: by name, else by extension."""
    if fmt:
        return _by_name(fmt, WRITERS, "writing")
    mod = _by_extension(path, WRITERS)
    if mod is None:
        known = "; ".join(formats_for("write"))
        raise PerfkitError(f"{path}: unknown output extension; use one of {known}, or pass --format")
    return mod


def render(profile: Profile, path: str | os.PathLike[str], format: str | None = None, **options: Any) -> bytes:
    """The bytes ``save`` would write, without writing them."""
    data = writer_for(Path(path), format).write(profile, **options)
    return data.encode("utf-8") if isinstance(data, str) else data


def save(profile: Profile, path: str | os.PathLike[str], format: str | None = None, **options: Any) -> Path:
    """Write ``profile`` to ``path`` atomically in the format named or implied by the extension."""
    p = Path(path)
    atomic_write(p, render(profile, p, format, **options))
    return p


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]
