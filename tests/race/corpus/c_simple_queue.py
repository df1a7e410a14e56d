# expect: clean
import queue
import threading


class Msg:
    def __init__(self, body):
        self.body = body


q = queue.SimpleQueue()
replies = queue.SimpleQueue()


def echo():
    for _ in range(5):
        m = q.get()
        m.body = m.body.upper()
        replies.put(m)


t = threading.Thread(target=echo)
t.start()
for word in ["a", "b", "c", "d", "e"]:
    q.put(Msg(word))
print("".join(replies.get().body for _ in range(5)))
t.join()
