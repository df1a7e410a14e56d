# expect: race Session.opened
import threading


class Session:
    opened = 0

    def __init__(self):
        Session.opened += 1


ts = [threading.Thread(target=Session) for _ in range(2)]
for t in ts:
    t.start()
for t in ts:
    t.join()
