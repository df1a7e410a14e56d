"""The GIL switch interval, shared by the parts of perfkit.debug that shorten it for a while.

The sampler (to read stacks inside running code, see :mod:`perfkit.debug.sampler`) and the
standalone server (to answer a burst of requests while the service's threads are busy) each ask
for a short interval for a moment.  The application's own value is saved by the first that
enters and put back by the last that leaves, so overlapping users never leave a short one behind.
"""

from __future__ import annotations

import os
import sys
import threading


class SwitchInterval:
    _lock = threading.Lock()
    _users = 0
    _saved = 0.005

    @classmethod
    def enter(cls) -> float:
        """Register a user; returns the application's own interval."""
        with cls._lock:
            if cls._users == 0:
                cls._saved = sys.getswitchinterval()
            cls._users += 1
            return cls._saved

    @classmethod
    def leave(cls) -> None:
        with cls._lock:
            cls._users -= 1
            if cls._users == 0:
                sys.setswitchinterval(cls._saved)

    @classmethod
    def _after_fork_in_child(cls) -> None:
        """Users in the parent are threads the child does not have."""
        cls._lock = threading.Lock()
        if cls._users:
            cls._users = 0
            sys.setswitchinterval(cls._saved)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=SwitchInterval._after_fork_in_child)
