"""Two threads take two locks in opposite orders (sequentially, so this run does not hang)."""

import threading

accounts = threading.Lock()
audit = threading.Lock()


def transfer():
    with accounts:  # noqa: SIM117 (two acquisitions, in this order)
        with audit:
            pass


def report():  # RACE: POTENTIAL DEADLOCK (lock-order inversion)
    audit.acquire()
    try:
        accounts.acquire()
        accounts.release()
    finally:
        audit.release()


a = threading.Thread(target=transfer)
a.start()
a.join()
b = threading.Thread(target=report)
b.start()
b.join()
print("done")
