"""A Timer thread sets a flag that the main thread reads without join or any synchronisation."""

import threading
import time


class State:
    fired = False


state = State()


def fire():
    state.fired = True  # RACE: State.fired


t = threading.Timer(0.0, fire)
t.start()
time.sleep(0.1)
print("fired", state.fired)
t.join()
