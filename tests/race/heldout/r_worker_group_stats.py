"""A worker group shares a dataclass stats object: lists under a lock, but the counter outside it."""

import threading
from dataclasses import dataclass, field


@dataclass
class Stats:
    processed: int = 0
    by_kind: dict = field(default_factory=dict)


stats = Stats()
lock = threading.Lock()


def worker(kind, items):
    for item in items:
        with lock:
            stats.by_kind.setdefault(kind, []).append(item)
        stats.processed += 1  # RACE: Stats.processed


group = [threading.Thread(target=worker, args=(k, range(3))) for k in ("x", "y", "z")]
for t in group:
    t.start()
for t in group:
    t.join()
print(stats.processed, sorted(stats.by_kind))
