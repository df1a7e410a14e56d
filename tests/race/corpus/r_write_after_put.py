# expect: race Order.status
import queue
import threading


class Order:
    def __init__(self):
        self.status = "new"


q = queue.Queue()


def consumer():
    order = q.get()
    print(order.status in ("new", "sent"))


t = threading.Thread(target=consumer)
t.start()
o = Order()
q.put(o)
o.status = "sent"
t.join()
