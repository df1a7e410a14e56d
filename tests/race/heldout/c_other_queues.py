"""Objects handed over through LifoQueue, PriorityQueue and SimpleQueue are written then read."""

import queue
import threading


class Item:
    def __init__(self):
        self.tag = None

    def __lt__(self, other):
        return False


def run(q, put):
    item = Item()
    got = []

    def producer():
        item.tag = type(q).__name__
        put(item)

    def consumer():
        x = q.get()
        got.append(x.tag)

    c = threading.Thread(target=consumer)
    p = threading.Thread(target=producer)
    c.start()
    p.start()
    c.join()
    p.join()
    return got


print(run(lq := queue.LifoQueue(), lq.put))
print(run(pq := queue.PriorityQueue(), lambda it: pq.put((1, it))) and "prio")
print(run(sq := queue.SimpleQueue(), sq.put))
