"""perfkit.debug: Go's ``net/http/pprof`` for Python services, opt-in and safe.

    import perfkit.debug
    handle = perfkit.debug.start(address="127.0.0.1:6060")   # standalone server in a thread
    app = perfkit.debug.asgi(app)                             # or mount into an ASGI app
    app = perfkit.debug.wsgi(app)                             # or a WSGI app

Routes (identical in all three): ``/debug/pprof/`` (index), ``/debug/pprof/profile``,
``/debug/pprof/heap``, ``/debug/pprof/goroutine``, ``/debug/pprof/cmdline``, ``/debug/vars``,
``/debug/metrics``.  Loopback only unless a token is given; see :mod:`perfkit.debug.security`.
For an unchanged service: ``PERFKIT_DEBUG_ADDR=127.0.0.1:6060 python -m perfkit.debug.run app.py``.
"""

from __future__ import annotations

from typing import Any

# The wrapper modules are imported here, before the functions of the same names are defined:
# importing a submodule for the first time binds it as an attribute of this package, which
# would replace the function ``asgi``/``wsgi`` if that import happened later (lazily).
from perfkit.debug import asgi as _asgi_module
from perfkit.debug import wsgi as _wsgi_module
from perfkit.debug.sampler import Sampler, profile
from perfkit.debug.server import DebugServer

__all__ = ["DebugServer", "Sampler", "asgi", "profile", "start", "wsgi"]


def start(
    address: str | tuple[str, int] = "127.0.0.1:0", token: str | None = None, *, tracemalloc: bool | int = False
) -> DebugServer:
    """Serve the debug routes on ``address`` from a daemon thread; returns the running server
    (``.address``, ``.url``, ``.close()``).  ``tracemalloc=True`` (or a frame count) turns on the
    heap profile.  ``token`` defaults to ``PERFKIT_DEBUG_TOKEN`` (at least 16 characters); a
    non-loopback address without one is refused."""
    if tracemalloc:
        from perfkit.debug import heap

        heap.enable(25 if tracemalloc is True else int(tracemalloc))
    return DebugServer(address, token=token)


def asgi(app: Any, token: str | None = None) -> Any:
    """``app`` (ASGI) with the debug routes mounted and its requests measured; ``token`` defaults
    to ``PERFKIT_DEBUG_TOKEN``, and without one only loopback clients get the debug routes."""
    return _asgi_module.wrap(app, token=token)


def wsgi(app: Any, token: str | None = None) -> Any:
    """``app`` (WSGI) with the debug routes mounted and its requests measured; ``token`` defaults
    to ``PERFKIT_DEBUG_TOKEN``, and without one only loopback clients get the debug routes."""
    return _wsgi_module.wrap(app, token=token)
