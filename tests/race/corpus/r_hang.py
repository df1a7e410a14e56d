# expect: deadlock every thread is blocked
import threading

a = threading.Lock()
b = threading.Lock()
ready = threading.Barrier(2)


def one():
    with a:
        ready.wait()
        with b:
            pass


def two():
    with b:
        ready.wait()
        with a:
            pass


ts = [threading.Thread(target=one), threading.Thread(target=two)]
for t in ts:
    t.start()
for t in ts:
    t.join()
