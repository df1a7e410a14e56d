"""A FastAPI app for the pre-fork server tests, served as ``fastapi_app:application`` by uvicorn.

``/heavy`` is the hot endpoint (pure-Python CPU work in ``score_basket``, run on the event loop
as a CPU-bound async handler would), ``/light`` answers at once.  The debug routes are mounted
with ``perfkit.debug.asgi``.
"""

from __future__ import annotations

import os
import time
from asyncio.selector_events import _SelectorSocketTransport

from fastapi import FastAPI

import perfkit.debug

app = FastAPI()
#: CPU time (ns) this process spent in score_basket and in the transport's write (the socket send):
#: the ground truth the profilers are checked against
MEASURED = {"score_basket": 0, "write": 0}
_transport_write = _SelectorSocketTransport.write


def timed_write(self: _SelectorSocketTransport, data: bytes) -> None:
    """asyncio's own write, with the CPU it costs (send included) counted in MEASURED."""
    started = time.thread_time_ns()
    try:
        _transport_write(self, data)
    finally:
        MEASURED["write"] += time.thread_time_ns() - started


_SelectorSocketTransport.write = timed_write  # type: ignore[method-assign]


def score_basket(n: int) -> int:
    """The hot spot: about 5 ms of pure-Python work."""
    total = 0
    for i in range(n):
        total = (total * 31 + i * i) % 1_000_003
    return total


def render_items(n: int) -> list[dict[str, int]]:
    """A second, smaller cost: building the response body."""
    return [{"id": i, "qty": i % 7} for i in range(n)]


@app.get("/heavy")
async def heavy() -> dict[str, object]:
    started = time.thread_time_ns()
    score = score_basket(30_000)
    MEASURED["score_basket"] += time.thread_time_ns() - started
    return {"score": score, "items": render_items(50)}


@app.get("/measured")
async def measured() -> dict[str, int]:
    """This worker's pid, its main thread's and the process's CPU ns so far, and the CPU ns spent in score_basket."""
    return {
        "pid": os.getpid(),
        "thread_cpu_ns": time.thread_time_ns(),
        "process_cpu_ns": time.process_time_ns(),
        **MEASURED,
    }


@app.get("/light")
async def light() -> str:
    return "ok"


application = perfkit.debug.asgi(app)
