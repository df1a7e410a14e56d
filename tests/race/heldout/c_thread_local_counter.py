"""A threading.local holds a per-thread counter incremented without a lock."""

import threading

ctx = threading.local()
results = {}


def work(name):
    ctx.n = 0
    for _ in range(10):
        ctx.n += 1
    results[name] = ctx.n


ts = [threading.Thread(target=work, args=(f"t{i}",)) for i in range(3)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(sorted(results.items()))
