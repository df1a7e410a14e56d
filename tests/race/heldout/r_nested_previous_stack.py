"""The racing accesses sit two calls deep, so both stacks in the report have several frames."""

import threading


class Store:
    def __init__(self):
        self.value = 0


store = Store()


def inner(v):
    store.value = v  # RACE: Store.value


def outer(v):
    inner(v)


ts = [threading.Thread(target=outer, args=(i,)) for i in range(2)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print("value set")
