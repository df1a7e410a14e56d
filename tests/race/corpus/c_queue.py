# expect: clean
import queue
import threading


class Order:
    def __init__(self, n):
        self.n = n
        self.status = "new"


q = queue.Queue()
done = queue.Queue()


def worker():
    while True:
        o = q.get()
        if o is None:
            return
        o.status = "paid"
        done.put(o)


t = threading.Thread(target=worker)
t.start()
for i in range(10):
    q.put(Order(i))
q.put(None)
t.join()
paid = 0
while not done.empty():
    o = done.get()
    paid += o.status == "paid"
print(paid)
