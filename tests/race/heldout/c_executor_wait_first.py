"""wait(FIRST_COMPLETED) then wait(ALL_COMPLETED): done futures' side effects are read after each wait."""

import threading
from concurrent.futures import ALL_COMPLETED, FIRST_COMPLETED, ThreadPoolExecutor, wait


class Slot:
    value = 0


slots = [Slot(), Slot()]
gate = threading.Event()


def fast():
    slots[0].value = 1


def slow():
    gate.wait()
    slots[1].value = 2


with ThreadPoolExecutor(max_workers=2) as ex:
    f1 = ex.submit(fast)
    f2 = ex.submit(slow)
    done, pending = wait([f1, f2], return_when=FIRST_COMPLETED)
    print(len(done), [s.value for s, f in zip(slots, (f1, f2)) if f in done])
    gate.set()
    wait([f1, f2], return_when=ALL_COMPLETED)
    print([s.value for s in slots])
