# expect: clean
import threading

lock = threading.RLock()
state = {"n": 0}


def inner():
    with lock:
        state["n"] += 1


def outer():
    for _ in range(20):
        with lock:
            inner()
            state["n"] = state["n"] + 1


ts = [threading.Thread(target=outer) for _ in range(3)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(state["n"])
