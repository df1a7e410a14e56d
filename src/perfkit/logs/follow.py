"""``perfkit logs --follow``: read what is there, then keep reading as lines are appended (files,
including rotation by rename or truncation; or stdin), and redraw the table every second.

A live rich table on a terminal; piped, a plain table every 10 seconds.  Ctrl-C stops and prints
the final table: nothing read is lost.
"""

from __future__ import annotations

import os
import select
import sys
import time
from collections.abc import Sequence

from perfkit.logs.aggregate import Accumulator
from perfkit.logs.fields import parse_duration_option
from perfkit.logs.reader import LogReader
from perfkit.logs.render import render_analysis
from perfkit.logs.sources import Block, Source, expand

__all__ = ["Tail", "follow_logs"]

_READ = 1 << 20


class Tail:
    """Whole new lines of one file or stdin since the last call (never blocks for long)."""

    def __init__(self, name: str) -> None:
        self.source = Source(name)
        self._pending = b""
        self._line = 1
        self._fd: int | None = 0 if name == "-" else None
        self._inode: int | None = None
        self._offset = 0

    def _open(self) -> None:
        if self.source.name == "-":
            return
        try:
            fd = os.open(self.source.name, os.O_RDONLY)
        except OSError:
            return  # rotated away and not yet recreated: try again next time
        self._fd, self._inode, self._offset = fd, os.fstat(fd).st_ino, 0

    def _rotated(self) -> bool:
        try:
            st = os.stat(self.source.name)
        except OSError:
            return False
        return st.st_ino != self._inode or st.st_size < self._offset

    def poll(self, wait: float = 0.0) -> Block | None:
        if self._fd is None:
            self._open()
        elif self.source.name != "-" and self._rotated():
            os.close(self._fd)
            self._fd = None
            self._open()
        if self._fd is None:
            return None
        if self.source.name == "-":
            ready, _, _ = select.select([self._fd], [], [], wait)
            if not ready:
                return None
        chunks = []
        while chunk := os.read(self._fd, _READ):
            chunks.append(chunk)
            self._offset += len(chunk)
            if self.source.name == "-" or len(chunks) >= 64:
                break
        data = self._pending + b"".join(chunks)
        cut = data.rfind(b"\n") + 1
        if cut == 0:
            self._pending = data
            return None
        block, self._pending = data[:cut], data[cut:]
        first = self._line
        self._line += block.count(b"\n")
        self.source.lines += block.count(b"\n")
        return Block(self.source, first, block)


def follow_logs(
    names: Sequence[str], by: Sequence[str], duration: str | None, top: int = 20, every: float | None = None
) -> None:
    """Follow ``names`` until Ctrl-C, redrawing the statistics."""
    reader = LogReader(by=list(by), duration=parse_duration_option(duration) if duration else None)
    acc = Accumulator(by=list(by))
    tails = [Tail(name) for name in expand(list(names))]
    reader.sources.extend(t.source for t in tails)
    live = sys.stdout.isatty()

    def table() -> str:
        return render_analysis(acc.result(every=every), "text", rich=live, top=top)

    def step() -> bool:
        got = False
        for tail in tails:
            block = tail.poll(wait=0.2 if tail.source.name == "-" else 0.0)
            if block is not None:
                frame = reader.parse_block(block)
                if frame is not None and len(frame):
                    acc.add(frame)
                got = True
        return got

    last = 0.0
    try:
        if live:
            from rich.console import Console
            from rich.live import Live
            from rich.text import Text

            with Live(Text(""), console=Console(), refresh_per_second=2, transient=False) as view:
                while True:
                    got = step()
                    if time.monotonic() - last >= 1.0 and acc.parts:
                        view.update(Text.from_ansi(table()))
                        last = time.monotonic()
                    if not got:
                        time.sleep(0.2)
        else:
            while True:
                got = step()
                if time.monotonic() - last >= 10.0 and acc.parts:
                    print(table(), flush=True)
                    last = time.monotonic()
                if not got:
                    time.sleep(0.2)
    except KeyboardInterrupt:
        if acc.parts:
            print(table(), end="")
        print("perfkit: stopped following", file=sys.stderr)
