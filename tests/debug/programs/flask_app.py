"""A Flask app for the pre-fork server tests, served as ``flask_app:application`` by gunicorn.

``/heavy`` is the hot endpoint (pure-Python CPU work in ``checksum_orders``), ``/light`` answers
at once.  The debug routes are mounted with ``perfkit.debug.wsgi``.
"""

from __future__ import annotations

import os
import threading
import time

from flask import Flask

import perfkit.debug

app = Flask(__name__)
#: CPU time (ns) this process spent in checksum_orders and in gunicorn's util.write (the socket
#: sendall): the ground truth the profilers are checked against
MEASURED = {"checksum_orders": 0, "write": 0}
_LOCK = threading.Lock()


def _count(name: str, nanoseconds: int) -> None:
    with _LOCK:
        MEASURED[name] += nanoseconds


try:
    from gunicorn import util as gunicorn_util
except ImportError:  # served by another server
    gunicorn_util = None
else:
    _util_write = gunicorn_util.write

    def timed_write(sock: object, data: bytes, chunked: bool = False) -> None:
        """gunicorn's own write, with the CPU it costs (sendall included) counted in MEASURED."""
        started = time.thread_time_ns()
        try:
            _util_write(sock, data, chunked)
        finally:
            _count("write", time.thread_time_ns() - started)

    gunicorn_util.write = timed_write


def checksum_orders(n: int) -> int:
    """The hot spot: about 10 ms of pure-Python work."""
    total = 0
    for i in range(n):
        total = (total * 31 + i * i) % 1_000_003
    return total


@app.get("/heavy")
def heavy() -> dict[str, int]:
    started = time.thread_time_ns()
    checksum = checksum_orders(60_000)
    _count("checksum_orders", time.thread_time_ns() - started)
    return {"checksum": checksum}


@app.get("/measured")
def measured() -> dict[str, int]:
    """This worker's pid, the serving thread's and the process's CPU ns so far, and the CPU ns in checksum_orders."""
    return {
        "pid": os.getpid(),
        "thread_cpu_ns": time.thread_time_ns(),
        "process_cpu_ns": time.process_time_ns(),
        **MEASURED,
    }


@app.get("/light")
def light() -> str:
    return "ok"


application = perfkit.debug.wsgi(app)
