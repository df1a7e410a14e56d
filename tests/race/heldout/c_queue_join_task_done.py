"""Workers mutate jobs taken from a queue.Queue; main reads results after q.join()."""

import queue
import threading


class Job:
    def __init__(self, n):
        self.n = n
        self.out = None


q = queue.Queue()


def worker():
    while True:
        job = q.get()
        if job is None:
            q.task_done()
            return
        job.out = job.n * 2
        q.task_done()


ws = [threading.Thread(target=worker, daemon=True) for _ in range(2)]
for w in ws:
    w.start()
jobs = [Job(i) for i in range(5)]
for j in jobs:
    q.put(j)
q.join()
print([j.out for j in jobs])
for _ in ws:
    q.put(None)
q.join()
