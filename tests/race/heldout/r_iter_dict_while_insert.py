"""One thread iterates a dict while another inserts into it with no synchronisation."""

import threading
import time

registry = {"a": 1, "b": 2}


def inserter():
    registry["c"] = 3


def reader(out):
    time.sleep(0.05)  # not synchronisation: only keeps the plain run from raising
    for key in registry:  # RACE: registry (dict structure)
        out.append(key)


out = []
t1 = threading.Thread(target=inserter)
t2 = threading.Thread(target=reader, args=(out,))
t1.start()
t2.start()
t1.join()
t2.join()
print("keys", len(out))
