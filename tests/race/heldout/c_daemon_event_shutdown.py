"""A daemon worker loops until a stop Event; main sets it, joins, then reads the counter."""

import threading


class Progress:
    steps = 0


prog = Progress()
stop = threading.Event()


def loop():
    while not stop.is_set():
        prog.steps += 1
        stop.wait(0.001)


t = threading.Thread(target=loop, daemon=True)
t.start()
stop.set()
t.join()
print("stopped", prog.steps >= 0)
