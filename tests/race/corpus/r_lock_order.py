# expect: deadlock lock_a
import threading

lock_a = threading.Lock()
lock_b = threading.Lock()


def one():
    with lock_a:  # noqa: SIM117 (the nesting is the point)
        with lock_b:
            pass


def two():
    with lock_b:  # noqa: SIM117 (the nesting is the point)
        with lock_a:
            pass


t = threading.Thread(target=one)
t.start()
t.join()
t = threading.Thread(target=two)
t.start()
t.join()
print("finished")
