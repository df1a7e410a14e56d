# expect: race Stats.processed
import threading


class Stats:
    def __init__(self):
        self.processed = 0
        self.total = 0


def worker(batch, stats):
    for n in batch:
        stats.processed += 1
        stats.total += n


stats = Stats()
batches = [range(0, 10), range(10, 20), range(20, 30)]
ws = [threading.Thread(target=worker, args=(b, stats)) for b in batches]
for w in ws:
    w.start()
for w in ws:
    w.join()
print(stats.processed)
