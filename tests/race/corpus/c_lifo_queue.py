# expect: clean
import queue
import threading


class Job:
    def __init__(self):
        self.result = None


q = queue.LifoQueue()
back = queue.LifoQueue()


def run():
    for _ in range(5):
        job = q.get()
        job.result = 1
        back.put(job)


t = threading.Thread(target=run)
t.start()
for _ in range(5):
    q.put(Job())
print(sum(back.get().result for _ in range(5)))
t.join()
