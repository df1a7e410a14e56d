"""A worker group shares a dataclass stats object whose dict of lists and counter are updated under a lock."""

import threading
from dataclasses import dataclass, field


@dataclass
class Stats:
    count: int = 0
    latencies: dict = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind, ms):
        with self.lock:
            self.count += 1
            if kind not in self.latencies:
                self.latencies[kind] = []
            self.latencies[kind].append(ms)


stats = Stats()


def worker(kind):
    for ms in range(3):
        stats.record(kind, ms)


group = [threading.Thread(target=worker, args=(k,)) for k in ("get", "put", "get")]
for t in group:
    t.start()
for t in group:
    t.join()
with stats.lock:
    print(stats.count, sorted((k, len(v)) for k, v in stats.latencies.items()))
