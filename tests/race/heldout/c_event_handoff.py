"""A writer publishes data then sets an Event; the reader waits on the Event then reads."""

import threading


class Msg:
    body = ""


msg = Msg()
published = threading.Event()


def writer():
    msg.body = "hello"
    published.set()


def reader(out):
    published.wait()
    out.append(msg.body)


out = []
r = threading.Thread(target=reader, args=(out,))
w = threading.Thread(target=writer)
r.start()
w.start()
r.join()
w.join()
print(out)
