"""Request paths to routes: ``/orders/1234`` and ``/orders/98`` are one route, ``/orders/:id``.

One function for every tool that groups requests: the live service metrics (``perfkit.debug``)
and log analysis (``perfkit logs``) must agree on what a route is, or their numbers would not
line up.  Id-like segments are whole path segments that are numbers, hex strings of eight or
more digits, or UUIDs; the query string is dropped; the result is at most 200 characters, so a
client inventing paths cannot make labels without bound.
"""

from __future__ import annotations

import re

__all__ = ["MAX_ROUTE_LENGTH", "route_of"]

MAX_ROUTE_LENGTH = 200
#: ``/`` and an id segment that ends at the next ``/`` or the end: one substitution over the
#: path, anchored on the slash, is twice as fast as matching each segment (a million-line log
#: has hundreds of thousands of distinct paths when ids are in them)
_ID_SEGMENT = re.compile(r"/(?:\d+|[0-9a-fA-F]{8,}|[0-9a-fA-F-]{32,36})(?=/|\Z)")


def route_of(path: str) -> str:
    """``/orders/1234?x=1`` -> ``/orders/:id``: a bounded label for a request path."""
    # a leading "/" makes a first segment without one ("123") an id segment like any other
    return _ID_SEGMENT.sub("/:id", "/" + (path.split("?", 1)[0] or "/"))[1 : MAX_ROUTE_LENGTH + 1]
