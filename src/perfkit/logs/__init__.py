"""perfkit logs: latency and error analysis from the logs a service already writes.

The library behind ``perfkit logs``: :func:`analyse` reads JSON lines, logfmt or the
Common/Combined Log Format (plain, ``.gz``, globs, stdin) into per-group statistics;
:func:`compare` tests two analyses against each other with benchstat's statistics.  Imports are
lazy so that ``import perfkit.logs`` (and the CLI's startup) does not load polars.
"""

from __future__ import annotations

from typing import Any

__all__ = ["analyse", "analyse_split", "compare", "regressions"]


def __getattr__(name: str) -> Any:
    if name in ("analyse", "analyse_split"):
        from perfkit.logs import api

        return getattr(api, name)
    if name in ("compare", "regressions"):
        from perfkit.logs import comparison as module

        return getattr(module, name)
    raise AttributeError(name)
