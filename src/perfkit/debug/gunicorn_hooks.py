"""gunicorn server hooks: every worker of the server in one ``/debug/pprof`` answer.

In your ``gunicorn.conf.py`` (or use this module as the config: ``gunicorn -c
python:perfkit.debug.gunicorn_hooks app:app``)::

    from perfkit.debug.gunicorn_hooks import child_exit, on_exit, post_fork

If you already define one of these hooks, call ours from yours, e.g.
``perfkit.debug.gunicorn_hooks.post_fork(server, worker)``.

``post_fork`` makes each worker join its arbiter's group (see :mod:`perfkit.debug.workers`) and
hands it the worker's heartbeat, so a sync worker answering a 30-second profile is not killed
by gunicorn's ``--timeout`` while it waits; ``child_exit`` and ``on_exit`` clean up after
workers and the server.
"""

from __future__ import annotations

from typing import Any

# gunicorn reads every public name of a ``python:`` config module as a setting (``workers`` is
# one), so the group module goes by a private name here
from perfkit.debug import workers as _group


def post_fork(server: Any, worker: Any) -> None:
    """In the new worker: join the server's worker group (a worker that cannot, e.g. because
    the runtime directory is not private, still boots and serves; its profiles are its own)."""
    try:
        _group.join(server.pid, notify=getattr(worker, "notify", None))
    except OSError as exc:
        server.log.warning("perfkit.debug: worker %s profiles only itself: %s", worker.pid, exc)


def child_exit(server: Any, worker: Any) -> None:
    """In the arbiter: a worker ended; forget its socket."""
    _group.leave_group_of(server.pid, worker.pid)


def on_exit(server: Any) -> None:
    """In the arbiter, at shutdown: remove the group's directory."""
    _group.remove_group(server.pid)
