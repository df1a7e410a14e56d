"""Daemon worker stopped by an Event; main reads its counter after set() but before join()."""

import threading


class Progress:
    def __init__(self):
        self.steps = 0


prog = Progress()
stop = threading.Event()


def loop():
    while not stop.is_set():
        prog.steps += 1  # RACE: Progress.steps
        stop.wait(0.001)


t = threading.Thread(target=loop, daemon=True)
t.start()
stop.set()
print("stopped", prog.steps >= 0)
t.join()
