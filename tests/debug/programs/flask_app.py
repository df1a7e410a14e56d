"""A Flask app for the pre-fork server tests, served as ``flask_app:application`` by gunicorn.

``/heavy`` is the hot endpoint (pure-Python CPU work in ``checksum_orders``), ``/light`` answers
at once.  The debug routes are mounted with ``perfkit.debug.wsgi``.
"""

from __future__ import annotations

from flask import Flask

import perfkit.debug

app = Flask(__name__)


def checksum_orders(n: int) -> int:
    """The hot spot: about 10 ms of pure-Python work."""
    total = 0
    for i in range(n):
        total = (total * 31 + i * i) % 1_000_003
    return total


@app.get("/heavy")
def heavy() -> dict[str, int]:
    return {"checksum": checksum_orders(60_000)}


@app.get("/light")
def light() -> str:
    return "ok"


application = perfkit.debug.wsgi(app)
