"""Threads started in a loop update a global counter under `with lock:`."""

import threading

total = 0
lock = threading.Lock()


def bump(n):
    global total
    for _ in range(n):
        with lock:
            total += 1


ts = []
for _ in range(4):
    t = threading.Thread(target=bump, args=(25,))
    ts.append(t)
    t.start()
for t in ts:
    t.join()
print("total", total)
