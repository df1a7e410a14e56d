"""The live line shown while recording: elapsed time and samples so far.

Only drawn when stderr is a terminal and the user did not ask for ``--quiet``: in a pipe or a
CI log a redrawn line is noise, so the indicator is silent there.  Collectors feed it through
``RecordOptions.on_progress`` from whatever thread they sample on; rendering runs on rich's own
refresh thread and reads the latest numbers, so elapsed time keeps ticking between updates.
"""

from __future__ import annotations

import sys
import threading
import time
from types import TracebackType
from typing import IO

from rich.console import Console
from rich.live import Live
from rich.text import Text


def _format_elapsed(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}" if minutes else f"{seconds:.1f}s"


class LiveIndicator:
    """Context manager drawing ``perfkit: recording with <backend>  12.3s  1,234 samples``.

    Use :meth:`update` as the ``on_progress`` callback.  ``enabled`` says whether anything is drawn.
    """

    def __init__(self, label: str, *, quiet: bool = False, stream: IO[str] | None = None) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = not quiet and _isatty(self.stream)
        self._lock = threading.Lock()
        self._started = time.monotonic()
        self._samples = -1
        self._live: Live | None = None

    def update(self, elapsed: float, samples: int) -> None:
        """Record the latest (elapsed seconds, samples so far; -1 when unknown)."""
        with self._lock:
            if samples >= 0:
                self._samples = samples

    def render(self) -> Text:
        """The current line; elapsed comes from our own clock so it ticks without updates."""
        with self._lock:
            samples = self._samples
        line = Text.assemble(
            ("perfkit", "bold"),
            f": recording with {self.label}  ",
            (_format_elapsed(time.monotonic() - self._started), "cyan"),
        )
        if samples >= 0:
            line.append(f"  {samples:,} samples", style="green")
        line.append("  (Ctrl-C stops and saves)", style="dim")
        return line

    def __rich__(self) -> Text:
        return self.render()

    def __enter__(self) -> LiveIndicator:
        self._started = time.monotonic()
        if self.enabled:
            console = Console(file=self.stream, force_terminal=True, highlight=False)
            self._live = Live(
                self,
                console=console,
                refresh_per_second=4,
                transient=True,
                redirect_stdout=False,
                redirect_stderr=False,
            )
            self._live.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None


def _isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
