"""A Flask app for the pre-fork server tests, served as ``flask_app:application`` by gunicorn.

``/heavy`` is the hot endpoint (pure-Python CPU work in ``checksum_orders``), ``/light`` answers
at once.  The debug routes are mounted with ``perfkit.debug.wsgi``.
"""

from __future__ import annotations

import os
import time

from flask import Flask

import perfkit.debug

app = Flask(__name__)
#: CPU time (ns) this process spent in checksum_orders: the ground truth the profilers are checked against
MEASURED = {"checksum_orders": 0}


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
    MEASURED["checksum_orders"] += time.thread_time_ns() - started
    return {"checksum": checksum}


@app.get("/measured")
def measured() -> dict[str, int]:
    """This worker's pid, the serving thread's CPU ns so far, and the CPU ns spent in checksum_orders."""
    return {"pid": os.getpid(), "thread_cpu_ns": time.thread_time_ns(), **MEASURED}


@app.get("/light")
def light() -> str:
    return "ok"


application = perfkit.debug.wsgi(app)
