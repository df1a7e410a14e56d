# expect: clean
import threading


class Box:
    def __init__(self):
        self.items = []
        self.produced = 0


box = Box()
cond = threading.Condition()


def producer():
    for i in range(20):
        with cond:
            box.items.append(i)
            box.produced += 1
            cond.notify()


def consumer(out):
    got = 0
    while got < 20:
        with cond:
            while not box.items:
                cond.wait()
            box.items.pop(0)
            got += 1
    out.append(box.produced)


out = []
c = threading.Thread(target=consumer, args=(out,))
p = threading.Thread(target=producer)
c.start()
p.start()
p.join()
c.join()
print(out)
