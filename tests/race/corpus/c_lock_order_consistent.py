# expect: clean
import threading

lock_a = threading.Lock()
lock_b = threading.Lock()
state = {"moves": 0}


def move():
    for _ in range(5):
        with lock_a:  # noqa: SIM117 (the nesting is the point)
            with lock_b:
                state["moves"] += 1


ts = [threading.Thread(target=move) for _ in range(2)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(state)
