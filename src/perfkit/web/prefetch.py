"""Compute the other views of the page a user is looking at, in the background.

Switching views keeps the query (filters, sample type ...), so while the user reads one view the
others can be made ready: after start for the default settings, and after every page for that
page's query.  Only the newest query is worked on (a user who moved on does not want the old one),
one view at a time, cheapest first, and only while no request is being answered, so a request
waits at most for the one view under way.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from perfkit.errors import PerfkitError

__all__ = ["ORDER", "Prefetcher"]

#: the views computed ahead, cheapest first (source and peek only when the query has a regex: without
#: one they list choices from top's graph); the call graph and peek, the costliest, last
ORDER = ("top", "flamegraph", "source", "graph", "peek")


class Prefetcher:
    """A daemon thread computing ``make(view, params)`` for the newest wanted query's views."""

    def __init__(
        self, make: Callable[[str, tuple[tuple[str, str], ...]], object], busy: Callable[[], bool] = lambda: False
    ) -> None:
        self._make = make
        self._busy = busy
        self._wanted: tuple[tuple[str, str], ...] | None = None
        self._current: tuple[tuple[str, str], ...] | None = None
        self._generation = 0
        self._idle = True
        self._condition = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="perfkit-web-prefetch", daemon=True)
        self._thread.start()

    def want(self, params: tuple[tuple[str, str], ...]) -> None:
        """Make the views of ``params`` (a canonical query) ready, instead of anything older."""
        with self._condition:
            if params in (self._wanted, self._current):
                return  # already on its way
            self._wanted = params
            self._generation += 1
            self._idle = False
            self._condition.notify()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until every wanted view is made (for tests and benchmarks); False on timeout."""
        with self._condition:
            return self._condition.wait_for(lambda: self._idle, timeout)

    def close(self) -> None:
        with self._condition:
            self._closed = True
            self._condition.notify_all()

    def _run(self) -> None:
        while True:
            with self._condition:
                self._condition.wait_for(lambda: self._closed or self._wanted is not None)
                if self._closed:
                    return
                params, generation, self._wanted = self._wanted, self._generation, None
                if params is None:  # not reached: wait_for returns with a query or once closed
                    continue
                self._current = params
            for view in ORDER:
                if view in ("source", "peek") and not dict(params).get("f"):
                    continue
                while self._busy() and not self._closed:  # requests first
                    time.sleep(0.02)
                with self._condition:
                    if generation != self._generation or self._closed:
                        break  # a newer query came: its views first
                try:
                    self._make(view, params)
                except PerfkitError:
                    continue  # the page itself will say what is wrong
                except Exception:  # a bug shows when the page is asked; the thread lives on
                    continue
            with self._condition:
                self._current = None
                if generation == self._generation:
                    self._idle = True
                    self._condition.notify_all()
