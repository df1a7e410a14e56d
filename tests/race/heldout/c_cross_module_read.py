"""Main sets another module's global before starting threads that read it through that module's function."""

import threading

import _hb_metrics

_hb_metrics.level = 5
out = []
ts = [threading.Thread(target=lambda: out.append(_hb_metrics.current_level())) for _ in range(2)]
for t in ts:
    t.start()
for t in ts:
    t.join()
_hb_metrics.record()
print(out, _hb_metrics.hits)
