"""Producer fills a shared object under a Condition; the consumer uses wait_for(predicate)."""

import threading


class Box:
    def __init__(self):
        self.value = None
        self.ready = False


box = Box()
cond = threading.Condition()


def producer():
    with cond:
        box.value = 42
        box.ready = True
        cond.notify_all()


def consumer(out):
    with cond:
        cond.wait_for(lambda: box.ready)
        out.append(box.value)


out = []
c = threading.Thread(target=consumer, args=(out,))
p = threading.Thread(target=producer)
c.start()
p.start()
c.join()
p.join()
print(out)
