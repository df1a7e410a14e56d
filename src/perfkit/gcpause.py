"""Pausing Python's cyclic garbage collector around bulk allocation.

Building a big result (benchstat's tables, a call graph's tens of thousands of edges) allocates
objects far faster than they die; each automatic collection then walks every young object again
for nothing, which on a million-sample profile's peek doubled the graph build.  Paused, the
collector runs once afterwards, as usual.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["gc_paused"]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the ``with`` block (a no-op if it is already off;
    nested or concurrent uses leave it on once the outermost one that turned it off ends)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
