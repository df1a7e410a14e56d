# expect: race registry
import threading
import time

registry = {"a": 1, "b": 2}


def report():
    total = 0
    for name in registry:
        total += len(name)
    return total


def register():
    registry["c"] = 3


threading.Thread(target=report).start()
time.sleep(0.1)  # the report is over before the insert, but nothing orders them
w = threading.Thread(target=register)
w.start()
w.join()
