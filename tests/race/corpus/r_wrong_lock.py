# expect: race Shared.n
import threading


class Shared:
    def __init__(self):
        self.n = 0


s = Shared()
lock1 = threading.Lock()
lock2 = threading.Lock()


def a():
    with lock1:
        s.n += 1


def b():
    with lock2:
        s.n += 1


ts = [threading.Thread(target=a), threading.Thread(target=b)]
for t in ts:
    t.start()
for t in ts:
    t.join()
