"""A BoundedSemaphore(1) as a mutex, and a Semaphore(0) signalling a hand-off."""

import threading


class Pool:
    def __init__(self):
        self.used = 0
        self.payload = None


pool = Pool()
mutex = threading.BoundedSemaphore(1)
ready = threading.Semaphore(0)


def use():
    with mutex:
        pool.used += 1


def produce():
    pool.payload = "data"
    ready.release()


def consume(out):
    ready.acquire()
    out.append(pool.payload)


out = []
ts = [threading.Thread(target=use) for _ in range(3)]
ts += [threading.Thread(target=consume, args=(out,)), threading.Thread(target=produce)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(pool.used, out)
