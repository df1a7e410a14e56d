# expect: clean
import queue
import threading


class Tally:
    n = 0


tally = Tally()
q = queue.Queue()


def worker():
    while True:
        item = q.get()
        tally.n += item
        q.task_done()


threading.Thread(target=worker, daemon=True).start()
for i in range(10):
    q.put(i)
q.join()
print(tally.n)
