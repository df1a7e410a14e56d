"""Where log lines come from: files, ``.gz`` files (sniffed by content), globs and stdin, read as
blocks of whole lines.

Why blocks: the parsers work on a few megabytes of lines at a time (vectorised), so memory stays
bounded whatever the file size and no Python code runs per line.  Why a hand-driven zlib
stream for ``.gz``: a truncated or corrupt archive (a log copied while it was written, a
download cut short) must still give every line before the damage, and say where it stopped;
``gzip.open`` would lose the block it was reading.
"""

from __future__ import annotations

import glob
import os
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Protocol

from perfkit.errors import PerfkitError

__all__ = ["BLOCK_SIZE", "Block", "Source", "expand", "read_blocks"]

BLOCK_SIZE = 4 << 20
_RAW_READ = 1 << 20
_GZIP_MAGIC = b"\x1f\x8b"
_GLOB_CHARS = frozenset("*?[")


@dataclass
class Source:
    """One input and what happened while reading it (shown to the user as warnings)."""

    name: str  #: as the user wrote it (``-`` for stdin)
    lines: int = 0  #: lines read
    warnings: list[str] = field(default_factory=list)
    binary: bool = False
    compressed: bool = False
    truncated: bool = False  #: a compressed stream that ends mid-way


@dataclass(frozen=True)
class Block:
    """Whole lines of one source: ``data`` starts at line ``first_line`` (1-based)."""

    source: Source
    first_line: int
    data: bytes


def expand(names: list[str]) -> list[str]:
    """Paths as given, with globs (quoted on the shell, or on Windows) expanded in sorted order.

    A missing file is a user mistake: one line naming it, before any work starts."""
    out: list[str] = []
    for name in names:
        if name == "-":
            out.append(name)
        elif os.path.exists(name):
            if os.path.isdir(name):
                raise PerfkitError(f"{name}: is a folder; give the log files in it (e.g. '{name}/*.log')")
            out.append(name)
        elif _GLOB_CHARS & set(name):
            matches = sorted(glob.glob(name))
            if not matches:
                raise PerfkitError(f"{name}: no file matches this pattern; check the path")
            out.extend(m for m in matches if os.path.isfile(m))
        else:
            raise PerfkitError(f"{name}: no such file; check the path")
    return out


class _Readable(Protocol):
    """What :func:`_gunzip` reads from: a binary file, or :class:`_Replay` over a sniffed one."""

    def read(self, size: int, /) -> bytes: ...


def _gunzip(handle: _Readable, source: Source) -> Iterator[bytes]:
    """Decompressed bytes of every gzip member; a damaged or cut stream ends with a warning."""
    inflater = zlib.decompressobj(wbits=31)
    mid_member = False
    while raw := handle.read(_RAW_READ):
        while raw:
            mid_member = True
            try:
                out = inflater.decompress(raw)
            except zlib.error as exc:
                source.truncated = True
                source.warnings.append(f"corrupt gzip data ({exc}); analysed the whole lines before it")
                return
            if out:
                yield out
            raw = b""
            if inflater.eof:  # concatenated members (`cat a.gz b.gz`, some log shippers)
                mid_member = False
                raw = inflater.unused_data
                inflater = zlib.decompressobj(wbits=31)
                if raw and not raw.startswith(_GZIP_MAGIC[:1]):
                    source.warnings.append("bytes after the end of the gzip data were ignored")
                    return
    if mid_member:
        tail = inflater.flush()
        if tail:
            yield tail
        source.truncated = True
        source.warnings.append("truncated gzip file (it ends mid-stream); analysed the whole lines before the cut")


def _raw_chunks(handle: BinaryIO, source: Source, size: int = _RAW_READ) -> Iterator[bytes]:
    first = handle.read(size)
    if first.startswith(_GZIP_MAGIC):
        source.compressed = True

        def replay() -> Iterator[bytes]:
            yield first
            while chunk := handle.read(size):
                yield chunk

        yield from _gunzip(_Replay(replay()), source)
        return
    if first:
        yield first
    while chunk := handle.read(size):
        yield chunk


class _Replay:
    """A read()-able view of an iterator of byte chunks (the sniffed first chunk, then the rest)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks

    def read(self, _size: int = -1) -> bytes:
        return next(self._chunks, b"")


def _looks_binary(data: bytes) -> bool:
    """More than 5% of the first 64 kB is NUL, control characters or not UTF-8.  A few such
    bytes are damage inside a text log (NUL runs after a crash): those lines are reported."""
    sample = data[:65536]
    text = sample.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") + sum(1 for ch in text if ch < " " and ch not in "\t\r\n\f\v\x1b")
    return bad > max(8, len(text) // 20)


def _blocks_of(chunks: Iterator[bytes], source: Source, block_size: int) -> Iterator[Block]:
    # chunks are gathered in a list and joined once a block is full: appending each chunk to
    # one bytes object copied every block twice and a half (a quarter of a second per 226 MB)
    parts: list[bytes] = []
    size = 0
    line_no = 1
    checked = False
    for chunk in chunks:
        if not checked:
            checked = True
            if _looks_binary(chunk):
                source.binary = True
                source.warnings.append("binary data, not a text log; skipped (decompress or convert it first)")
                return
        parts.append(chunk)
        size += len(chunk)
        if size < block_size:
            continue
        cut = chunk.rfind(b"\n") + 1
        if cut == 0:  # no line ends in this chunk: wait for one
            continue
        head = chunk[:cut] if cut < len(chunk) else chunk
        parts[-1] = head
        block = b"".join(parts) if len(parts) > 1 else head
        rest = chunk[cut:]
        parts, size = ([rest], len(rest)) if rest else ([], 0)
        n = block.count(b"\n")
        source.lines += n
        yield Block(source, line_no, block)
        line_no += n
    pending = b"".join(parts)
    if pending:
        if not checked and _looks_binary(pending):
            source.binary = True
            source.warnings.append("binary data, not a text log; skipped (decompress or convert it first)")
            return
        if not pending.endswith(b"\n"):
            if source.truncated:  # the line the damage cut in two is not a record
                pending = pending[: pending.rfind(b"\n") + 1]
                if not pending:
                    return
            else:
                pending += b"\n"
        source.lines += pending.count(b"\n")
        yield Block(source, line_no, pending)


def read_blocks(source: Source, block_size: int = BLOCK_SIZE, stdin: BinaryIO | None = None) -> Iterator[Block]:
    """Blocks of whole lines of one source; a read error becomes a warning on the source."""
    size = min(_RAW_READ, block_size)
    if source.name == "-":
        yield from _blocks_of(_raw_chunks(stdin or sys.stdin.buffer, source, size), source, block_size)
        return
    try:
        handle = Path(source.name).open("rb")  # noqa: SIM115 (closed below; this try is about opening)
    except PermissionError:
        raise PerfkitError(f"{source.name}: no permission to read it; check its mode or run as its owner") from None
    except OSError as exc:
        raise PerfkitError(f"{source.name}: cannot open ({exc.strerror}); check the path") from None
    with handle:
        try:
            yield from _blocks_of(_raw_chunks(handle, source, size), source, block_size)
        except OSError as exc:
            source.warnings.append(f"read error ({exc.strerror or exc}); analysed the lines before it")
