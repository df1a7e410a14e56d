"""Threads call another module's function that does `global hits; hits += 1`."""

import threading

import _hb_metrics

ts = [threading.Thread(target=_hb_metrics.record) for _ in range(2)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print("hits", _hb_metrics.hits)  # RACE: _hb_metrics.hits
