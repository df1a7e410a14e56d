"""Only single atomic container operations are shared: append, setdefault, get, pop, set.add, deque, D[k]=v."""

import threading
from collections import deque

log = []
index = {}
seen = set()
dq = deque()
latest = {}


def worker(i):
    log.append(i)
    index.setdefault("all", []).append(i)
    index.get("all")
    seen.add(i % 2)
    dq.append(i)
    latest["last"] = i
    latest.pop("gone", None)
    log.extend([i, i])


ts = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
for t in ts:
    t.start()
for t in ts:
    t.join()
while dq:
    dq.popleft()
print(len(log), len(index["all"]), sorted(seen), "last" in latest)
