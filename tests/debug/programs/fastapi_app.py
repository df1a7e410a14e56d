"""A FastAPI app for the pre-fork server tests, served as ``fastapi_app:application`` by uvicorn.

``/heavy`` is the hot endpoint (pure-Python CPU work in ``score_basket``, run on the event loop
as a CPU-bound async handler would), ``/light`` answers at once.  The debug routes are mounted
with ``perfkit.debug.asgi``.
"""

from __future__ import annotations

from fastapi import FastAPI

import perfkit.debug

app = FastAPI()


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
    return {"score": score_basket(30_000), "items": render_items(50)}


@app.get("/light")
async def light() -> str:
    return "ok"


application = perfkit.debug.asgi(app)
