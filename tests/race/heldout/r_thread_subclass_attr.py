"""Thread subclasses overriding run() bump a shared stats object's attribute without a lock."""

import threading


class Stats:
    def __init__(self):
        self.hits = 0


class Worker(threading.Thread):
    def __init__(self, stats):
        super().__init__()
        self.stats = stats

    def run(self):
        self.stats.hits += 1  # RACE: Stats.hits


stats = Stats()
workers = [Worker(stats) for _ in range(2)]
for w in workers:
    w.start()
for w in workers:
    w.join()
print("hits", stats.hits)
