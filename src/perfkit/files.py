"""Load and save profiles: pick the format from ``format=``, the extension, or the file's first
bytes (the declarations live in :mod:`perfkit.formats.registry`), and route errors to one
readable line.

Finding a writer imports nothing but the registry; only the codec that reads or writes is
imported.  Errors about a parameter (an unknown ``format``, a misspelled writer option) are
:class:`~perfkit.errors.ParamError`: the CLI re-words them with its own flags.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from perfkit.atomic import atomic_write
from perfkit.errors import ParamError, PerfkitError
from perfkit.formats import registry
from perfkit.formats.registry import Codec
from perfkit.model import Profile

#: modules that read profiles, in sniffing order (most specific first)
READERS = tuple(c.module for c in registry.readers())
#: modules that write profiles (formats and rendered views)
WRITERS = tuple(c.module for c in registry.writers())

SNIFF_BYTES = 4096


def formats_for(action: str) -> list[str]:
    """Names and extensions users can pick, for help texts."""
    return registry.choices(action)


def detect_reader(path: Path, fmt: str | None = None) -> Codec:
    """The reader for ``path``: by name, else by sniffing content, else by extension."""
    if fmt:
        return registry.by_name(fmt, "read")
    with open(path, "rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if not head:
        raise PerfkitError(f"{path}: the file is empty; record a profile into it first")
    by_ext = registry.by_extension(path, "read")
    if by_ext is not None and by_ext.sniff(head):
        return by_ext
    for codec in registry.readers():
        if codec.sniff(head):
            return codec
    if by_ext is not None:
        return by_ext  # let the reader say precisely what is wrong
    known = "; ".join(formats_for("read"))
    problem = f"not a profile format perfkit knows ({known}); name it with {{name}} if it is one"
    raise ParamError("format", f"{path}: {problem}")


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
        raise PerfkitError(f"{p}: not a valid {reader.name} file ({_short(exc)})") from None


def writer_for(path: str | os.PathLike[str], fmt: str | None = None) -> Codec:
    """The writer for ``path``: by name, else by extension."""
    if fmt:
        return registry.by_name(fmt, "write")
    codec = registry.by_extension(Path(path), "write")
    if codec is None:
        known = "; ".join(formats_for("write"))
        raise ParamError("format", f"{path}: unknown output extension; use one of {known}, or name one with {{name}}")
    return codec


def render(profile: Profile, path: str | os.PathLike[str], format: str | None = None, **options: Any) -> bytes:
    """The bytes ``save`` would write, without writing them; ``options`` are the format's
    (see :data:`perfkit.formats.registry.CODECS`), and any other is a ParamError naming it."""
    return writer_for(path, format).write(profile, **options)


def save(profile: Profile, path: str | os.PathLike[str], format: str | None = None, **options: Any) -> Path:
    """Write ``profile`` to ``path`` atomically in the format named or implied by the extension."""
    p = Path(path)
    write_bytes(p, render(profile, p, format, **options))
    return p


def write_bytes(path: Path, data: bytes | str) -> None:
    """Write atomically; a full disk or a size limit is the user's to fix, so it is one line."""
    try:
        atomic_write(path, data)
    except PerfkitError:
        raise
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        fix = "free some space or pick another {name}"
        raise ParamError("path", f"{path}: could not write ({reason}); {fix}") from None


def check_output(path: str | os.PathLike[str], format: str | None = None) -> Codec:
    """The writer for ``path``, after checking the file could be written at all: run before a
    long recording, so a typo in the folder fails now and not after minutes of profiling."""
    codec = writer_for(path, format)
    p = Path(path)
    folder = p.parent if str(p.parent) else Path(".")
    if not folder.is_dir():
        raise ParamError("path", f"{p}: folder {folder} does not exist; create it or pick another {{name}}")
    if p.is_dir():
        raise ParamError("path", f"{p}: is a folder; give a file name such as {p / 'profile.svg'}")
    if not os.access(folder, os.W_OK):
        raise ParamError("path", f"{p}: no permission to write in {folder}; pick another {{name}}")
    return codec


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]
