# expect: clean
import queue
import threading


class Task:
    def __init__(self, prio):
        self.prio = prio
        self.seen = False

    def __lt__(self, other):
        return self.prio < other.prio


q = queue.PriorityQueue()
out = queue.Queue()


def run():
    for _ in range(5):
        task = q.get()
        task.seen = True
        out.put(task)


t = threading.Thread(target=run)
t.start()
for p in (3, 1, 2, 5, 4):
    q.put(Task(p))
print(all(out.get().seen for _ in range(5)))
t.join()
