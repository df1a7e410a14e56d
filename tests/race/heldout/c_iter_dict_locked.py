"""Iteration over a dict and insertion into it, both under the same lock; plus a snapshot taken under the lock."""

import threading

registry = {"a": 1}
lock = threading.Lock()


def inserter():
    for i in range(5):
        with lock:
            registry[f"k{i}"] = i


def reader(out):
    with lock:
        n = 0
        for _key in registry:
            n += 1  # noqa: SIM113
    with lock:
        snap = list(registry)
        items = sorted(registry.items())
    for k in snap:
        out.append(k)
    out.extend(k for k, _ in items)


out = []
ts = [threading.Thread(target=inserter), threading.Thread(target=reader, args=(out,))]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(len(registry), bool(out))
