"""What the web UI serves: one parsed profile (and an optional diff base) and everything computed
from it, kept so that switching views or coming back to a filter costs a cache lookup.

Three layers of caching, cheapest question first: the graph layer's :class:`~perfkit.graph.
GraphCache` (prepared node stacks per filter set, graphs per option set), the flame graph's side
by side stacks for a diff, and finished view bodies (the Graphviz SVG, the flame graph SVG ...) and
their HTML per view and canonical query.  One lock serialises the computing: the machine is small and the graph
layer is pure Python, so two requests computing at once would only both be slower; a page served
from the caches never waits for it.  The cyclic garbage collector is paused while a view is
computed: its automatic passes over the tens of thousands of nodes and edges a graph makes were
half of a big peek's build.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

from perfkit.gcpause import gc_paused
from perfkit.graph import GraphCache, GraphOptions, Prepared, prepare_apart
from perfkit.model import Profile

__all__ = ["Session"]

T = TypeVar("T")


class Session:
    """One profile (``profile`` minus ``base`` for a diff) and its caches.

    ``name`` and ``base_name`` say where the profiles came from (a path or a URL), for titles.
    """

    def __init__(
        self,
        profile: Profile,
        *,
        name: str = "profile",
        base: Profile | None = None,
        base_name: str | None = None,
        size: int = 64,
    ) -> None:
        self.profile = profile
        self.base = base
        self.name = name
        self.base_name = base_name
        self.graphs = GraphCache(profile, base, size=size)
        self.lock = threading.RLock()
        self.size = size
        self._results: OrderedDict[tuple, Any] = OrderedDict()
        self._apart: OrderedDict[tuple, tuple[Prepared, Prepared]] = OrderedDict()

    @property
    def diff(self) -> bool:
        return self.base is not None

    def result(self, key: tuple, compute: Callable[[], T]) -> T:
        """The cached result under ``key``, computing it (under the lock) when missing."""
        found = self._results.get(key)
        if found is not None:
            return found
        with self.lock:
            found = self._results.get(key)  # another request may have made it meanwhile
            if found is None:
                with gc_paused():  # a view of a big profile makes ~100,000 objects, none garbage yet
                    found = compute()
                _remember(self._results, key, found, self.size)
            return found

    def apart(self, options: GraphOptions) -> tuple[Prepared, Prepared]:
        """The profile's and the base's stacks side by side with shared node ids (a diff flame
        graph draws the one and colours by the other)."""
        assert self.base is not None
        key = _prepare_key(options)
        found = self._apart.get(key)
        if found is None:
            with self.lock, gc_paused():
                found = prepare_apart(self.profile, self.base, options)
                _remember(self._apart, key, found, 4)
        return found


def _prepare_key(options: GraphOptions) -> tuple:
    """What preparing depends on: everything but the trimming options."""
    return (options.replace(nodecount=None, nodefraction=0.0, edgefraction=0.0, sort="flat"),)


def _remember(cache: OrderedDict, key: tuple, value: object, size: int) -> None:
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > size:
        cache.popitem(last=False)
